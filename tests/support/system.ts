/**
 * A whole system for a test: a fresh database, a Shopify simulator on its own port, and the
 * system configured exactly as a shop would configure it, pointed at the simulator.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { AccountingConnector } from '../../api/src/accounting/connector.ts';
import type { SignInThrottleSettings } from '../../api/src/access/sign-in-throttle.ts';
import { startSystem, type System } from '../../api/src/app/system.ts';
import { loadConfig } from '../../api/src/platform/config.ts';
import { createLogger } from '../../api/src/platform/logger.ts';
import {
  startShopifySimulator,
  type ShopifySimulator,
} from '../../api/src/shopify/simulator/server.ts';
import { createTestDatabase } from './database.ts';

export const shopDomain = 'hearth-loom-test.myshopify.com';
export const clientSecret = 'hl_test_client_secret_4f1d9c0b7e2a';
export const accessToken = 'shpat_test_access_token';

export interface TestSystem extends System {
  simulator: ShopifySimulator;
  /** The system's own data folder, where the first admin's password is written. */
  dataDir: string;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T>;
  deliver(
    topic: string,
    body: unknown,
    options?: { webhookId?: string; raw?: Buffer },
  ): Promise<number>;
  waitForProcessing(): Promise<void>;
  stopAll(): Promise<void>;
}

export async function startTestSystem(
  options: {
    apiVersion?: string;
    workerConcurrency?: number;
    simulator?: ShopifySimulator;
    accessRecheckIntervalMs?: number;
    signInThrottle?: Partial<SignInThrottleSettings>;
    environment?: Record<string, string>;
    /** An accounting platform in place of the configured one (the Xero simulator). */
    accountingConnector?: AccountingConnector;
    /** False to store deliveries without processing them, for a test that processes them. */
    runWorker?: boolean;
  } = {},
): Promise<TestSystem> {
  const simulator =
    options.simulator ?? (await startShopifySimulator({ accessToken, clientSecret }));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-test-'));
  const config = loadConfig({
    QM_DATA_DIR: dataDir,
    DATABASE_URL: await createTestDatabase(),
    PORT: '0',
    SHOPIFY_SHOP: shopDomain,
    SHOPIFY_ACCESS_TOKEN: accessToken,
    SHOPIFY_CLIENT_SECRET: clientSecret,
    SHOPIFY_API_VERSION: options.apiVersion ?? '2026-04',
    SHOPIFY_ADMIN_URL: simulator.url,
    QM_ADMIN_TOKEN: 'qm_test_admin_token_0123456789abcdef',
    ...options.environment,
  });
  const system = await startSystem({
    config,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    host: '127.0.0.1',
    workerConcurrency: options.workerConcurrency ?? 4,
    runWorker: options.runWorker,
    accessRecheckIntervalMs: options.accessRecheckIntervalMs,
    signInThrottle: options.signInThrottle,
    accountingConnector: options.accountingConnector,
  });
  const apiUrl = system.apiUrl ?? '';

  let sequence = 0;
  return {
    ...system,
    simulator,
    dataDir,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${system.adminToken}`,
        },
        body: JSON.stringify({ query, variables }),
      });
      const answer = (await response.json()) as { data?: T; errors?: unknown[] };
      if (answer.errors !== undefined) {
        throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
      }
      return answer.data as T;
    },
    async deliver(topic, body, deliveryOptions = {}) {
      sequence += 1;
      const raw = deliveryOptions.raw ?? Buffer.from(JSON.stringify(body));
      return postWebhook(`${apiUrl}/webhooks/shopify`, raw, {
        'X-Shopify-Topic': topic,
        'X-Shopify-Hmac-Sha256': sign(raw),
        'X-Shopify-Shop-Domain': shopDomain,
        'X-Shopify-API-Version': '2026-04',
        'X-Shopify-Webhook-Id': deliveryOptions.webhookId ?? `test-${Date.now()}-${sequence}`,
        'X-Shopify-Triggered-At': new Date().toISOString(),
      });
    },
    waitForProcessing: () => waitForProcessing(system),
    async stopAll() {
      await system.close();
      if (options.simulator === undefined) {
        await simulator.close();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function sign(body: Buffer): string {
  return createHmac('sha256', clientSecret).update(body).digest('base64');
}

export async function postWebhook(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: new Uint8Array(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Waits until every accepted delivery is processed and no job is left to run. */
export async function waitForProcessing(system: System, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pending = await system.pool.query<{ deliveries: number; jobs: number }>(
      `SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'accepted')::int
                AS deliveries,
              (SELECT count(*) FROM graphile_worker.jobs)::int AS jobs`,
    );
    const row = pending.rows[0];
    if (row?.deliveries === 0 && row.jobs === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stuck = await system.pool.query<{ task_identifier: string; last_error: string | null }>(
    'SELECT task_identifier, last_error FROM graphile_worker.jobs LIMIT 3',
  );
  throw new Error(
    `deliveries or jobs still pending after the timeout: ${JSON.stringify(stuck.rows)}`,
  );
}

const fixturesDir = new URL('../fixtures/', import.meta.url);

export function readFixture(name: string): Buffer {
  return readFileSync(new URL(name, fixturesDir));
}
