/**
 * The fixture order and its refund pushed to the built-in Xero simulator through the real Xero
 * connector: what a newcomer's `pnpm start` does, with every figure checked on Xero's side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;

describe('with no accounting platform configured', () => {
  beforeAll(async () => {
    system = await startTestSystem();
  });

  afterAll(async () => {
    await system.stopAll();
  });

  it('pushes both documents to the Xero simulator and applies the credit', async () => {
    // Given #1041 created, paid and refunded £27.00
    const created = readFixture('webhooks/D01-orders-create-1041.json');
    const refunded = readFixture('webhooks/D08-refunds-create-1041.json');
    expect(await system.deliver('orders/create', null, { raw: created })).toBe(200);
    expect(await system.deliver('orders/paid', null, { raw: created })).toBe(200);
    expect(await system.deliver('refunds/create', null, { raw: refunded })).toBe(200);
    await system.waitForProcessing();

    // Then both documents are pushed, and Xero holds them with the same totals (the payment and
    // the refund may be processed side by side, so either document may be made first)
    const documents = await system.pool.query<{
      number: string;
      status: string;
      platform: string;
      platform_id: string;
      total_minor: string;
      platform_total_minor: string;
      allocation_status: string | null;
    }>(
      `SELECT number, status, platform, platform_id, total_minor::text,
         platform_total_minor::text, allocation_status
       FROM accounting_documents ORDER BY kind = 'credit_note', id`,
    );
    expect(documents.rows).toMatchObject([
      { number: 'SHP-1041', status: 'pushed', platform: 'xero', total_minor: '10710' },
      {
        number: 'SHP-1041-R1',
        status: 'pushed',
        total_minor: '2700',
        allocation_status: 'allocated',
      },
    ]);
    expect(documents.rows.map((row) => row.platform_total_minor)).toEqual(['10710', '2700']);

    const xero = system.xeroSimulator?.store;
    const invoice = xero?.invoices.get(documents.rows[0]?.platform_id ?? '');
    const creditNote = xero?.creditNotes.get(documents.rows[1]?.platform_id ?? '');
    expect(invoice).toMatchObject({ number: 'SHP-1041', totalCents: 10710n, status: 'AUTHORISED' });
    expect(creditNote).toMatchObject({ number: 'SHP-1041-R1', totalCents: 2700n });
    expect(invoice?.allocatedCents).toBe(2700n);
    expect(xero?.invoices.size).toBe(1);
  });
});
