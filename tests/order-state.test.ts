/**
 * An order's own state (financial status, total, cancellation) follows the newest body the shop
 * sent, whatever the order in which the bodies arrive (of two bodies of the same time, the one
 * further along); and a refund never returns or cancels more than its line could.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyLedger } from '../api/src/ledger/ledger.ts';
import {
  orderBody,
  refundBody,
  fulfillmentBody,
  variants,
  type LineSpec,
} from '../api/src/shopify/simulator/webhook-bodies.ts';
import { startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system.stopAll();
});

interface OrderState {
  financialStatus: string | null;
  total: { amountMinor: number; currency: string } | null;
  cancelledAt: string | null;
  allocationState: string;
}

async function orderState(shopifyId: number): Promise<OrderState> {
  const data = await system.graphql<{ order: OrderState }>(
    `query($id: String!) {
       order(shopifyId: $id) {
         financialStatus total { amountMinor currency } cancelledAt allocationState
       }
     }`,
    { id: String(shopifyId) },
  );
  return data.order;
}

async function level(sku: string) {
  const data = await system.graphql<{
    stockLevels: { onHand: number; reserved: number; available: number }[];
  }>(
    `query($sku: String) { stockLevels(sku: $sku, locationId: "1") { onHand reserved available } }`,
    { sku },
  );
  return data.stockLevels[0];
}

/** An order body as the shop sends it at `updatedAt`, with the status and total it had then. */
function orderAt(
  orderId: number,
  lines: LineSpec[],
  state: { updatedAt: string; financialStatus: string; total?: string; cancelledAt?: string },
) {
  const body = orderBody(orderId, lines, { cancelledAt: state.cancelledAt });
  const total = state.total ?? '10.00';
  return {
    ...body,
    updated_at: state.updatedAt,
    financial_status: state.financialStatus,
    total_price: total,
    total_price_set: {
      shop_money: { amount: total, currency_code: 'GBP' },
      presentment_money: { amount: total, currency_code: 'GBP' },
    },
  };
}

const created = '2025-10-02T10:00:00+01:00';
const paid = '2025-10-02T10:05:00+01:00';
const cancelled = '2025-10-02T11:00:00+01:00';

