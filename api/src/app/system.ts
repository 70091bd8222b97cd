/**
 * Starts the whole system in one process: the database (embedded unless DATABASE_URL is set),
 * migrations, the first admin on first start, the catalogue import on first start, the job
 * worker, the API, and, when no shop is configured, the built-in Shopify simulator with a slow
 * stream of orders so that a newcomer sees stock move; when no accounting platform is
 * configured, the built-in Xero simulator receives the invoices and credit notes.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { MikroORM } from '@mikro-orm/postgresql';
import type { Runner } from 'graphile-worker';
import type pg from 'pg';

import type { AccountingConnector } from '../accounting/connector.ts';
import { accountingConnectorFor } from '../accounting/connectors.ts';
import { pushAccountingDocumentsTask } from '../accounting/jobs.ts';
import {
  pushAccountingDocumentsTaskHandler,
  resumeAfterConnectionFix,
  startAccountingSweeper,
} from '../accounting/push.ts';
import {
  startXeroSimulator,
  xeroSimulatorDefaults,
  type XeroSimulator,
} from '../accounting/xero/simulator/server.ts';
import { accessEndedChannel, createLiveAccess } from '../access/live-access.ts';
import { SignInThrottle, type SignInThrottleSettings } from '../access/sign-in-throttle.ts';
import { ensureAdminToken, generateToken } from '../access/tokens.ts';
import { createUser, hasAnyUser } from '../access/users.ts';
import { onStockChanged, type StockChange } from '../ledger/ledger.ts';
import type { Config, ShopifySettings } from '../platform/config.ts';
import { createPool, openDatabase, type DatabaseHandle } from '../platform/database.ts';
import { listenForEvents, publishMany, type EventListener } from '../platform/events.ts';
import type { Tx } from '../platform/transaction.ts';
import { migrateJobQueue, startJobWorker } from '../platform/jobs.ts';
import type { Logger } from '../platform/logger.ts';
import { migrate, openOrm } from '../platform/orm.ts';
import { createShopifyAdminClient } from '../shopify/admin-client.ts';
import { importCatalogue, isCatalogueEmpty } from '../shopify/catalogue-import.ts';
import { pushAvailableTask, pushAvailableTaskHandler, registerStockPush } from '../shopify/push.ts';
import { startOrderStream } from '../shopify/simulator/orders.ts';
import { startShopifySimulator, type ShopifySimulator } from '../shopify/simulator/server.ts';
import { processWebhooksTaskHandler, startInboxSweeper } from '../shopify/webhook-processing.ts';
import { processWebhooksTask, shopifyWebhookRouter } from '../shopify/webhook-intake.ts';
import { entities } from './entities.ts';
import { buildApiSchema } from './schema.ts';
import { createApiServer, type ApiServer } from './server.ts';

/** The fixture shop the simulator plays, and the secret it signs webhooks with. */
export const simulatedShop = {
  shop: 'hearth-loom-test.myshopify.com',
  accessToken: 'shpat_simulator_access_token',
  clientSecret: 'hl_test_client_secret_4f1d9c0b7e2a',
};

export interface SystemOptions {
  config: Config;
  logger: Logger;
  runApi?: boolean;
  runWorker?: boolean;
  workerConcurrency?: number;
  /** Place a slow stream of simulated orders (only with the built-in simulator). */
  orderStreamIntervalMs?: number | null;
  /** Host the API listens on; 0.0.0.0 by default. */
  host?: string;
  /** How often open WebSockets are re-authenticated (30 s unless set), in milliseconds. */
  accessRecheckIntervalMs?: number;
  /** Delays and limits of sign-in throttling; tests shorten them. */
  signInThrottle?: Partial<SignInThrottleSettings>;
  /** Replaces the configured accounting connector (tests use an in-memory platform). */
  accountingConnector?: AccountingConnector;
  /** How long a claimed document is held for a push in flight; ten minutes by default. */
  accountingLeaseMs?: number;
}

