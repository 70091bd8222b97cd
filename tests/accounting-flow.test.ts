/**
 * Invoices and credit notes end to end: signed Shopify deliveries through the real endpoint,
 * the inbox and the push queue, to an accounting platform held in memory that records every
 * call and can fail in each way a platform can. Each case uses an order of its own, made from
 * the fixture order #1041 with new ids, so the cases do not see each other's documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeAccountingPlatform } from '../api/src/accounting/fake-connector.ts';
import {
  recordOrderCancelled,
  recordOrderConfirmed,
  recordRefund,
} from '../api/src/accounting/intake.ts';
import { wakeAccountingPush } from '../api/src/accounting/jobs.ts';
import { resumeAfterConnectionFix, retryAccountingDocument } from '../api/src/accounting/push.ts';
import { currentRefreshToken, saveRefreshToken } from '../api/src/accounting/connector-state.ts';
import { readQuickBooksMapping, updateAccountingSettings } from '../api/src/accounting/settings.ts';
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
  order_id: string | null;
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
       allocation_status, allocated_minor::text, attempts, order_id::text, failure_reason,
       extract(epoch FROM next_attempt_at - now())::float8 AS due_in_seconds
     FROM accounting_documents WHERE shopify_order_id = $1 ORDER BY kind DESC, id`,
    [shopifyOrderId],
  );
  return found.rows;
}

async function exceptionsOf(kind: string, documentId?: string) {
  const found = await system.pool.query<{
    message: string;
    order_id: string | null;
    status: string;
    resolved_by: string | null;
  }>(
    `SELECT message, order_id::text, status, resolved_by FROM stock_exceptions
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

/** Waits until `work` is done or waits for another transaction's lock, whichever comes first. */
async function untilBlockedOrDone(work: Promise<unknown>): Promise<void> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  while (!done) {
    const blocked = await system.pool.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
    );
    if ((blocked.rowCount ?? 0) > 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function update(patch: Parameters<typeof updateAccountingSettings>[1]) {
  return withTransaction(system.pool, (tx) => updateAccountingSettings(tx, patch, 'finance'));
}

function callsSince(index: number) {
  return platform.calls.slice(index);
}

describe('the fixture order and its refund', () => {
  it('make one invoice and one credit note with the fixture figures, applied', async () => {
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

describe('deliveries replayed, re-sent and out of order', () => {
  it('makes nothing twice from webhooks replayed or re-sent', async () => {
    // Given order 1 paid and refunded, each webhook delivered twice under the same id
    const body = order(1);
    await deliver('orders/paid', body, 'replay-1-paid');
    await deliver('orders/paid', body, 'replay-1-paid');
    await deliver('refunds/create', refund(1), 'replay-1-refund');
    await deliver('refunds/create', refund(1), 'replay-1-refund');

    // When Shopify re-sends both as new deliveries
    await deliver('orders/paid', body);
    await deliver('refunds/create', refund(1));

    // Then one invoice and one credit note exist, each pushed once
    const documents = await documentsOf(body.id);
    expect(documents.map((each) => [each.number, each.status])).toEqual([
      ['SHP-3001', 'pushed'],
      ['SHP-3001-R1', 'pushed'],
    ]);
    expect(platform.calls.filter((call) => call.numbers.includes('SHP-3001'))).toHaveLength(1);
    expect(platform.calls.filter((call) => call.numbers.includes('SHP-3001-R1'))).toHaveLength(2);
  });

  it('keeps a refund that comes before the payment waiting, then credits it', async () => {
    // Given the refund of order 2 arriving before its orders/paid and its orders/create
    await deliver('refunds/create', refund(2));
    expect((await documentsOf(order(2).id)).map((each) => [each.kind, each.status])).toEqual([
      ['credit_note', 'waiting'],
    ]);

    // When the payment arrives
    await deliver('orders/paid', order(2));

    // Then the invoice and the credit note are made and pushed, the credit note applied
    const documents = await documentsOf(order(2).id);
    expect(documents).toMatchObject([
      { kind: 'invoice', number: 'SHP-3002', status: 'pushed', total_minor: '10710' },
      {
        kind: 'credit_note',
        number: 'SHP-3002-R1',
        status: 'pushed',
        total_minor: '2700',
        allocation_status: 'allocated',
      },
    ]);
  });

  it('credits a refund processed side by side with the payment of its order', async () => {
    // Given the payment and the refund of order 16 processed in two transactions at once
    const paying = await system.pool.connect();
    const refunding = await system.pool.connect();
    try {
      await paying.query('BEGIN');
      await refunding.query('BEGIN');
      await recordOrderConfirmed(paying, 'orders/paid', order(16));
      const refunded = recordRefund(refunding, refund(16));
      await untilBlockedOrDone(refunded);
      await paying.query('COMMIT');
      await refunded;
      await refunding.query('COMMIT');
    } finally {
      paying.release();
      refunding.release();
    }
    await system.waitForProcessing();

    // Then the refund saw the invoice: both are pushed
    expect((await documentsOf(order(16).id)).map((each) => [each.number, each.status])).toEqual([
      ['SHP-3016', 'pushed'],
      ['SHP-3016-R1', 'pushed'],
    ]);
  });

  it('points the invoice at its order when orders/create comes after orders/paid', async () => {
    // Given order 15 paid before the shop's orders/create for it arrived: the paid body is
    // the whole order, so the order is recorded from it
    await deliver('orders/paid', order(15));
    const placed = await system.pool.query<{ id: string }>(
      'SELECT id::text FROM orders WHERE shopify_order_id = $1',
      [order(15).id],
    );
    expect(placed.rows[0]?.id).toEqual(expect.any(String));
    expect((await documentsOf(order(15).id))[0]?.order_id).toBe(placed.rows[0]?.id);

    // When orders/create arrives
    await deliver('orders/create', order(15));

    // Then the invoice still points at the same order, the only one
    const orders = await system.pool.query<{ id: string }>(
      'SELECT id::text FROM orders WHERE shopify_order_id = $1',
      [order(15).id],
    );
    expect(orders.rows).toEqual(placed.rows);
    expect((await documentsOf(order(15).id)).map((document) => document.order_id)).toEqual([
      placed.rows[0]?.id,
    ]);
  });

  it('voids the invoice of an order cancelled unpaid; a late payment makes none', async () => {
    // Given order 3 cancelled while its payment was still pending
    const calls = platform.calls.length;
    const cancelled = {
      ...order(3),
      financial_status: 'voided',
      cancelled_at: '2025-10-01T09:00:00+01:00',
      cancel_reason: 'customer',
    };
    await deliver('orders/cancelled', cancelled);

    // When an orders/paid for it arrives late
    await deliver('orders/paid', order(3));

    // Then its only document is a void invoice, never pushed
    const documents = await documentsOf(order(3).id);
    expect(documents).toMatchObject([{ kind: 'invoice', status: 'void', number: null }]);
    expect(documents[0]?.failure_reason).toMatch(/cancelled before any money was taken/);
    expect(callsSince(calls)).toEqual([]);
  });

  it('makes one credit note from a cancellation refund and its own webhook', async () => {
    // Given order 4 paid, then cancelled with its refund, the refund also sent on its own
    await deliver('orders/paid', order(4));
    const cancelled = {
      ...order(4),
      financial_status: 'partially_refunded',
      cancelled_at: '2025-10-06T14:22:10+01:00',
      cancel_reason: 'customer',
      refunds: [refund(4)],
    };
    await deliver('orders/cancelled', cancelled);
    await deliver('refunds/create', refund(4));

    // Then exactly one invoice and one credit note
    const documents = await documentsOf(order(4).id);
    expect(documents.map((each) => [each.number, each.status])).toEqual([
      ['SHP-3004', 'pushed'],
      ['SHP-3004-R1', 'pushed'],
    ]);
    expect(platform.numbers('credit-note').filter((n) => n === 'SHP-3004-R1')).toHaveLength(1);
  });

  it('invoices a paid order from its cancellation when orders/paid comes last', async () => {
    // Given order 5 cancelled with a refund before its orders/paid was processed
    const cancelled = {
      ...order(5),
      financial_status: 'partially_refunded',
      cancelled_at: '2025-10-06T14:22:10+01:00',
      refunds: [refund(5)],
    };
    await deliver('orders/cancelled', cancelled);
    await deliver('refunds/create', refund(5));
    await deliver('orders/paid', order(5));

    // Then the invoice comes from the cancellation's body and the refund is credited once
    const documents = await documentsOf(order(5).id);
    expect(documents).toMatchObject([
      { number: 'SHP-3005', status: 'pushed', total_minor: '10710' },
      { number: 'SHP-3005-R1', status: 'pushed', total_minor: '2700' },
    ]);
  });
});

describe('a refund that credits no money', () => {
  it('makes a credit note of nothing, which needs no applying', async () => {
    // Given order 24 paid, then a mug refunded while its 10.80 is kept as a discrepancy
    await deliver('orders/paid', order(24));
    const base = refund(24);
    const money = (amount: string) => ({
      shop_money: { amount, currency_code: 'GBP' },
      presentment_money: { amount, currency_code: 'GBP' },
    });
    const kept = {
      ...base,
      refund_line_items: (base.refund_line_items as unknown[]).slice(0, 1),
      order_adjustments: [
        {
          kind: 'refund_discrepancy',
          reason: 'Refund discrepancy',
          amount: '9.00',
          tax_amount: '1.80',
          amount_set: money('9.00'),
          tax_amount_set: money('1.80'),
        },
      ],
      transactions: [],
    };
    const calls = platform.calls.length;

    // When the refund arrives
    await deliver('refunds/create', kept);

    // Then its credit note of 0.00 is pushed, and nothing is applied: nothing is owed
    const [, creditNote] = await documentsOf(order(24).id);
    expect(creditNote).toMatchObject({
      kind: 'credit_note',
      number: 'SHP-3024-R1',
      status: 'pushed',
      total_minor: '0',
      allocation_status: 'not_needed',
      allocated_minor: null,
    });
    expect(callsSince(calls).map((call) => call.method)).toEqual(['pushCreditNotes']);
  });
});

describe('a credit note larger than what its invoice still owes', () => {
  it('is kept in sight with the credit left unapplied on the platform', async () => {
    // Given order 40 paid, its invoice of 107.10 paid on the platform but for 10.00
    await deliver('orders/paid', order(40));
    platform.recordPayment('SHP-3040', 9710);

    // When its refund of 27.00 is credited
    await deliver('refunds/create', refund(40));

    // Then 10.00 is applied, and the 17.00 left over is an alert and an open exception
    const [, creditNote] = await documentsOf(order(40).id);
    expect(creditNote).toMatchObject({
      kind: 'credit_note',
      status: 'pushed',
      total_minor: '2700',
      allocation_status: 'allocated',
      allocated_minor: '1000',
    });
    const alerts = await system.pool.query<{ alerts: unknown }>(
      'SELECT alerts FROM accounting_documents WHERE id = $1',
      [creditNote?.id],
    );
    expect(alerts.rows[0]?.alerts).toMatchObject([
      { code: 'CREDIT_NOT_FULLY_APPLIED', amountMinor: 1700 },
    ]);
    const raised = await exceptionsOf('ACCOUNTING_CREDIT_UNAPPLIED', creditNote?.id);
    expect(raised).toMatchObject([{ status: 'open', resolved_by: null }]);
    expect(raised[0]?.message).toContain('17.00 GBP of credit is unapplied');
    expect(raised[0]?.message).toContain('Refund it from the platform or apply it elsewhere');
  });

  it('is kept in sight when the invoice owes nothing at all', async () => {
    // Given order 41 paid, its invoice paid in full on the platform
    await deliver('orders/paid', order(41));
    platform.recordPayment('SHP-3041', 10710);

    // When its refund of 27.00 is credited
    await deliver('refunds/create', refund(41));

    // Then nothing is applied, and all 27.00 is raised for finance
    const [, creditNote] = await documentsOf(order(41).id);
    expect(creditNote).toMatchObject({ allocation_status: 'not_needed' });
    const raised = await exceptionsOf('ACCOUNTING_CREDIT_UNAPPLIED', creditNote?.id);
    expect(raised).toMatchObject([{ status: 'open' }]);
    expect(raised[0]?.message).toContain('27.00 GBP of credit is unapplied');
  });
});

describe('when the platform fails', () => {
  it('keeps a document single on the platform when the answer is lost', async () => {
    // Given the platform makes the invoice of order 6 but the answer never arrives
    platform.failNext({ kind: 'lost-answer' });
    await deliver('orders/paid', order(6));
    const [waiting] = await documentsOf(order(6).id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, platform_id: null });
    expect(platform.numbers('invoice').filter((n) => n === 'SHP-3006')).toHaveLength(1);
    const sent = platform.calls.at(-1)?.documents?.[0];

    // When delivery income moves to another account meanwhile, and the push runs again
    await update({ shippingAccount: '261' });
    const calls = platform.calls.length;
    try {
      await afterTheWait();
    } finally {
      await update({ shippingAccount: '260' });
    }

    // Then the same document was sent again, unchanged, and adopted: one invoice there
    expect(callsSince(calls)).toEqual([
      { method: 'pushInvoices', numbers: ['SHP-3006'], documents: [sent] },
    ]);
    expect(sent?.lines.find((line) => line.kind === 'shipping')?.accountCode).toBe('260');
    const [pushed] = await documentsOf(order(6).id);
    expect(pushed?.status).toBe('pushed');
    const held = [...platform.documents.values()].filter((each) => each.number === 'SHP-3006');
    expect(held.map((each) => each.platformId)).toEqual([pushed?.platform_id]);
  });

  it('tries again after the pause a busy platform asks for', async () => {
    // Given the platform unavailable for a minute when order 7's invoice is pushed
    platform.failNext({ kind: 'unavailable', retryAfterMs: 60_000 });
    await deliver('orders/paid', order(7));

    // Then the invoice stays pending, due in about a minute, and nothing failed
    const [waiting] = await documentsOf(order(7).id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, failure_reason: null });
    expect(waiting?.due_in_seconds).toBeGreaterThan(50);
    expect(platform.numbers('invoice')).not.toContain('SHP-3007');

    // When the minute has passed
    await afterTheWait();

    // Then it is pushed
    expect((await documentsOf(order(7).id))[0]?.status).toBe('pushed');
  });

  it('calls a parked platform no more until the time it named', async () => {
    // Given the platform's daily limit reached when order 8's invoice is pushed
    const until = new Date(Date.now() + 3_600_000);
    platform.failNext({ kind: 'parked', until });
    await deliver('orders/paid', order(8));
    const parked = await system.pool.query<{ parked_until: Date }>(
      'SELECT parked_until FROM accounting_connector_state',
    );
    expect(parked.rows[0]?.parked_until.toISOString()).toBe(until.toISOString());
    expect(await exceptionsOf('ACCOUNTING_PUSH_PARKED')).toHaveLength(1);

    // When order 9 is paid meanwhile and the push is woken
    const calls = platform.calls.length;
    await deliver('orders/paid', order(9));
    await wakeAccountingPush(system.pool);
    await system.waitForProcessing();

    // Then nothing was called and both invoices wait, none failed
    expect(callsSince(calls)).toEqual([]);
    const waiting = [...(await documentsOf(order(8).id)), ...(await documentsOf(order(9).id))];
    expect(waiting.map((each) => each.status)).toEqual(['pending', 'pending']);

    // When the time comes
    await afterTheWait();

    // Then both are pushed, and the parking is resolved by the system
    const pushed = [...(await documentsOf(order(8).id)), ...(await documentsOf(order(9).id))];
    expect(pushed.map((each) => each.status)).toEqual(['pushed', 'pushed']);
    const parkedExceptions = await exceptionsOf('ACCOUNTING_PUSH_PARKED');
    expect(parkedExceptions.map(({ status, resolved_by }) => ({ status, resolved_by }))).toEqual([
      { status: 'resolved', resolved_by: 'system' },
    ]);
  });

  it('fails a refused document for a person, and pushes it once they retry', async () => {
    // Given the platform refusing order 10's invoice
    platform.failNext({
      kind: 'refuse',
      number: 'SHP-3010',
      reason: 'Account code 200 is archived',
    });
    await deliver('orders/paid', order(10));

    // Then it failed with the platform's words, and a person is told
    const [failed] = await documentsOf(order(10).id);
    expect(failed).toMatchObject({
      status: 'failed',
      failure_reason: 'Account code 200 is archived',
    });
    const raised = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id);
    expect(raised.map((each) => each.message)).toEqual([
      expect.stringContaining('refused invoice SHP-3010: Account code 200 is archived'),
    ]);

    // When a person retries it
    const outcome = await withTransaction(system.pool, (tx) =>
      retryAccountingDocument(tx, failed?.id ?? '', 'finance@example.com'),
    );
    await system.waitForProcessing();

    // Then it is pushed, its exception resolved by the system, and retrying it again, or a
    // document that does not exist, does nothing
    expect(outcome).toBe('retried');
    expect((await documentsOf(order(10).id))[0]?.status).toBe('pushed');
    const settled = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id);
    expect(settled).toMatchObject([{ status: 'resolved', resolved_by: 'system' }]);
    const again = await withTransaction(system.pool, async (tx) => [
      await retryAccountingDocument(tx, failed?.id ?? '', 'finance@example.com'),
      await retryAccountingDocument(tx, '999999', 'finance@example.com'),
      await retryAccountingDocument(tx, 'SHP-3010', 'finance@example.com'),
    ]);
    expect(again).toEqual(['not_failed', 'not_found', 'not_found']);
  });

  it('keeps documents pending while the connection is wrong, telling a person once', async () => {
    // Given a revoked connection when order 11 and order 12 are pushed
    platform.failNext({ kind: 'configuration', message: 'the consent was revoked' });
    platform.failNext({ kind: 'configuration', message: 'the consent was revoked' });
    await deliver('orders/paid', order(11));
    await afterTheWait();

    // Then the invoice waits, saying why, and one exception names the problem
    const [waiting] = await documentsOf(order(11).id);
    expect(waiting).toMatchObject({
      status: 'pending',
      attempts: 2,
      failure_reason: 'waiting for the xero connection: the consent was revoked',
    });
    expect(waiting?.due_in_seconds).toBeGreaterThan(0);
    expect(await exceptionsOf('ACCOUNTING_CONNECTION_FAILED')).toHaveLength(1);

    // When the connection is fixed and the system starts again
    expect(await resumeAfterConnectionFix(system.pool, 'xero')).toBe(1);
    expect((await documentsOf(order(11).id))[0]?.due_in_seconds).toBeLessThanOrEqual(0);
    await wakeAccountingPush(system.pool);
    await system.waitForProcessing();

    // Then it is pushed, no longer says it waits, and the connection's exception is resolved
    expect((await documentsOf(order(11).id))[0]).toMatchObject({
      status: 'pushed',
      failure_reason: null,
    });
    expect(await exceptionsOf('ACCOUNTING_CONNECTION_FAILED')).toMatchObject([
      { status: 'resolved', resolved_by: 'system' },
    ]);
  });

  it('records a platform total that differs from ours and tells a person', async () => {
    // Given a platform that rounds order 12's invoice a penny up
    platform.totalDifferenceMinor = 1;
    await deliver('orders/paid', order(12));
    platform.totalDifferenceMinor = 0;

    // Then it is pushed with the platform's total, and the difference is raised and stays open
    const [pushed] = await documentsOf(order(12).id);
    expect(pushed).toMatchObject({
      status: 'pushed',
      total_minor: '10710',
      platform_total_minor: '10711',
    });
    expect(await exceptionsOf('ACCOUNTING_TOTAL_MISMATCH', pushed?.id)).toMatchObject([
      { status: 'open', resolved_by: null },
    ]);
  });

  it('resolves a refused allocation once the credit note is applied on a retry', async () => {
    // Given order 18 paid and refunded, the platform refusing to apply its credit note
    platform.failNext({
      kind: 'refuse-allocation',
      number: 'SHP-3018-R1',
      reason: 'The invoice is locked for a period close',
    });
    await deliver('orders/paid', order(18));
    await deliver('refunds/create', refund(18));
    const [, creditNote] = await documentsOf(order(18).id);
    expect(creditNote).toMatchObject({ kind: 'credit_note', allocation_status: 'failed' });
    const raised = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', creditNote?.id);
    expect(raised).toMatchObject([{ status: 'open' }]);
    expect(raised[0]?.message).toContain('The invoice is locked for a period close. Apply it');

    // When finance retries it
    await withTransaction(system.pool, (tx) =>
      retryAccountingDocument(tx, creditNote?.id ?? '', 'finance@example.com'),
    );
    await system.waitForProcessing();

    // Then the credit is applied, and the exception is resolved by the system
    expect((await documentsOf(order(18).id))[1]?.allocation_status).toBe('allocated');
    expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', creditNote?.id)).toMatchObject([
      { status: 'resolved', resolved_by: 'system' },
    ]);
  });
});