describe("an order's financial status", () => {
  it('reads paid once orders/paid follows a pending orders/create', async () => {
    const lines = [{ lineId: 9710001, ...variants.natural, quantity: 1 }];

    await system.deliver(
      'orders/create',
      orderAt(9700001, lines, { updatedAt: created, financialStatus: 'pending' }),
    );
    await system.waitForProcessing();
    expect((await orderState(9700001)).financialStatus).toBe('pending');

    await system.deliver(
      'orders/paid',
      orderAt(9700001, lines, { updatedAt: paid, financialStatus: 'paid' }),
    );
    await system.waitForProcessing();
    expect((await orderState(9700001)).financialStatus).toBe('paid');
  });

  it('keeps the newer status and total when orders/create arrives after orders/paid', async () => {
    const before = await level(variants.sage.sku);
    const lines = [{ lineId: 9710002, ...variants.sage, quantity: 1 }];

    await system.deliver(
      'orders/paid',
      orderAt(9700002, lines, { updatedAt: paid, financialStatus: 'paid', total: '12.50' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/create',
      orderAt(9700002, lines, { updatedAt: created, financialStatus: 'pending', total: '10.00' }),
    );
    await system.waitForProcessing();

    expect(await orderState(9700002)).toEqual({
      financialStatus: 'paid',
      total: { amountMinor: 1250, currency: 'GBP' },
      cancelledAt: null,
      allocationState: 'reserved',
    });
    expect((await level(variants.sage.sku))?.reserved).toBe((before?.reserved ?? 0) + 1);
  });

  it('follows orders/updated, and a late orders/paid does not undo it', async () => {
    const lines = [{ lineId: 9710003, ...variants.charcoal, quantity: 1 }];
    const refunded = '2025-10-03T09:00:00+01:00';

    await system.deliver(
      'orders/create',
      orderAt(9700003, lines, { updatedAt: created, financialStatus: 'pending' }),
    );
    await system.deliver(
      'orders/updated',
      orderAt(9700003, lines, {
        updatedAt: refunded,
        financialStatus: 'partially_refunded',
        total: '10.00',
      }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/paid',
      orderAt(9700003, lines, { updatedAt: paid, financialStatus: 'paid' }),
    );
    await system.waitForProcessing();

    expect((await orderState(9700003)).financialStatus).toBe('partially_refunded');
  });

  it('reads paid when orders/paid bears the shop time of a pending orders/create', async () => {
    const lines = [{ lineId: 9710006, ...variants.natural, quantity: 1 }];

    await system.deliver(
      'orders/create',
      orderAt(9700006, lines, { updatedAt: created, financialStatus: 'pending' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/paid',
      orderAt(9700006, lines, { updatedAt: created, financialStatus: 'paid', total: '12.50' }),
    );
    await system.waitForProcessing();

    expect(await orderState(9700006)).toMatchObject({
      financialStatus: 'paid',
      total: { amountMinor: 1250, currency: 'GBP' },
    });
  });

  it('keeps paid when a pending orders/create of the same shop time arrives after it', async () => {
    const lines = [{ lineId: 9710007, ...variants.natural, quantity: 1 }];

    await system.deliver(
      'orders/paid',
      orderAt(9700007, lines, { updatedAt: created, financialStatus: 'paid', total: '12.50' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/create',
      orderAt(9700007, lines, { updatedAt: created, financialStatus: 'pending' }),
    );
    await system.waitForProcessing();

    expect(await orderState(9700007)).toMatchObject({
      financialStatus: 'paid',
      total: { amountMinor: 1250, currency: 'GBP' },
    });
  });

  it('keeps refunded against a paid body of the same shop time, whichever is first', async () => {
    const first = [{ lineId: 9710008, ...variants.natural, quantity: 1 }];
    const second = [{ lineId: 9710009, ...variants.natural, quantity: 1 }];

    await system.deliver(
      'orders/updated',
      orderAt(9700008, first, { updatedAt: paid, financialStatus: 'refunded' }),
    );
    await system.deliver(
      'orders/paid',
      orderAt(9700009, second, { updatedAt: paid, financialStatus: 'paid' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/paid',
      orderAt(9700008, first, { updatedAt: paid, financialStatus: 'paid' }),
    );
    await system.deliver(
      'orders/updated',
      orderAt(9700009, second, { updatedAt: paid, financialStatus: 'refunded' }),
    );
    await system.waitForProcessing();

    expect((await orderState(9700008)).financialStatus).toBe('refunded');
    expect((await orderState(9700009)).financialStatus).toBe('refunded');
  });

  it('takes voided over authorized of the same shop time, whichever comes first', async () => {
    const first = [{ lineId: 9710010, ...variants.natural, quantity: 1 }];
    const second = [{ lineId: 9710011, ...variants.natural, quantity: 1 }];

    await system.deliver(
      'orders/create',
      orderAt(9700010, first, { updatedAt: created, financialStatus: 'authorized' }),
    );
    await system.deliver(
      'orders/updated',
      orderAt(9700011, second, { updatedAt: created, financialStatus: 'voided' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/updated',
      orderAt(9700010, first, { updatedAt: created, financialStatus: 'voided' }),
    );
    await system.deliver(
      'orders/create',
      orderAt(9700011, second, { updatedAt: created, financialStatus: 'authorized' }),
    );
    await system.waitForProcessing();

    expect((await orderState(9700010)).financialStatus).toBe('voided');
    expect((await orderState(9700011)).financialStatus).toBe('voided');
  });

  it('takes the status of orders/cancelled and keeps it against an older orders/paid', async () => {
    const before = await level(variants.throwOat.sku);
    const lines = [{ lineId: 9710004, ...variants.throwOat, quantity: 2 }];

    await system.deliver(
      'orders/create',
      orderAt(9700004, lines, { updatedAt: created, financialStatus: 'authorized' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/cancelled',
      orderAt(9700004, lines, {
        updatedAt: cancelled,
        cancelledAt: cancelled,
        financialStatus: 'voided',
      }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/paid',
      orderAt(9700004, lines, { updatedAt: paid, financialStatus: 'paid' }),
    );
    await system.waitForProcessing();

    expect(await orderState(9700004)).toEqual({
      financialStatus: 'voided',
      total: { amountMinor: 1000, currency: 'GBP' },
      cancelledAt: '2025-10-02T10:00:00.000Z',
      allocationState: 'cancelled',
    });
    expect(await level(variants.throwOat.sku)).toEqual(before);
  });

  it('cancels the order and releases its stock when orders/updated says so', async () => {
    const before = await level(variants.mugSand.sku);
    const lines = [{ lineId: 9710005, ...variants.mugSand, quantity: 2 }];

    await system.deliver(
      'orders/create',
      orderAt(9700005, lines, { updatedAt: created, financialStatus: 'paid' }),
    );
    await system.waitForProcessing();
    await system.deliver(
      'orders/updated',
      orderAt(9700005, lines, {
        updatedAt: cancelled,
        cancelledAt: cancelled,
        financialStatus: 'refunded',
      }),
    );
    await system.waitForProcessing();

    expect(await orderState(9700005)).toMatchObject({
      financialStatus: 'refunded',
      allocationState: 'cancelled',
    });
    expect(await level(variants.mugSand.sku)).toEqual(before);
  });
});

describe('a refund that returns more than its line could', () => {
  const lineId = 9710101;
  const lines = [{ lineId, ...variants.cedar, quantity: 1 }];
  const refund = refundBody(9730101, 9700101, [
    { lineId, ...variants.cedar, quantity: 5, refundLineId: 9740101, restockType: 'return' },
  ]);
  let before: { onHand: number; reserved: number; available: number } | undefined;

  it('restocks only the one unit shipped and names the refund for a person', async () => {
    before = await level(variants.cedar.sku);
    await system.deliver('orders/create', orderBody(9700101, lines));
    await system.deliver('fulfillments/create', fulfillmentBody(9720101, 9700101, lines));
    await system.waitForProcessing();

    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();

    expect(await level(variants.cedar.sku)).toEqual(before);
    const line = await system.pool.query<{ returned_quantity: number }>(
      'SELECT returned_quantity FROM order_lines WHERE shopify_line_item_id = $1',
      [lineId],
    );
    expect(line.rows).toEqual([{ returned_quantity: 1 }]);
    const returns = await system.pool.query<{ on_hand_delta: number }>(
      `SELECT on_hand_delta FROM stock_movements WHERE kind = 'return' AND source_id = '9730101'`,
    );
    expect(returns.rows).toEqual([{ on_hand_delta: 1 }]);

    const delivery = await system.pool.query<{ status: string }>(
      `SELECT status FROM webhook_deliveries WHERE topic = 'refunds/create'
       ORDER BY id DESC LIMIT 1`,
    );
    expect(delivery.rows).toEqual([{ status: 'processed' }]);
    const raised = await system.pool.query<{
      kind: string;
      message: string;
      details: Record<string, unknown>;
    }>(`SELECT kind, message, details FROM stock_exceptions WHERE source_key LIKE $1`, [
      'shopify:refund:9730101:%',
    ]);
    expect(raised.rows).toEqual([
      {
        kind: 'RETURN_EXCEEDS_LINE',
        message: expect.stringMatching(/refund 9730101 .*5 .*line 9710101.*1 /i),
        details: expect.objectContaining({
          refundId: '9730101',
          shopifyLineItemId: '9710101',
          quantity: 5,
          restocked: 1,
        }),
      },
    ]);
  });

  it('raises nothing more and moves nothing more when the refund is sent again', async () => {
    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();

    expect(await level(variants.cedar.sku)).toEqual(before);
    const raised = await system.pool.query(
      `SELECT 1 FROM stock_exceptions WHERE source_key LIKE 'shopify:refund:9730101:%'`,
    );
    expect(raised.rowCount).toBe(1);
  });

  it('restocks nothing from a second refund of a line already returned in full', async () => {
    await system.deliver(
      'refunds/create',
      refundBody(9730102, 9700101, [
        { lineId, ...variants.cedar, quantity: 1, refundLineId: 9740102, restockType: 'return' },
      ]),
    );
    await system.waitForProcessing();

    expect(await level(variants.cedar.sku)).toEqual(before);
    const raised = await system.pool.query<{ kind: string }>(
      `SELECT kind FROM stock_exceptions WHERE source_key LIKE 'shopify:refund:9730102:%'`,
    );
    expect(raised.rows).toEqual([{ kind: 'RETURN_EXCEEDS_LINE' }]);
  });

  it('sells a gift card without stock: nothing reserved, the order allocated', async () => {
    // Given a paid order for a gift card, a variant the catalogue does not stock, and a towel
    const lines = [
      { lineId: 9710301, variantId: 47100000009999, sku: null, quantity: 1, price: '25.00' },
      { lineId: 9710302, ...variants.towelHand, quantity: 1 },
    ];
    const body = orderAt(9700301, lines, { updatedAt: paid, financialStatus: 'paid' });
    body.line_items = body.line_items.map((line) =>
      line.id === 9710301 ? { ...line, gift_card: true, requires_shipping: false } : line,
    );

    // When it arrives
    await system.deliver('orders/paid', body);
    await system.waitForProcessing();

    // Then the card needs no stock and raises nothing; the towel is reserved; all is allocated
    const stored = await system.pool.query<{ line: string; requires_stock: boolean }>(
      `SELECT shopify_line_item_id::text AS line, requires_stock FROM order_lines
       WHERE shopify_line_item_id IN (9710301, 9710302) ORDER BY shopify_line_item_id`,
    );
    expect(stored.rows).toEqual([
      { line: '9710301', requires_stock: false },
      { line: '9710302', requires_stock: true },
    ]);
    expect((await orderState(9700301)).allocationState).toBe('reserved');
    const raised = await system.pool.query(
      `SELECT kind FROM stock_exceptions WHERE source_key LIKE 'shopify:order:9700301:%'`,
    );
    expect(raised.rows).toEqual([]);
  });

  it('leaves a ledger whose balances equal their movements', async () => {
    expect((await verifyLedger(system.pool)).differences).toEqual([]);
  });
});

describe('a refund that cancels more than its line could', () => {
  const lineId = 9710201;
  const lines = [{ lineId, ...variants.sage, quantity: 1 }];
  const refund = refundBody(9730201, 9700201, [
    { lineId, ...variants.sage, quantity: 5, refundLineId: 9740201, restockType: 'cancel' },
  ]);
  let before: { onHand: number; reserved: number; available: number } | undefined;

  it('cancels only the one unit left and names the refund for a person', async () => {
    before = await level(variants.sage.sku);
    await system.deliver('orders/create', orderBody(9700201, lines));
    await system.waitForProcessing();

    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();

    expect(await level(variants.sage.sku)).toEqual(before);
    const line = await system.pool.query<{ cancelled_quantity: number }>(
      'SELECT cancelled_quantity FROM order_lines WHERE shopify_line_item_id = $1',
      [lineId],
    );
    expect(line.rows).toEqual([{ cancelled_quantity: 1 }]);
    const raised = await system.pool.query<{
      kind: string;
      message: string;
      details: Record<string, unknown>;
    }>(`SELECT kind, message, details FROM stock_exceptions WHERE source_key LIKE $1`, [
      'shopify:refund:9730201:%',
    ]);
    expect(raised.rows).toEqual([
      {
        kind: 'CANCEL_EXCEEDS_LINE',
        message: expect.stringMatching(/refund 9730201 .*5 .*line 9710201.*1 /i),
        details: expect.objectContaining({
          refundId: '9730201',
          refundLineId: '9740201',
          shopifyLineItemId: '9710201',
          quantity: 5,
          cancelled: 1,
        }),
      },
    ]);
  });

  it('raises nothing more and moves nothing more when the refund is sent again', async () => {
    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();

    expect(await level(variants.sage.sku)).toEqual(before);
    const raised = await system.pool.query(
      `SELECT 1 FROM stock_exceptions WHERE source_key LIKE 'shopify:refund:9730201:%'`,
    );
    expect(raised.rowCount).toBe(1);
    const line = await system.pool.query<{ cancelled_quantity: number }>(
      'SELECT cancelled_quantity FROM order_lines WHERE shopify_line_item_id = $1',
      [lineId],
    );
    expect(line.rows).toEqual([{ cancelled_quantity: 1 }]);
  });

  it('cancels nothing of a shipped line and says so', async () => {
    const shippedLine = [{ lineId: 9710202, ...variants.sage, quantity: 2 }];
    await system.deliver('orders/create', orderBody(9700202, shippedLine));
    await system.deliver('fulfillments/create', fulfillmentBody(9720202, 9700202, shippedLine));
    await system.waitForProcessing();
    const shipped = await level(variants.sage.sku);

    await system.deliver(
      'refunds/create',
      refundBody(9730202, 9700202, [
        {
          lineId: 9710202,
          ...variants.sage,
          quantity: 1,
          refundLineId: 9740202,
          restockType: 'cancel',
        },
      ]),
    );
    await system.waitForProcessing();

    expect(await level(variants.sage.sku)).toEqual(shipped);
    const line = await system.pool.query<{ cancelled_quantity: number }>(
      'SELECT cancelled_quantity FROM order_lines WHERE shopify_line_item_id = 9710202',
    );
    expect(line.rows).toEqual([{ cancelled_quantity: 0 }]);
    const raised = await system.pool.query<{ kind: string }>(
      `SELECT kind FROM stock_exceptions WHERE source_key LIKE 'shopify:refund:9730202:%'`,
    );
    expect(raised.rows).toEqual([{ kind: 'CANCEL_EXCEEDS_LINE' }]);
  });

  it('leaves a ledger whose balances equal their movements', async () => {
    expect((await verifyLedger(system.pool)).differences).toEqual([]);
  });
});
