/**
 * One scenario of the flash sale, from a fresh database to its figures: start a Shopify
 * simulator and the whole system on the database, stock the SKUs, send every order through
 * the webhook endpoint, wait until every delivery is processed and every push has gone out,
 * then read what happened.
 *
 * A scenario runs in a thread of its own (scenario-thread.ts) so that each starts with fresh
 * module state: the system keeps process-wide registrations (the stock-change listeners) that
 * a second start in the same thread would add to. Leaves out: the direct-SQL baseline, which
 * the main thread runs on the same database once the system has stopped (baseline.ts).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { Runner } from 'graphile-worker';
import pg from 'pg';

import { simulatedShop, startSystem, type System } from '../app/system.ts';
import { loadConfig } from '../platform/config.ts';
import { createPool } from '../platform/database.ts';
import { startJobWorker } from '../platform/jobs.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { createShopifyAdminClient } from '../shopify/admin-client.ts';
import { pushAvailableTask, pushAvailableTaskHandler } from '../shopify/push.ts';
import { startShopifySimulator, type ShopifySimulator } from '../shopify/simulator/server.ts';
import { processWebhooksTask } from '../shopify/webhook-intake.ts';
import { processWebhooksTaskHandler } from '../shopify/webhook-processing.ts';
import type { BaselineInput } from './baseline.ts';
import { costPerUnit, readCpu, type CpuCost } from './cpu.ts';
import {
  readAllocation,
  readBatches,
  readLedger,
  readProcessingLag,
  readPushes,
  type AllocationFigures,
  type BatchFigures,
  type LedgerFigures,
  type PushFigures,
} from './figures.ts';
import { runLoad, type SendPlan } from './load.ts';
import {
  planHotOrders,
  planSpreadOrders,
  prepareDeliveries,
  readStockedSkus,
  type PlannedOrder,
  type StockedSku,
} from './orders.ts';
import {
  profilePool,
  sampleWaits,
  type ProfileFigures,
  type Profiler,
  type WaitSample,
} from './profile.ts';
import { clockMs, ratePerSecond, round, summariseLatencies } from './statistics.ts';
import type { LatencySummary } from './statistics.ts';

export type ScenarioKind = 'hot' | 'spread' | 'paced';

export interface ScenarioRequest {
  kind: ScenarioKind;
  databaseUrl: string;
  /** A scratch folder the system may write to. */
  dataDir: string;
  orderCount: number;
  plan: SendPlan;
  workerConcurrency: number;
  /** Hot SKU only: units stocked as a share of the orders, so that the rest must be short. */
  hotStockRatio: number;
  /** Give up waiting for processing after this long from the first send. */
  processingTimeoutMs: number;
  /** Run the job worker on an instrumented pool and report where batch time goes. */
  isProfiled: boolean;
}

export interface ScenarioResult {
  kind: ScenarioKind;
  orderCount: number;
  lineCount: number;
  /** Units on hand for the sale: the hot SKU's, or the smallest of the spread's SKUs. */
  stockUnits: number;
  hotSku: string | null;
  /** Every delivery processed before the timeout. */
  isComplete: boolean;
  /** Deliveries answered 200 yet still waiting at the timeout: orders not reserved. */
  deliveriesUnprocessed: number;
  /** From the first send until every delivery was processed. */
  elapsedMs: number;
  ordersPerSecond: number;
  /** From the first send until the last acknowledgement. */
  ackElapsedMs: number;
  /** From the last acknowledgement until every delivery was processed. */
  drainMs: number;
  ack: LatencySummary;
  statusCounts: Record<string, number>;
  /** From a delivery stored to its processing transaction starting. */
  processingLag: LatencySummary;
  /** CPU from the first send until every delivery was processed, per order. */
  cpuPerOrder: CpuCost;
  allocation: AllocationFigures;
  /** Hot SKU only: stock sold exactly (reserved = stocked, short = the rest). */
  isAllocationExact: boolean | null;
  ledger: LedgerFigures;
  pushes: PushFigures;
  batches: BatchFigures;
  profile: ProfileFigures | null;
  /** Profiling only: what the database's backends were doing while the sale ran. */
  waits: WaitSample[] | null;
  baseline: BaselineInput;
}