describe('an order cancelled unpaid while its invoice is being pushed', () => {
  /** Order `n` created unpaid with invoices made at creation, its push held in flight. */
  async function createdWithPushInFlight(n: number) {
    const held = platform.holdNextPush();
    const created = { ...order(n), financial_status: 'pending' };
    expect(await system.deliver('orders/create', created)).toBe(200);
    await held.reached;
    return held;
  }

  /** The order's cancellation before payment, processed while the push is still held. */
  async function cancelUnpaid(n: number) {
    const cancelled = {
      ...order(n),
      financial_status: 'voided',
      cancelled_at: '2025-10-01T09:00:00+01:00',
    };
    return withTransaction(system.pool, (tx) => recordOrderCancelled(tx, cancelled));
  }

  async function withInvoicesAtCreation(test: () => Promise<void>) {
    await update({ invoiceTrigger: 'orders/create' });
    try {
      await test();
    } finally {
      await update({ invoiceTrigger: 'orders/paid' });
    }
  }

  it('records the invoice the platform took as pushed, and asks to void it there', async () => {
    await withInvoicesAtCreation(async () => {
      // Given order 19's invoice in flight to the platform when the order is cancelled unpaid
      const held = await createdWithPushInFlight(19);
      expect(await cancelUnpaid(19)).toEqual({ invoice: 'void' });

      // When the platform answers that it took the invoice
      held.release();
      await system.waitForProcessing();
      await afterTheWait();

      // Then the invoice is recorded as it is on the platform, and a person is asked to void it
      // there; the doubt raised while the answer was awaited is settled
      const [invoice] = await documentsOf(order(19).id);
      expect(invoice).toMatchObject({ status: 'pushed', number: 'SHP-3019' });
      expect(invoice?.platform_id).toEqual(expect.any(String));
      const doubts = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', invoice?.id);
      expect(doubts).toMatchObject([{ status: 'resolved', resolved_by: 'system' }]);
      expect(doubts[0]?.message).toMatch(/^The invoice may be on the accounting platform/);
      const toVoid = await exceptionsOf('ACCOUNTING_INVOICE_TO_VOID', invoice?.id);
      expect(toVoid).toMatchObject([{ status: 'open' }]);
      expect(toVoid[0]?.message).toMatch(/already on the accounting platform, but order #3019 was/);
      expect(toVoid[0]?.message).toMatch(/void it there$/);
    });
  });

  it('keeps the invoice void when the platform refused it meanwhile', async () => {
    await withInvoicesAtCreation(async () => {
      // Given order 20's invoice in flight, to be refused, when the order is cancelled unpaid
      platform.failNext({ kind: 'refuse', number: 'SHP-3020', reason: 'Account 200 is archived' });
      const held = await createdWithPushInFlight(20);
      await cancelUnpaid(20);

      // When the refusal arrives, and time passes
      held.release();
      await system.waitForProcessing();
      await afterTheWait();

      // Then the invoice stays void, is never sent again, and nobody is left to do anything
      const [invoice] = await documentsOf(order(20).id);
      expect(invoice).toMatchObject({ status: 'void', platform_id: null });
      expect(invoice?.failure_reason).toMatch(/cancelled before any money was taken/);
      expect(platform.calls.filter((call) => call.numbers.includes('SHP-3020'))).toHaveLength(1);
      expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', invoice?.id)).toMatchObject([
        { status: 'resolved', resolved_by: 'system' },
      ]);
    });
  });

  it('asks a person to look on the platform when the answer was lost', async () => {
    await withInvoicesAtCreation(async () => {
      // Given order 21's invoice in flight, its answer to be lost, when it is cancelled unpaid
      platform.failNext({ kind: 'lost-answer' });
      const held = await createdWithPushInFlight(21);
      await cancelUnpaid(21);

      // When the answer is lost, and time passes
      held.release();
      await system.waitForProcessing();
      await afterTheWait();

      // Then the invoice stays void and a person is asked to void it there if it is there
      const [invoice] = await documentsOf(order(21).id);
      expect(invoice).toMatchObject({ status: 'void', platform_id: null });
      const raised = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', invoice?.id);
      expect(raised).toMatchObject([{ status: 'open' }]);
      expect(raised[0]?.message).toMatch(/may be on the accounting platform .* void it there$/);
    });
  });

  it('asks the same when the answer was lost before the cancellation came', async () => {
    await withInvoicesAtCreation(async () => {
      // Given order 28's invoice sent, the platform's answer lost
      platform.failNext({ kind: 'lost-answer' });
      await deliver('orders/create', { ...order(28), financial_status: 'pending' });
      expect((await documentsOf(order(28).id))[0]).toMatchObject({ status: 'pending' });

      // When the order is cancelled unpaid
      await deliver('orders/cancelled', {
        ...order(28),
        financial_status: 'voided',
        cancelled_at: '2025-10-01T09:00:00+01:00',
      });

      // Then the invoice is void, and a person is asked to void it there if it is there
      const [invoice] = await documentsOf(order(28).id);
      expect(invoice).toMatchObject({ status: 'void', platform_id: null });
      const raised = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', invoice?.id);
      expect(raised).toMatchObject([{ status: 'open' }]);
      expect(raised[0]?.message).toMatch(/may be on the accounting platform .* void it there$/);
    });
  });
});

