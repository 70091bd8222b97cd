/**
 * One scenario of the flash sale, from a fresh database to its figures: start a Shopify
 * simulator and the whole system on the database, stock the SKUs, send every order through
 * the webhook endpoint, wait until every delivery is processed and every push has gone out,
 * then read what happened.
 *
 * A scenario runs in a thread of its own (scenario-thread.ts) so that each start of the system
 * gets fresh module state (the stock-change listeners live at module level), as one system per
 * process has in production. Leaves out: the direct-SQL baseline, which the main thread runs
 * on the same database once the system has stopped (baseline.ts).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type pg from 'pg';

import { simulatedShop, type System } from '../app/system.ts';
import { createLogger } from '../platform/logger.ts';
import type { BaselineInput } from './baseline.ts';
import { costPerUnit, readCpu, type CpuCost } from './cpu.ts';
import {
  readAllocation,
  readBatches,
  readFailedJobs,
  readLedger,
  readProcessingLag,
  readPushes,
  type AllocationFigures,
  type BatchFigures,
  type FailedJobFigures,
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
import { sampleWaits, type ProfileFigures, type WaitSample } from './profile.ts';
import { clockMs, ratePerSecond, round, summariseLatencies } from './statistics.ts';
import type { LatencySummary } from './statistics.ts';
import {
  fulfillingLocation,
  readBalances,
  startBenchSystem,
  stockSkus,
  type RunningSystem,
} from './system-under-test.ts';
import { describeJobs, waitForDeliveries, waitUntilIdle } from './waiting.ts';

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
  failedJobs: FailedJobFigures;
  profile: ProfileFigures | null;
  /** Profiling only: what the database's backends were doing while the sale ran. */
  waits: WaitSample[] | null;
  baseline: BaselineInput;
}

/** The hot SKU: plain, tracked, no backorder, stocked at the warehouse. */
const hotSkuCode = 'HL-MUG-STONE-SND';
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
    failedJobs: await readFailedJobs(system.pool),
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