/** The hot SKU: plain, tracked, no backorder, stocked at the warehouse. */
const hotSkuCode = 'HL-MUG-STONE-SND';
const adminToken = 'qm_bench_admin_token_0123456789abcdef';
const pollIntervalMs = 10;
const settleTimeoutMs = 30_000;
const statementsReportedMax = 12;
const waitSampleIntervalMs = 5;

/** Runs the scenario in a thread of its own and answers its figures. */
export function runScenarioInThread(request: ScenarioRequest): Promise<ScenarioResult> {
  const thread = new Worker(new URL('./scenario-thread.ts', import.meta.url), {
    workerData: request,
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    thread.once('message', (result: ScenarioResult) => {
      settled = true;
      resolve(result);
      // The system has stopped by the time the figures are posted; nothing is left to finish.
      void thread.terminate();
    });
    thread.once('error', (error) => {
      settled = true;
      reject(error);
    });
    thread.once('exit', (code) => {
      if (!settled) {
        reject(new Error(`scenario thread stopped with code ${code} before answering`));
      }
    });
  });
}

interface RunningSystem {
  system: System;
  simulator: ShopifySimulator;
  profiler: Profiler | null;
  stop(): Promise<void>;
}

export async function runScenario(request: ScenarioRequest): Promise<ScenarioResult> {
  const logger = createLogger('silent');
  const running = await startBenchSystem(request, logger);

  try {
    return await runSale(request, running);
  } finally {
    await running.stop();
  }
}

async function runSale(request: ScenarioRequest, running: RunningSystem) {
  const { system, simulator } = running;
  const locationId = await fulfillingLocation(system.pool);
  const skus = await readStockedSkus(system.pool);
  const hotSku = skus.find((sku) => sku.code === hotSkuCode);
  if (hotSku === undefined) {
    throw new Error(`the catalogue has no ${hotSkuCode}`);
  }

  const saleSkus = request.kind === 'hot' ? [hotSku] : skus;
  const hotStockUnits = Math.round(request.orderCount * request.hotStockRatio);
  await stockSkus(system, saleSkus, locationId, (onHand) =>
    request.kind === 'hot' ? hotStockUnits : onHand + request.orderCount,
  );
  if (!(await waitUntilIdle(system.pool, settleTimeoutMs))) {
    throw new Error(`stocking the sale did not settle: ${await describeJobs(system.pool)}`);
  }

  const orders =
    request.kind === 'hot'
      ? planHotOrders(hotSku, request.orderCount)
      : planSpreadOrders(skus, request.orderCount, 20261203);
  const baseline = await baselineInput(system.pool, orders, saleSkus, locationId);
  const pushesBefore = simulator.setQuantityCalls.length;
  running.profiler?.reset();

  const sampler = request.isProfiled
    ? await sampleWaits(request.databaseUrl, waitSampleIntervalMs, statementsReportedMax)
    : null;
  const timed = await sendAndWait(request, system, orders);
  const waits = (await sampler?.stop()) ?? null;
  if (!(await waitUntilIdle(system.pool, settleTimeoutMs))) {
    throw new Error(`jobs still pending after the sale: ${await describeJobs(system.pool)}`);
  }

  const allocation = await readAllocation(system.pool);
  const stockUnits = Math.min(...baseline.balancesBefore.map((balance) => balance.available));
  return {
    kind: request.kind,
    orderCount: orders.length,
    lineCount: baseline.reservations.length,
    stockUnits,
    hotSku: request.kind === 'hot' ? hotSku.code : null,
    ...timed,
    allocation,
    isAllocationExact:
      request.kind === 'hot'
        ? allocation.unitsReserved === Math.min(stockUnits, orders.length) &&
          allocation.linesShort === Math.max(0, orders.length - stockUnits)
        : null,
    processingLag: await readProcessingLag(system.pool),
    ledger: await readLedger(system.pool),
    pushes: await readPushes(
      system.pool,
      simulator,
      simulator.setQuantityCalls.slice(pushesBefore),
    ),
    batches: await readBatches(system.pool),
    profile: running.profiler?.figures(statementsReportedMax) ?? null,
    waits,
    baseline,
  };
}