describe('a document that cannot be built', () => {
  it('is kept failed with the reason, and pushed once fixed and retried', async () => {
    // Given order 13 selling a gift card while no gift card account is set
    const body = order(13);
    const lines = body.line_items as Body[];
    body.line_items = lines.map((line, index) =>
      index === 0 ? { ...line, gift_card: true } : line,
    );
    await deliver('orders/paid', body);

    // Then the delivery was processed, the invoice failed with the builder's reason, and a
    // person is told
    const delivery = await system.pool.query<{ status: string }>(
      `SELECT status FROM webhook_deliveries WHERE topic = 'orders/paid' ORDER BY id DESC LIMIT 1`,
    );
    expect(delivery.rows[0]?.status).toBe('processed');
    const [failed] = await documentsOf(body.id);
    expect(failed).toMatchObject({ status: 'failed', number: null });
    expect(failed?.failure_reason).toMatch(/gift card/i);
    expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id)).toHaveLength(1);

    // When finance sets a gift card account and retries the invoice
    await withTransaction(system.pool, async (tx) => {
      const updated = await updateAccountingSettings(tx, { giftCardAccount: '820' }, 'finance');
      expect(updated.errors).toEqual([]);
      expect(await retryAccountingDocument(tx, failed?.id ?? '', 'finance')).toBe('retried');
    });
    await system.waitForProcessing();

    // Then it is built with the new account and pushed, and its exception resolved by the system
    const [pushed] = await documentsOf(body.id);
    expect(pushed).toMatchObject({ status: 'pushed', number: 'SHP-3013', total_minor: '10710' });
    expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id)).toMatchObject([
      { status: 'resolved', resolved_by: 'system' },
    ]);
    const held = [...platform.documents.values()].find((each) => each.number === 'SHP-3013');
    expect(held?.document.lines[0]?.accountCode).toBe('820');
  });
});

