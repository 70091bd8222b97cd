/**
 * Deliveries processed as a batch: a body that can never be processed is recognised in the
 * batch itself, failed once and reported once, while the rest of the batch goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Logger } from '../api/src/platform/logger.ts';
import { processWebhooksTaskHandler } from '../api/src/shopify/webhook-processing.ts';
import {
  fulfillmentBody,
  orderBody,
  variants,
} from '../api/src/shopify/simulator/webhook-bodies.ts';
import { startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;

beforeAll(async () => {
  // No worker: the deliveries wait until the test processes them, all in one batch.
  system = await startTestSystem({ runWorker: false });
});

afterAll(async () => {
  await system.stopAll();
});

interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  fields: { deliveryId?: string };
  message: string;
}

/** A logger that keeps what it is given, and the records it kept. */
function recordingLogger() {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (fields: LogRecord['fields'], message = '') => {
      records.push({ level, fields, message });
    };
  const logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return { logger: logger as unknown as Logger, records };
}

async function deliveryIdOf(webhookId: string): Promise<string> {
  const found = await system.pool.query<{ id: string }>(
    'SELECT id::text FROM webhook_deliveries WHERE webhook_id = $1',
    [webhookId],
  );
  return found.rows[0]?.id ?? '';
}

describe('a malformed delivery in a batch', () => {
  it('is failed once and reported once, and the rest of the batch is processed', async () => {
    const lines = [{ lineId: 9810001, ...variants.doormat, quantity: 1 }];
    await system.deliver('orders/create', orderBody(9800001, lines), { webhookId: 'batch-1' });
    await system.deliver(
      'orders/create',
      { id: 9800002, currency: 'GBP', created_at: '2025-10-02T10:00:00+01:00', line_items: 7 },
      { webhookId: 'batch-2' },
    );
    await system.deliver('fulfillments/create', fulfillmentBody(9820001, 9800001, lines), {
      webhookId: 'batch-3',
    });
    const malformed = await deliveryIdOf('batch-2');

    const { logger, records } = recordingLogger();
    await processWebhooksTaskHandler(system.pool, logger)({}, undefined as never);

    const stored = await system.pool.query<{
      webhook_id: string;
      status: string;
      attempts: number;
    }>(
      `SELECT webhook_id, status, attempts FROM webhook_deliveries
       WHERE webhook_id LIKE 'batch-%' ORDER BY webhook_id`,
    );
    expect(stored.rows).toEqual([
      { webhook_id: 'batch-1', status: 'processed', attempts: 0 },
      { webhook_id: 'batch-2', status: 'failed', attempts: 1 },
      { webhook_id: 'batch-3', status: 'processed', attempts: 0 },
    ]);
    expect(records.filter((record) => ['warn', 'error', 'fatal'].includes(record.level))).toEqual([
      {
        level: 'error',
        fields: expect.objectContaining({ deliveryId: malformed }) as unknown,
        message: 'webhook delivery could not be processed',
      },
    ]);
    const raised = await system.pool.query<{ message: string }>(
      `SELECT message FROM stock_exceptions WHERE kind = 'WEBHOOK_UNPROCESSABLE'`,
    );
    expect(raised.rows).toEqual([{ message: expect.stringContaining('line_items') }]);
    const order = await system.graphql<{ order: { allocationState: string } }>(
      '{ order(shopifyId: "9800001") { allocationState } }',
    );
    expect(order.order.allocationState).toBe('shipped');
  });

  it('is not taken up again', async () => {
    const { logger, records } = recordingLogger();
    await processWebhooksTaskHandler(system.pool, logger)({}, undefined as never);

    expect(records).toEqual([]);
    const stored = await system.pool.query<{ attempts: number }>(
      `SELECT attempts FROM webhook_deliveries WHERE webhook_id = 'batch-2'`,
    );
    expect(stored.rows).toEqual([{ attempts: 1 }]);
  });
});

describe('a delivery that fails only while it is processed', () => {
  it('is failed once, in its own transaction, after the rest of its batch', async () => {
    const lines = [{ lineId: 9810101, ...variants.doormat, quantity: 1 }];
    const badTotal = orderBody(9800102, [{ lineId: 9810102, ...variants.doormat, quantity: 1 }]);
    badTotal.total_price_set.presentment_money.amount = 'ten pounds';
    await system.deliver('orders/create', orderBody(9800101, lines), { webhookId: 'alone-1' });
    await system.deliver('orders/create', badTotal, { webhookId: 'alone-2' });
    const failing = await deliveryIdOf('alone-2');

    const { logger, records } = recordingLogger();
    await processWebhooksTaskHandler(system.pool, logger)({}, undefined as never);

    const stored = await system.pool.query<{
      webhook_id: string;
      status: string;
      attempts: number;
    }>(
      `SELECT webhook_id, status, attempts FROM webhook_deliveries
       WHERE webhook_id LIKE 'alone-%' ORDER BY webhook_id`,
    );
    expect(stored.rows).toEqual([
      { webhook_id: 'alone-1', status: 'processed', attempts: 0 },
      { webhook_id: 'alone-2', status: 'failed', attempts: 1 },
    ]);
    expect(records.map((record) => [record.level, record.message])).toEqual([
      ['warn', 'batch failed; one by one'],
      ['error', 'webhook delivery could not be processed'],
    ]);
    expect(records[1]?.fields.deliveryId).toBe(failing);
    const raised = await system.pool.query(`SELECT 1 FROM stock_exceptions WHERE source_key = $1`, [
      `shopify:delivery:${failing}:failed`,
    ]);
    expect(raised.rowCount).toBe(1);
    const orders = await system.pool.query(
      'SELECT 1 FROM orders WHERE shopify_order_id IN (9800101, 9800102)',
    );
    expect(orders.rowCount).toBe(1);
  });
});

describe('two bodies of one order with the same shop time in a batch', () => {
  it('keep the status further along in the order, whichever is listed first', async () => {
    const first = [{ lineId: 9810201, ...variants.doormat, quantity: 1 }];
    const second = [{ lineId: 9810202, ...variants.doormat, quantity: 1 }];
    const withStatus = (body: ReturnType<typeof orderBody>, financialStatus: string) => ({
      ...body,
      financial_status: financialStatus,
    });
    await system.deliver('orders/create', withStatus(orderBody(9800201, first), 'pending'));
    await system.deliver('orders/create', withStatus(orderBody(9800201, first), 'paid'));
    await system.deliver('orders/create', withStatus(orderBody(9800202, second), 'paid'));
    await system.deliver('orders/create', withStatus(orderBody(9800202, second), 'pending'));

    const { logger } = recordingLogger();
    await processWebhooksTaskHandler(system.pool, logger)({}, undefined as never);

    const orders = await system.pool.query<{ shopify_order_id: string; financial_status: string }>(
      `SELECT shopify_order_id::text, financial_status FROM orders
       WHERE shopify_order_id IN (9800201, 9800202) ORDER BY shopify_order_id`,
    );
    expect(orders.rows).toEqual([
      { shopify_order_id: '9800201', financial_status: 'paid' },
      { shopify_order_id: '9800202', financial_status: 'paid' },
    ]);
  });
});