/** Sends every order and waits until every accepted delivery is processed. */
async function sendAndWait(request: ScenarioRequest, system: System, orders: PlannedOrder[]) {
  const clusterDir = path.join(request.dataDir, 'postgres');
  const cpuBefore = await readCpu(clusterDir);
  const load = await runLoad({
    targetUrl: `${system.apiUrl ?? ''}/webhooks/shopify`,
    shopDomain: simulatedShop.shop,
    clientSecret: simulatedShop.clientSecret,
    topic: 'orders/create',
    deliveries: prepareDeliveries(orders, request.kind),
    plan: request.plan,
  });

  const accepted = load.statusCounts['200'] ?? 0;
  const deadlineMs = load.firstSentAtMs + request.processingTimeoutMs;
  const drained = await waitForDeliveries(request.databaseUrl, accepted, deadlineMs);
  const doneAtMs = drained.doneAtMs ?? clockMs();
  const cpuAfter = await readCpu(clusterDir);
  const elapsedMs = doneAtMs - load.firstSentAtMs;

  return {
    isComplete: drained.doneAtMs !== null,
    deliveriesUnprocessed: drained.waiting,
    elapsedMs: round(elapsedMs, 1),
    ordersPerSecond: ratePerSecond(orders.length, elapsedMs),
    ackElapsedMs: round(load.lastAnsweredAtMs - load.firstSentAtMs, 1),
    drainMs: round(Math.max(0, doneAtMs - load.lastAnsweredAtMs), 1),
    ack: summariseLatencies(load.ackLatenciesMs),
    statusCounts: load.statusCounts,
    cpuPerOrder: costPerUnit(cpuBefore, cpuAfter, orders.length),
  };
}

/**
 * Polls on a connection of its own until `expected` orders/create deliveries are stored and
 * none is waiting. Answers when that was seen (clockMs), or null at the deadline, with how
 * many were still waiting then.
 */
async function waitForDeliveries(databaseUrl: string, expected: number, deadlineMs: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();

  try {
    let waiting = expected;
    while (clockMs() < deadlineMs) {
      const found = await client.query<{ stored: number; waiting: number }>(
        `SELECT count(*)::int AS stored,
           count(*) FILTER (WHERE status = 'accepted')::int AS waiting
         FROM webhook_deliveries WHERE topic = 'orders/create'`,
      );
      const row = found.rows[0];
      waiting = (row?.waiting ?? 0) + Math.max(0, expected - (row?.stored ?? 0));
      if (waiting === 0) {
        return { doneAtMs: clockMs(), waiting };
      }
      await sleep(pollIntervalMs);
    }
    return { doneAtMs: null, waiting };
  } finally {
    await client.end();
  }
}

/** Waits until no job is queued or running. */
async function waitUntilIdle(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  const deadlineMs = clockMs() + timeoutMs;
  while (clockMs() < deadlineMs) {
    const found = await pool.query<{ jobs: number }>(
      'SELECT count(*)::int AS jobs FROM graphile_worker.jobs',
    );
    if (found.rows[0]?.jobs === 0) {
      return true;
    }
    await sleep(50);
  }
  return false;
}

/** The jobs left in the queue, for an error message. */
async function describeJobs(pool: pg.Pool): Promise<string> {
  const found = await pool.query<Record<string, unknown>>(
    `SELECT t.identifier AS task, j.key, j.attempts, j.max_attempts, j.run_at, j.locked_at,
       left(j.last_error, 300) AS last_error,
       CASE WHEN json_typeof(j.payload) = 'array' THEN json_array_length(j.payload) END AS size
     FROM graphile_worker._private_jobs j
     JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     ORDER BY j.id LIMIT 10`,
  );
  const waiting = await pool.query<{ count: number; ids: string[] }>(
    `SELECT count(*)::int AS count, (array_agg(id::text ORDER BY id))[1:10] AS ids
     FROM webhook_deliveries WHERE status = 'accepted'`,
  );
  return JSON.stringify({ jobs: found.rows, waitingDeliveries: waiting.rows[0] });
}

async function startBenchSystem(request: ScenarioRequest, logger: Logger): Promise<RunningSystem> {
  const simulator = await startShopifySimulator({
    accessToken: simulatedShop.accessToken,
    clientSecret: simulatedShop.clientSecret,
  });
  const config = loadConfig({
    DATABASE_URL: request.databaseUrl,
    QM_DATA_DIR: request.dataDir,
    PORT: '0',
    SHOPIFY_SHOP: simulatedShop.shop,
    SHOPIFY_ACCESS_TOKEN: simulatedShop.accessToken,
    SHOPIFY_CLIENT_SECRET: simulatedShop.clientSecret,
    SHOPIFY_ADMIN_URL: simulator.url,
    QM_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'silent',
  });

  let system: System;
  try {
    system = await startSystem({
      config,
      logger,
      host: '127.0.0.1',
      workerConcurrency: request.workerConcurrency,
      runWorker: !request.isProfiled,
    });
  } catch (error) {
    await simulator.close();
    throw error;
  }

  const profiled = request.isProfiled ? await startProfiledWorker(request, system, logger) : null;
  return {
    system,
    simulator,
    profiler: profiled?.profiler ?? null,
    stop: async () => {
      await profiled?.stop();
      await system.close();
      await simulator.close();
    },
  };
}