describe('a failed document brought again', () => {
  /** Order `n` saying its tax is 1.00, which its tax lines do not add up to. */
  function withWrongTax(n: number): Body & { id: number } {
    const money = { amount: '1.00', currency_code: 'GBP' };
    return {
      ...order(n),
      total_tax: '1.00',
      total_tax_set: { shop_money: money, presentment_money: money },
    };
  }

  it('is rebuilt from a corrected body re-sent from Shopify', async () => {
    // Given order 25's invoice failed to build from its body, whose tax does not add up
    await deliver('orders/paid', withWrongTax(25));
    const [failed] = await documentsOf(order(25).id);
    expect(failed?.status).toBe('failed');

    // When the corrected body is sent again as a new delivery
    await deliver('orders/paid', order(25));

    // Then the invoice is built from it and pushed, and its failure is settled
    expect(await documentsOf(order(25).id)).toMatchObject([
      { id: failed?.id, status: 'pushed', number: 'SHP-3025', total_minor: '10710' },
    ]);
    expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id)).toMatchObject([
      { status: 'resolved', resolved_by: 'system' },
    ]);

    // And the same body again changes nothing
    const calls = platform.calls.length;
    await deliver('orders/paid', order(25));
    expect(callsSince(calls)).toEqual([]);
  });

  it('takes a corrected refund body for its credit note', async () => {
    // Given order 26 paid, and its refund crediting a line the order does not have
    await deliver('orders/paid', order(26));
    const body = refund(26);
    const [first, ...others] = body.refund_line_items as Body[];
    const wrong = {
      ...body,
      refund_line_items: [{ ...first, line_item_id: 1, line_item: undefined }, ...others],
    };
    await deliver('refunds/create', wrong);
    const [, failed] = await documentsOf(order(26).id);
    expect(failed).toMatchObject({ kind: 'credit_note', status: 'failed' });

    // When the refund's correct body comes
    await deliver('refunds/create', body);

    // Then the credit note is built from it, pushed and applied; its failure is settled
    const [, pushed] = await documentsOf(order(26).id);
    expect(pushed).toMatchObject({
      id: failed?.id,
      status: 'pushed',
      total_minor: '2700',
      allocation_status: 'allocated',
    });
    expect(await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id)).toMatchObject([
      { status: 'resolved' },
    ]);
  });

  it('keeps one open exception however often a failing document is retried', async () => {
    // Given order 27's invoice failed to build, its tax not adding up
    await deliver('orders/paid', withWrongTax(27));
    const [failed] = await documentsOf(order(27).id);

    // When finance retries it twice without fixing anything
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await withTransaction(system.pool, (tx) =>
        retryAccountingDocument(tx, failed?.id ?? '', 'finance'),
      );
      await system.waitForProcessing();
      expect((await documentsOf(order(27).id))[0]?.status).toBe('failed');
    }

    // Then only the last failure is open
    const raised = await exceptionsOf('ACCOUNTING_DOCUMENT_FAILED', failed?.id);
    expect(raised.map((each) => each.status)).toEqual(['resolved', 'resolved', 'open']);
  });
});

