/**
 * Invoices and credit notes end to end: signed Shopify deliveries through the real endpoint,
 * the inbox and the push queue, to an accounting platform held in memory that records every
 * call and can fail in each way a platform can. Each case uses an order of its own, made from
 * the fixture order #1041 with new ids, so the cases do not see each other's documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeAccountingPlatform } from '../api/src/accounting/fake-connector.ts';
import { wakeAccountingPush } from '../api/src/accounting/jobs.ts';
import { retryAccountingDocument } from '../api/src/accounting/push.ts';
import { updateAccountingSettings } from '../api/src/accounting/settings.ts';
import { withTransaction } from '../api/src/platform/transaction.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

interface DocumentRow {
  id: string;
  kind: 'invoice' | 'credit_note';
  status: string;
  number: string | null;
  total_minor: string | null;
  subtotal_minor: string | null;
  tax_minor: string | null;
  currency: string | null;
  platform_id: string | null;
  platform_total_minor: string | null;
  allocation_status: string | null;
  allocated_minor: string | null;
  attempts: number;
  failure_reason: string | null;
  due_in_seconds: number;
}

type Body = Record<string, unknown>;

const platform = new FakeAccountingPlatform();
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ accountingConnector: platform });
});

afterAll(async () => {
  await system.stopAll();
});

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** The fixture order #1041 as order `#<3000 + n>` with ids of its own. */
function order(n: number): Body & { id: number } {
  const body = JSON.parse(withIdsOf(n, 'webhooks/D01-orders-create-1041.json')) as Body & {
    id: number;
  };
  return { ...body, order_number: 3000 + n, name: `#${3000 + n}` };
}

/** The fixture refund of #1041 (£27.00) as a refund of order `n`. */
function refund(n: number): Body & { id: number } {
  return JSON.parse(withIdsOf(n, 'webhooks/D08-refunds-create-1041.json')) as Body & {
    id: number;
  };
}

function withIdsOf(n: number, file: string): string {
  return readFixture(file)
    .toString('utf8')
    .replaceAll('5912345678901', `59123400${pad(n, 5)}`)
    .replaceAll('1012345600001', `10123400${pad(n, 5)}`)
    .replaceAll('14700000000', `1470${pad(n, 3)}0000`)
    .replaceAll('11111111000', `1111${pad(n, 3)}1000`);
}

async function documentsOf(shopifyOrderId: number | string): Promise<DocumentRow[]> {
  const found = await system.pool.query<DocumentRow>(
    `SELECT id::text, kind, status, number, total_minor::text, subtotal_minor::text,
       tax_minor::text, trim(currency) AS currency, platform_id, platform_total_minor::text,
       allocation_status, allocated_minor::text, attempts, failure_reason,
       extract(epoch FROM next_attempt_at - now())::float8 AS due_in_seconds
     FROM accounting_documents WHERE shopify_order_id = $1 ORDER BY kind DESC, id`,
    [shopifyOrderId],
  );
  return found.rows;
}

async function exceptionsOf(kind: string, documentId?: string) {
  const found = await system.pool.query<{ message: string; order_id: string | null }>(
    `SELECT message, order_id::text FROM stock_exceptions
     WHERE kind = $1 AND ($2::text IS NULL OR details->>'documentId' = $2) ORDER BY id`,
    [kind, documentId ?? null],
  );
  return found.rows;
}

async function deliver(topic: string, body: unknown, webhookId?: string): Promise<void> {
  expect(await system.deliver(topic, body, { webhookId })).toBe(200);
  await system.waitForProcessing();
}

/** Time passing: the documents' next attempt and any parking are due now; then a push runs. */
async function afterTheWait(): Promise<void> {
  await system.pool.query(
    `UPDATE accounting_documents SET next_attempt_at = now() WHERE next_attempt_at > now()`,
  );
  await system.pool.query('UPDATE accounting_connector_state SET parked_until = NULL');
  await wakeAccountingPush(system.pool);
  await system.waitForProcessing();
}

function callsSince(index: number) {
  return platform.calls.slice(index);
}

describe('the fixture order and its refund', () => {
  it('make one invoice and one credit note with the fixture figures, pushed and applied', async () => {
    // Given the fixture deliveries of #1041: created, paid, then refunded £27.00
    const created = readFixture('webhooks/D01-orders-create-1041.json');
    const refunded = readFixture('webhooks/D08-refunds-create-1041.json');
    expect(await system.deliver('orders/create', null, { raw: created })).toBe(200);
    expect(await system.deliver('orders/paid', null, { raw: created })).toBe(200);
    expect(await system.deliver('refunds/create', null, { raw: refunded })).toBe(200);
    await system.waitForProcessing();

    // Then one invoice for £107.10 and one credit note for £27.00, both pushed
    const [invoice, creditNote] = await documentsOf('5912345678901');
    expect(invoice).toMatchObject({
      kind: 'invoice',
      status: 'pushed',
      number: 'SHP-1041',
      currency: 'GBP',
      total_minor: '10710',
      subtotal_minor: '8925',
      platform_total_minor: '10710',
    });
    expect(creditNote).toMatchObject({
      kind: 'credit_note',
      status: 'pushed',
      number: 'SHP-1041-R1',
      total_minor: '2700',
      subtotal_minor: '2250',
      allocation_status: 'allocated',
      allocated_minor: '2700',
    });
    expect(platform.numbers('invoice')).toContain('SHP-1041');
    expect(platform.numbers('credit-note')).toContain('SHP-1041-R1');
  });
});