/** The system's job worker with the same tasks, on a pool whose statements are timed. */
async function startProfiledWorker(request: ScenarioRequest, system: System, logger: Logger) {
  const pool = createPool(request.databaseUrl, 30);
  const profiler = profilePool(pool);
  const client = createShopifyAdminClient({ ...system.shopify, logger });

  const runner: Runner = await startJobWorker({
    pool,
    logger,
    concurrency: request.workerConcurrency,
    tasks: {
      [processWebhooksTask]: profiler.timeRuns(processWebhooksTaskHandler(pool, logger)),
      [pushAvailableTask]: pushAvailableTaskHandler(pool, client, logger),
    },
  });

  return {
    profiler,
    stop: async () => {
      await runner.stop();
      await pool.end();
    },
  };
}

async function fulfillingLocation(pool: pg.Pool): Promise<string> {
  const found = await pool.query<{ id: string | null }>(
    'SELECT fulfilling_location_id::text AS id FROM shop_settings WHERE id = 1',
  );
  const locationId = found.rows[0]?.id;
  if (locationId == null) {
    throw new Error('the catalogue import set no fulfilling location');
  }
  return locationId;
}

/** Sets each SKU's on hand at the location through the API's adjustStock mutation. */
async function stockSkus(
  system: System,
  skus: StockedSku[],
  locationId: string,
  targetOnHand: (onHand: number) => number,
): Promise<void> {
  const balances = await readBalances(system.pool, skus, locationId);

  for (const sku of skus) {
    const onHand = balances.get(sku.skuId)?.onHand ?? 0;
    const quantityChange = targetOnHand(onHand) - onHand;
    if (quantityChange === 0) {
      continue;
    }

    const input = { sku: sku.code, locationId, quantityChange, reason: 'CORRECTION' };
    const answer = await graphql(system, adjustStockMutation, { input });
    const errors = answer.adjustStock?.errors ?? [];
    if (errors.length > 0) {
      throw new Error(`adjustStock ${sku.code} refused: ${JSON.stringify(errors)}`);
    }
  }
}

const adjustStockMutation = `mutation Stock($input: AdjustStockInput!) {
  adjustStock(input: $input) { errors { field code message } }
}`;

interface AdjustStockAnswer {
  adjustStock?: { errors: { field: string; code: string; message: string }[] };
}

async function graphql(
  system: System,
  query: string,
  variables: Record<string, unknown>,
): Promise<AdjustStockAnswer> {
  const response = await fetch(`${system.apiUrl ?? ''}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: AdjustStockAnswer; errors?: unknown[] };
  if (answer.errors !== undefined || answer.data === undefined) {
    throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
  }
  return answer.data;
}

interface Balance {
  skuId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
}

async function readBalances(pool: pg.Pool, skus: StockedSku[], locationId: string) {
  const found = await pool.query<Balance>(
    `SELECT sku_id::text AS "skuId", location_id::text AS "locationId", on_hand AS "onHand",
       reserved, available
     FROM stock_balances WHERE sku_id = ANY($1::bigint[]) AND location_id = $2`,
    [skus.map((sku) => sku.skuId), locationId],
  );
  return new Map(found.rows.map((balance) => [balance.skuId, balance]));
}

/** The balances as the sale starts and the reservations it asks for, for the baseline. */
async function baselineInput(
  pool: pg.Pool,
  orders: PlannedOrder[],
  skus: StockedSku[],
  locationId: string,
): Promise<BaselineInput> {
  const balances = await readBalances(pool, skus, locationId);
  const reservations = orders.flatMap((order) =>
    order.lines.map((line) => ({ skuId: line.sku.skuId, locationId })),
  );
  return { balancesBefore: [...balances.values()], reservations };
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}