describe('accounting settings', () => {
  it('refuses repeating numbers and blank codes by field, writing nothing', async () => {
    // Given the settings as they are
    const before = await system.pool.query('SELECT * FROM accounting_settings');

    // When a patch holds a pattern without the order, one without the refund, and a blank code
    const result = await update({
      invoiceNumberPattern: 'SHOP-INVOICE',
      creditNoteNumberPattern: 'CN-{order_number}',
      salesAccount: '  ',
      shippingAccount: '265',
    });

    // Then each is refused by name and nothing changed
    expect(result.settings).toBeNull();
    expect(result.errors.map((error) => [error.field, error.code])).toEqual([
      ['salesAccount', 'REQUIRED'],
      ['invoiceNumberPattern', 'PATTERN_INVALID'],
      ['creditNoteNumberPattern', 'PATTERN_INVALID'],
    ]);
    expect(result.errors[2]?.message).toMatch(/\{refund_number\} or \{refund_id\}/);
    const after = await system.pool.query('SELECT * FROM accounting_settings');
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses codes no platform gives out, naming what a code may hold', async () => {
    // Given a hidden zero-width space, markup, a tax type with a space, an id with a quote
    const result = await update({
      salesAccount: '200\u200b',
      shippingAccount: '<script>',
      taxedTaxType: 'OUTPUT 2',
      quickbooksShippingItem: "7'",
    });

    // Then each is refused as invalid, and nothing is written
    expect(result.settings).toBeNull();
    expect(result.errors.map((error) => [error.field, error.code])).toEqual([
      ['salesAccount', 'INVALID'],
      ['shippingAccount', 'INVALID'],
      ['taxedTaxType', 'INVALID'],
      ['quickbooksShippingItem', 'INVALID'],
    ]);
    expect(result.errors[0]?.message).toMatch(/letters and digits/);
  });

  it('refuses markup and invisible characters in number patterns', async () => {
    const result = await update({
      invoiceNumberPattern: '<img src=x onerror=alert(1)>{order_number}',
      creditNoteNumberPattern: 'SHP-{order_number}-\u200bR{refund_number}',
    });

    expect(result.errors.map((error) => [error.field, error.code])).toEqual([
      ['invoiceNumberPattern', 'INVALID'],
      ['creditNoteNumberPattern', 'INVALID'],
    ]);
    expect((await update({ invoiceNumberPattern: 'WEB/{order_name}_2026' })).errors).toEqual([]);
    await update({ invoiceNumberPattern: 'SHP-{order_number}' });
  });

  it('refuses a placeholder the numbers do not know', async () => {
    const result = await update({ invoiceNumberPattern: 'INV-{order_number}-{refund_id}' });

    expect(result.errors).toEqual([
      {
        field: 'invoiceNumberPattern',
        code: 'PATTERN_INVALID',
        message: expect.stringContaining('names {refund_id}'),
      },
    ]);
  });

  it('invoices at creation when the shop says so, with the new number pattern', async () => {
    // Given invoices made at orders/create, numbered by order name
    const changed = await update({
      invoiceTrigger: 'orders/create',
      invoiceNumberPattern: 'WEB-{order_name}',
    });
    expect(changed.settings).toMatchObject({
      invoiceTrigger: 'orders/create',
      invoiceNumberPattern: 'WEB-{order_name}',
      updatedBy: 'finance',
    });

    try {
      // When order 14 is created, and later paid
      await deliver('orders/create', order(14));
      await deliver('orders/paid', order(14));

      // Then its one invoice was made at creation and pushed
      expect(await documentsOf(order(14).id)).toMatchObject([
        { kind: 'invoice', number: 'WEB-3014', status: 'pushed', total_minor: '10710' },
      ]);

      // When order 17 is created while the platform is busy, then cancelled unpaid
      platform.failNext({ kind: 'unavailable', retryAfterMs: 60_000 });
      await deliver('orders/create', { ...order(17), financial_status: 'pending' });
      expect((await documentsOf(order(17).id))[0]?.status).toBe('pending');
      await deliver('orders/cancelled', {
        ...order(17),
        financial_status: 'voided',
        cancelled_at: '2025-10-01T09:00:00+01:00',
      });
      await afterTheWait();

      // Then its invoice is void and never reaches the platform
      expect(await documentsOf(order(17).id)).toMatchObject([
        { number: 'WEB-3017', status: 'void' },
      ]);
      expect(platform.numbers('invoice')).not.toContain('WEB-3017');
    } finally {
      await update({ invoiceTrigger: 'orders/paid', invoiceNumberPattern: 'SHP-{order_number}' });
    }
  });

  it('invoices at payment an order whose orders/create was lost', async () => {
    // Given invoices made at orders/create
    await update({ invoiceTrigger: 'orders/create' });
    try {
      // When order 22 is paid, its orders/create lost
      await deliver('orders/paid', order(22));

      // Then the payment made its invoice, pushed
      expect(await documentsOf(order(22).id)).toMatchObject([
        { kind: 'invoice', number: 'SHP-3022', status: 'pushed', total_minor: '10710' },
      ]);
    } finally {
      await update({ invoiceTrigger: 'orders/paid' });
    }
  });

  it('invoices at payment an order created while the shop invoiced at payment', async () => {
    // Given order 23 created while invoices were made at orders/paid
    await deliver('orders/create', order(23));
    expect(await documentsOf(order(23).id)).toEqual([]);

    // When the shop invoices at creation from then on, and order 23 is paid
    await update({ invoiceTrigger: 'orders/create' });
    try {
      await deliver('orders/paid', order(23));
    } finally {
      await update({ invoiceTrigger: 'orders/paid' });
    }

    // Then the payment made its one invoice
    expect((await documentsOf(order(23).id)).map((each) => [each.number, each.status])).toEqual([
      ['SHP-3023', 'pushed'],
    ]);
  });

  it('gives QuickBooks the ids finance set, and null where it finds them by name', async () => {
    await update({ quickbooksTaxedTaxCode: ' 7 ', quickbooksShippingItem: 'SHIPPING_ITEM_ID' });

    expect(await readQuickBooksMapping(system.pool)).toEqual({
      taxCodes: { taxed: '7', untaxed: null, outOfScope: null },
      shippingItem: 'SHIPPING_ITEM_ID',
      otherItem: null,
    });
  });
});

