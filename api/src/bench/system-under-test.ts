/**
 * The system as a benchmark runs it: a Shopify simulator, and the whole system configured as a
 * shop would configure it, pointed at the simulator, on a given database, logging nothing.
 * Also the stocking a sale needs (through the API's adjustStock mutation) and the balances the
 * baseline starts from.
 *
 * When profiled, the system starts without its job worker and the same tasks run on a worker
 * whose pool times every statement (profile.ts), pushing invoices to a Xero simulator of its
 * own. Leaves out: the admin, the order stream, and any shop but the simulator.
 */
import type { Runner } from 'graphile-worker';
import type pg from 'pg';

import { pushAccountingDocumentsTask } from '../accounting/jobs.ts';
import { pushAccountingDocumentsTaskHandler } from '../accounting/push.ts';
import { createXeroConnector } from '../accounting/xero/connector.ts';
import { startXeroSimulator } from '../accounting/xero/simulator/server.ts';
import { simulatedShop, startSystem, type System } from '../app/system.ts';
import { loadConfig } from '../platform/config.ts';
import { createPool } from '../platform/database.ts';
import { startJobWorker } from '../platform/jobs.ts';
import type { Logger } from '../platform/logger.ts';
import { createShopifyAdminClient } from '../shopify/admin-client.ts';
import { pushAvailableTask, pushAvailableTaskHandler } from '../shopify/push.ts';
import { startShopifySimulator, type ShopifySimulator } from '../shopify/simulator/server.ts';
import { processWebhooksTask } from '../shopify/webhook-intake.ts';
import { processWebhooksTaskHandler } from '../shopify/webhook-processing.ts';
import type { StockedSku } from './orders.ts';
import { profilePool, type Profiler } from './profile.ts';

export interface BenchSystemOptions {
  databaseUrl: string;
  /** A scratch folder the system may write to. */
  dataDir: string;
  workerConcurrency: number;
  isProfiled: boolean;
}

/** One unit's on hand, reserved and available at one location. */
export interface Balance {
  skuId: string;
  locationId: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** An API token the system is told to accept, so that the bench can call GraphQL. */
const adminToken = 'qm_bench_admin_token_0123456789abcdef';

export interface RunningSystem {
  system: System;
  simulator: ShopifySimulator;
  profiler: Profiler | null;
  stop(): Promise<void>;
}

export async function startBenchSystem(
  request: BenchSystemOptions,
  logger: Logger,
): Promise<RunningSystem> {
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
async function startProfiledWorker(request: BenchSystemOptions, system: System, logger: Logger) {
  const pool = createPool(request.databaseUrl, 30);
  const profiler = profilePool(pool);
  const client = createShopifyAdminClient({ ...system.shopify, logger });
  const xero = await startXeroSimulator({ logger });
  const accounting = createXeroConnector({
    apiUrl: xero.apiUrl,
    identityUrl: xero.identityUrl,
    clientId: xero.clientId,
    clientSecret: xero.clientSecret,
    tenantId: xero.tenantId,
    logger,
  });

  const runner: Runner = await startJobWorker({
    pool,
    logger,
    concurrency: request.workerConcurrency,
    tasks: {
      [processWebhooksTask]: profiler.timeRuns(processWebhooksTaskHandler(pool, logger)),
      [pushAvailableTask]: pushAvailableTaskHandler(pool, client, logger),
      [pushAccountingDocumentsTask]: pushAccountingDocumentsTaskHandler({
        pool,
        connector: accounting,
        logger,
      }),
    },
  });

  return {
    profiler,
    stop: async () => {
      await runner.stop();
      await accounting.close();
      await xero.close();
      await pool.end();
    },
  };
}

export async function fulfillingLocation(pool: pg.Pool): Promise<string> {
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
export async function stockSkus(
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

/** What adjustStock answers; business refusals come back in errors, not as GraphQL errors. */
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

export async function readBalances(pool: pg.Pool, skus: StockedSku[], locationId: string) {
  const found = await pool.query<Balance>(
    `SELECT sku_id::text AS "skuId", location_id::text AS "locationId", on_hand AS "onHand",
       reserved, available
     FROM stock_balances WHERE sku_id = ANY($1::bigint[]) AND location_id = $2`,
    [skus.map((sku) => sku.skuId), locationId],
  );
  return new Map(found.rows.map((balance) => [balance.skuId, balance]));
}