export interface System {
  apiUrl: string | null;
  adminToken: string;
  shopify: ShopifySettings;
  simulator: ShopifySimulator | null;
  /** The built-in Xero simulator, when no accounting platform is configured. */
  xeroSimulator: XeroSimulator | null;
  pool: pg.Pool;
  orm: MikroORM;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function startSystem(options: SystemOptions): Promise<System> {
  const { config, logger } = options;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'while stopping'));
    }
  };

  try {
    const database: DatabaseHandle = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      logger,
    });
    closers.push(() => database.stop());

    const pool = createPool(database.url, 30);
    closers.push(() => pool.end());
    await pool.query('SELECT 1').catch((error: unknown) => {
      const where = config.databaseUrl === undefined ? 'the embedded PostgreSQL' : 'DATABASE_URL';
      throw new Error(`Cannot reach ${where}: ${(error as Error).message}`);
    });
    const orm = await openOrm(database.url, entities);
    closers.push(() => orm.close());
    await migrate(orm, database.url, logger);
    await migrateJobQueue(pool);

    const adminToken = config.adminToken ?? (await localAdminToken(config.dataDir));
    await ensureAdminToken(pool, adminToken);
    await ensureFirstAdmin(pool, config, logger);

    let simulator: ShopifySimulator | null = null;
    let shopify = config.shopify;
    if (shopify === undefined) {
      simulator = await startShopifySimulator({
        accessToken: simulatedShop.accessToken,
        clientSecret: simulatedShop.clientSecret,
        logger,
      });
      closers.push(() => simulator?.close() ?? Promise.resolve());
      shopify = {
        ...simulatedShop,
        apiVersion: process.env.SHOPIFY_API_VERSION ?? '2026-04',
        adminUrl: simulator.url,
      };
      logger.info({ url: simulator.url }, 'no SHOPIFY_SHOP set: using the built-in simulator');
    }

    const client = createShopifyAdminClient({ ...shopify, logger });
    if (await isCatalogueEmpty(pool)) {
      await importCatalogue(pool, client, logger);
    }
    registerStockPush();
    onStockChanged(announceStockChanges);

    let xeroSimulator: XeroSimulator | null = null;
    if (options.runWorker !== false) {
      let accounting = options.accountingConnector;
      if (accounting === undefined) {
        let platform = config.accounting;
        if (platform === undefined) {
          const started = await startXeroSimulator({ logger });
          xeroSimulator = started;
          closers.push(() => started.close());
          platform = {
            platform: 'xero',
            apiUrl: started.apiUrl,
            identityUrl: started.identityUrl,
            clientId: started.clientId,
            clientSecret: started.clientSecret,
            tenantId: started.tenantId,
            refreshToken: undefined,
          };
          logger.info(
            { url: started.apiUrl, organisation: xeroSimulatorDefaults.organisationName },
            'no ACCOUNTING_PLATFORM set: pushing to the built-in Xero simulator',
          );
        }
        const connector = await accountingConnectorFor(platform, { logger, db: pool });
        closers.push(() => connector.close());
        accounting = connector;
      }
      await resumeAfterConnectionFix(pool, accounting.platform);

      const worker: Runner = await startJobWorker({
        pool,
        logger,
        concurrency: options.workerConcurrency ?? 4,
        tasks: {
          [processWebhooksTask]: processWebhooksTaskHandler(pool, logger),
          [pushAvailableTask]: pushAvailableTaskHandler(pool, client, logger),
          [pushAccountingDocumentsTask]: pushAccountingDocumentsTaskHandler({
            pool,
            connector: accounting,
            logger,
            leaseMs: options.accountingLeaseMs,
          }),
        },
      });
      closers.push(() => worker.stop());
      const sweeper = startInboxSweeper(pool, logger);
      closers.push(() => Promise.resolve(sweeper.stop()));
      const accountingSweeper = startAccountingSweeper(pool, accounting.platform, logger);
      closers.push(() => Promise.resolve(accountingSweeper.stop()));
    }

    let apiUrl: string | null = null;
    if (options.runApi !== false) {
      const liveAccess = createLiveAccess({
        db: pool,
        logger,
        recheckIntervalMs: options.accessRecheckIntervalMs,
      });
      closers.push(() => Promise.resolve(liveAccess.stop()));
      const events: EventListener = await listenForEvents(database.url, logger, [
        { channel: accessEndedChannel, hear: (payload) => liveAccess.hear(payload) },
      ]);
      closers.push(() => events.close());
      const server: ApiServer = await createApiServer({
        pool,
        orm,
        logger,
        schema: await buildApiSchema(events.pubSub),
        routers: [shopifyWebhookRouter({ pool, logger, ...shopify })],
        allowedOrigins: [
          `http://localhost:${config.adminPort}`,
          `http://127.0.0.1:${config.adminPort}`,
        ],
        liveAccess,
        accountingPlatform: config.accounting?.platform,
        access: {
          sessions: {
            idleTimeoutMs: config.sessionIdleTimeoutMs,
            lifetimeMaxMs: config.sessionLifetimeMaxMs,
            cookieSecure: config.cookieSecure,
          },
          throttle: new SignInThrottle(pool, options.signInThrottle),
        },
      });
      const port = await server.listen(config.apiPort, options.host);
      closers.push(() => server.close());
      apiUrl = `http://127.0.0.1:${port}`;
      logger.info({ url: `${apiUrl}/graphql` }, 'API listening');

      if (simulator !== null && options.orderStreamIntervalMs) {
        // Carry on from the orders already recorded, so a restart does not repeat their ids.
        const last = await pool.query<{ count: number; number: number | null }>(
          'SELECT count(*)::int AS count, max(order_number) AS number FROM orders',
        );
        const stream = startOrderStream(simulator, {
          targetUrl: `${apiUrl}/webhooks/shopify`,
          intervalMs: options.orderStreamIntervalMs,
          random: Math.random,
          orderNumberFirst: Math.max(1101, (last.rows[0]?.number ?? 0) + 1),
          idOffset: ((last.rows[0]?.count ?? 0) + 1) * 10_000,
          logger,
        });
        closers.push(() => Promise.resolve(stream.stop()));
      }
    }

    return {
      apiUrl,
      adminToken,
      shopify,
      simulator,
      xeroSimulator,
      pool,
      orm,
      databaseUrl: database.url,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Tells live subscribers, on every API process, which levels changed; sent on commit. */
async function announceStockChanges(tx: Tx, changes: StockChange[]): Promise<void> {
  await publishMany(
    tx,
    changes.map((change) => ({ topic: 'STOCK_LEVEL_CHANGED' as const, payload: change })),
  );
}

/**
 * On a database without any person, makes the first admin (QM_ADMIN_EMAIL) with a one-time
 * password written to `<data folder>/first-admin-password`, readable only by its owner, to be
 * changed at first sign-in. The password is never logged; the file's path is.
 */
async function ensureFirstAdmin(pool: pg.Pool, config: Config, logger: Logger): Promise<void> {
  if (await hasAnyUser(pool)) {
    return;
  }
  const created = await createUser(pool, {
    email: config.adminEmail,
    name: 'Admin',
    roles: ['admin'],
    createdBy: 'first-run',
  });
  // Another process starting at the same moment made it first; its file is the one to use.
  if (created.user === null || created.oneTimePassword === null) {
    return;
  }

  const file = path.join(path.resolve(config.dataDir), 'first-admin-password');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${created.oneTimePassword}\n`, { mode: 0o600 });
  // The mode applies only to a new file; one left from an earlier database keeps its own.
  await chmod(file, 0o600);
  logger.info(
    { email: created.user.email, passwordFile: file },
    'first admin created: sign in with this email and the password in the file, then change it',
  );
}

/**
 * Without QM_ADMIN_TOKEN a token is made once and kept in the data folder, readable only by
 * its owner, so that the admin and CLI on this machine can sign in.
 */
async function localAdminToken(dataDir: string): Promise<string> {
  const file = path.join(path.resolve(dataDir), 'admin-token');
  if (existsSync(file)) {
    return (await readFile(file, 'utf8')).trim();
  }
  await mkdir(path.dirname(file), { recursive: true });
  const token = generateToken();
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