describe('the refresh token a platform hands out', () => {
  const origin = {
    platform: 'quickbooks',
    configuredToken: 'AB11-first',
    clientSecret: 'qbo-client-secret-1',
  } as const;

  it('is used for the token it descends from, until another token is configured', async () => {
    // Given nothing saved: the configured token
    expect(await currentRefreshToken(system.pool, origin)).toBe('AB11-first');

    // When QuickBooks issues a new token for it
    await saveRefreshToken(system.pool, origin, 'AB11-second');

    // Then that one is used, unless the configuration names a new token
    expect(await currentRefreshToken(system.pool, origin)).toBe('AB11-second');
    const renewed = { ...origin, configuredToken: 'AB11-new' };
    expect(await currentRefreshToken(system.pool, renewed)).toBe('AB11-new');
  });

  it('is stored encrypted, and read only with the client secret it was saved under', async () => {
    // Given a token QuickBooks issued, saved
    await saveRefreshToken(system.pool, origin, 'AB11-third');

    // Then the database holds neither token nor secret in the clear
    const stored = await system.pool.query<{ refresh_token: string; refresh_token_origin: string }>(
      `SELECT refresh_token, refresh_token_origin FROM accounting_connector_state
       WHERE platform = $1`,
      ['quickbooks'],
    );
    const row = stored.rows[0];
    expect(row?.refresh_token).toMatch(/^v1\./);
    for (const secret of ['AB11', 'qbo-client-secret-1']) {
      expect(row?.refresh_token).not.toContain(secret);
      expect(row?.refresh_token_origin).not.toContain(secret);
    }

    // And another client secret, or a token altered in the database, falls back to the configured
    const otherSecret = { ...origin, clientSecret: 'qbo-client-secret-2' };
    expect(await currentRefreshToken(system.pool, otherSecret)).toBe('AB11-first');
    const sealed = row?.refresh_token ?? '';
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    await system.pool.query(
      'UPDATE accounting_connector_state SET refresh_token = $1 WHERE platform = $2',
      [altered, 'quickbooks'],
    );
    expect(await currentRefreshToken(system.pool, origin)).toBe('AB11-first');
  });
});
