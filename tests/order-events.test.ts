/**
 * Shopify events that arrive late, early, twice or in pieces: the end state must not depend on
 * the order of arrival, a re-sent event must change nothing, and stock is never oversold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSystem, type System } from '../api/src/app/system.ts';
import { verifyLedger } from '../api/src/ledger/ledger.ts';
import { loadConfig } from '../api/src/platform/config.ts';
import { createLogger } from '../api/src/platform/logger.ts';
import {
  fulfillmentBody,
  orderBody,
  refundBody,
  variants,
  type LineSpec,
} from '../api/src/shopify/simulator/webhook-bodies.ts';
import {
  accessToken,
  clientSecret,
  postWebhook,
  shopDomain,
  sign,
  startTestSystem,
  type TestSystem,
} from './support/system.ts';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system.stopAll();
});

async function level(sku: string) {
  const data = await system.graphql<{
    stockLevels: { onHand: number; reserved: number; available: number }[];
  }>(
    `query($sku: String) { stockLevels(sku: $sku, locationId: "1") { onHand reserved available } }`,
    { sku },
  );
  return data.stockLevels[0];
}

async function movementCount(): Promise<number> {
  const found = await system.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM stock_movements',
  );
  return found.rows[0]?.count ?? 0;
}

function line(
  lineId: number,
  variant: { variantId: number; sku: string },
  quantity: number,
): LineSpec {
  return { lineId, ...variant, quantity };
}

describe('events in any order', () => {
  it('a cancellation that arrives before its order leaves nothing reserved', async () => {
    const before = await level(variants.natural.sku);
    const lines = [line(9100001, variants.natural, 2)];

    await system.deliver(
      'orders/cancelled',
      orderBody(9000001, lines, { cancelledAt: '2025-10-02T11:00:00+01:00' }),
    );
    await system.deliver('orders/create', orderBody(9000001, lines));
    await system.waitForProcessing();

    expect(await level(variants.natural.sku)).toEqual(before);
    const order = await system.graphql<{
      order: { allocationState: string; placedAt: string; cancelledAt: string };
    }>('{ order(shopifyId: "9000001") { allocationState placedAt cancelledAt } }');
    expect(order.order).toEqual({
      allocationState: 'cancelled',
      placedAt: '2025-10-02T09:00:00.000Z',
      cancelledAt: '2025-10-02T10:00:00.000Z',
    });
  });

  it('a fulfilment that arrives before its order ships without leaving a reservation', async () => {
    const before = await level(variants.charcoal.sku);
    const lines = [line(9100002, variants.charcoal, 3)];

    await system.deliver('fulfillments/create', fulfillmentBody(9200002, 9000002, lines));
    await system.deliver('orders/create', orderBody(9000002, lines));
    await system.waitForProcessing();

    expect(await level(variants.charcoal.sku)).toEqual({
      onHand: (before?.onHand ?? 0) - 3,
      reserved: before?.reserved,
      available: (before?.available ?? 0) - 3,
    });
  });

  it('create, partial cancel, fulfilment and return end the same in any order', async () => {
    // Given the same four events for four orders, each on its own SKU, in four orders
    const skus = [variants.towelHand, variants.basketL, variants.teaTowel, variants.spoonOlive];
    const permutations = [
      ['create', 'cancel', 'ship', 'return'],
      ['return', 'ship', 'cancel', 'create'],
      ['ship', 'create', 'return', 'cancel'],
      ['cancel', 'return', 'create', 'ship'],
    ];
    const before = await Promise.all(skus.map((sku) => level(sku.sku)));

    // When each order's events arrive in its permutation
    for (const [index, permutation] of permutations.entries()) {
      const sku = skus[index] as { variantId: number; sku: string };
      const orderId = 9000100 + index;
      const lineId = 9100100 + index;
      const ordered = line(lineId, sku, 5);
      const bodies: Record<string, [string, unknown]> = {
        create: ['orders/create', orderBody(orderId, [ordered])],
        cancel: [
          'refunds/create',
          refundBody(9300100 + index, orderId, [
            { ...line(lineId, sku, 1), refundLineId: 9400100 + index, restockType: 'cancel' },
          ]),
        ],
        ship: [
          'fulfillments/create',
          fulfillmentBody(9200100 + index, orderId, [line(lineId, sku, 4)]),
        ],
        return: [
          'refunds/create',
          refundBody(9300200 + index, orderId, [
            { ...line(lineId, sku, 2), refundLineId: 9400200 + index, restockType: 'return' },
          ]),
        ],
      };
      for (const event of permutation) {
        const [topic, body] = bodies[event] as [string, unknown];
        await system.deliver(topic, body);
        await system.waitForProcessing();
      }
    }

    // Then every SKU moved the same: 4 shipped, 2 back, nothing left reserved
    for (const [index, sku] of skus.entries()) {
      const start = before[index];
      expect(await level(sku.sku), sku.sku).toEqual({
        onHand: (start?.onHand ?? 0) - 4 + 2,
        reserved: 0,
        available: (start?.available ?? 0) - 4 + 2,
      });
    }
  });
});

describe('the same event more than once', () => {
  it('a re-sent order and refund with new delivery ids change nothing more', async () => {
    const lines = [line(9100003, variants.throwOat, 2)];
    const refund = refundBody(9300003, 9000003, [
      { ...line(9100003, variants.throwOat, 1), refundLineId: 9400003, restockType: 'cancel' },
    ]);
    await system.deliver('orders/create', orderBody(9000003, lines));
    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();
    const settled = await level(variants.throwOat.sku);
    const movements = await movementCount();

    await system.deliver('orders/create', orderBody(9000003, lines));
    await system.deliver('refunds/create', refund);
    await system.waitForProcessing();

    expect(await level(variants.throwOat.sku)).toEqual(settled);
    expect(await movementCount()).toBe(movements);
  });

  it('a cancellation and its own refund release the reservation once', async () => {
    const before = await level(variants.mugSand.sku);
    const lines = [line(9100004, variants.mugSand, 3)];
    const refund = refundBody(9300004, 9000004, [
      { ...line(9100004, variants.mugSand, 3), refundLineId: 9400004, restockType: 'cancel' },
    ]);

    await system.deliver('orders/create', orderBody(9000004, lines));
    await system.waitForProcessing();
    await system.deliver('refunds/create', refund);
    await system.deliver(
      'orders/cancelled',
      orderBody(9000004, lines, { cancelledAt: '2025-10-02T12:00:00+01:00', refunds: [refund] }),
    );
    await system.waitForProcessing();

    expect(await level(variants.mugSand.sku)).toEqual(before);
    const releases = await system.pool.query(
      `SELECT reserved_delta FROM stock_movements WHERE order_id =
         (SELECT id FROM orders WHERE shopify_order_id = 9000004) AND kind = 'release'`,
    );
    expect(releases.rows).toEqual([{ reserved_delta: -3 }]);
  });
});

describe('refund lines by restock type', () => {
  it('holds an unknown restock type for review and moves nothing', async () => {
    await system.deliver('orders/create', orderBody(9000005, [line(9100005, variants.cedar, 1)]));
    await system.waitForProcessing();
    const before = await level(variants.cedar.sku);

    await system.deliver(
      'refunds/create',
      refundBody(9300005, 9000005, [
        { ...line(9100005, variants.cedar, 1), refundLineId: 9400005, restockType: 'teleport' },
      ]),
    );
    await system.waitForProcessing();

    expect(await level(variants.cedar.sku)).toEqual(before);
    const held = await system.pool.query<{ kind: string }>(
      `SELECT kind FROM stock_exceptions WHERE source_key LIKE 'shopify:refund:9300005:%'`,
    );
    expect(held.rows).toEqual([{ kind: 'UNKNOWN_RESTOCK_TYPE' }]);
  });

  it('moves no stock for gift wrap and reserves a blank-SKU variant by its ids', async () => {
    const fixtureOrders = await import('./fixtures/shopify-orders-create.json', {
      with: { type: 'json' },
    });
    const order1043 = (fixtureOrders.default.orders as { body?: unknown }[])
      .map((entry) => (entry.body ?? entry) as { name: string })
      .find((body) => body.name === '#1043');
    const unnamedBefore = await system.pool.query<{ reserved: number }>(
      `SELECT coalesce(sum(b.reserved), 0)::int AS reserved FROM stock_balances b
       JOIN skus s ON s.id = b.sku_id WHERE s.code IS NULL`,
    );

    expect(await system.deliver('orders/create', order1043)).toBe(200);
    await system.waitForProcessing();

    const lines = await system.graphql<{
      order: { lines: { title: string; requiresStock: boolean; allocationState: string }[] };
    }>('{ order(shopifyId: "5912345678903") { lines { title requiresStock allocationState } } }');
    expect(lines.order.lines.map((l) => [l.requiresStock, l.allocationState])).toEqual([
      [true, 'reserved'],
      [true, 'reserved'],
      [false, 'not_stocked'],
    ]);
    const unnamedAfter = await system.pool.query<{ reserved: number }>(
      `SELECT coalesce(sum(b.reserved), 0)::int AS reserved FROM stock_balances b
       JOIN skus s ON s.id = b.sku_id WHERE s.code IS NULL`,
    );
    expect((unnamedAfter.rows[0]?.reserved ?? 0) - (unnamedBefore.rows[0]?.reserved ?? 0)).toBe(1);
  });
});

describe('no overselling', () => {
  let secondWorker: System;

  beforeAll(async () => {
    // A second worker process's worth of job runners on the same database.
    secondWorker = await startSystem({
      config: loadConfig({
        ...process.env,
        DATABASE_URL: system.databaseUrl,
        PORT: '0',
        SHOPIFY_SHOP: shopDomain,
        SHOPIFY_ACCESS_TOKEN: accessToken,
        SHOPIFY_CLIENT_SECRET: clientSecret,
        SHOPIFY_ADMIN_URL: system.simulator.url,
      }),
      logger: createLogger('silent'),
      runApi: false,
      workerConcurrency: 4,
    });
  });

  afterAll(async () => {
    await secondWorker.close();
  });

  it('fifty orders for the last ten units, two workers: ten reserved, forty short', async () => {
    // Given exactly ten available
    const sku = variants.lamp;
    const start = await level(sku.sku);
    await system.graphql(
      `mutation($input: AdjustStockInput!) { adjustStock(input: $input) { errors { code } } }`,
      {
        input: {
          sku: sku.sku,
          locationId: '1',
          quantityChange: 10 - (start?.available ?? 0),
          reason: 'CORRECTION',
        },
      },
    );

    // When fifty single-unit orders arrive at once
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        system.deliver(
          'orders/create',
          orderBody(9500000 + index, [line(9600000 + index, sku, 1)]),
        ),
      ),
    );
    await system.waitForProcessing();

    // Then Shopify got 200 for all, ten lines hold stock and forty are short
    expect(statuses.every((status) => status === 200)).toBe(true);
    const onHand = (start?.onHand ?? 0) + 10 - (start?.available ?? 0);
    expect(await level(sku.sku)).toEqual({ onHand, reserved: onHand, available: 0 });
    const states = await system.pool.query<{ state: string; count: number }>(
      `SELECT allocation_state AS state, count(*)::int AS count FROM order_lines
       WHERE shopify_line_item_id BETWEEN 9600000 AND 9600049 GROUP BY 1 ORDER BY 1`,
    );
    expect(states.rows).toEqual([
      { state: 'reserved', count: 10 },
      { state: 'short', count: 40 },
    ]);
    const shorts = await system.pool.query(
      `SELECT 1 FROM stock_exceptions WHERE kind = 'SHORT_RESERVATION'
       AND source_key LIKE 'shopify:order:95%'`,
    );
    expect(shorts.rowCount).toBe(40);
  });
});

describe('bad deliveries', () => {
  const url = () => `${system.apiUrl}/webhooks/shopify`;
  const headers = (body: Buffer, extra: Record<string, string> = {}) => ({
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Hmac-Sha256': sign(body),
    'X-Shopify-Shop-Domain': 'hearth-loom-test.myshopify.com',
    'X-Shopify-API-Version': '2026-04',
    'X-Shopify-Webhook-Id': `bad-${Math.random()}`,
    ...extra,
  });

  it('answers 401 without a signature and 400 without the topic, each stored', async () => {
    const body = Buffer.from('{}');
    const unsigned = headers(body);
    delete (unsigned as Record<string, string>)['X-Shopify-Hmac-Sha256'];
    const untitled = headers(body);
    delete (untitled as Record<string, string>)['X-Shopify-Topic'];

    expect(await postWebhook(url(), body, unsigned)).toBe(401);
    expect(await postWebhook(url(), body, untitled)).toBe(400);
    const stored = await system.pool.query<{ rejection_reason: string }>(
      `SELECT rejection_reason FROM webhook_deliveries WHERE status = 'rejected'
       ORDER BY id DESC LIMIT 2`,
    );
    expect(stored.rows.map((row) => row.rejection_reason)).toEqual([
      expect.stringContaining('x-shopify-topic'),
      expect.stringContaining('X-Shopify-Hmac-Sha256'),
    ]);
  });

  it('answers 400 for a signed body that is not JSON', async () => {
    const body = Buffer.from('{"id": 1,');
    expect(await postWebhook(url(), body, headers(body))).toBe(400);
  });

  it('fails a signed body of the wrong shape, naming the field, moving nothing', async () => {
    const movements = await movementCount();
    const body = Buffer.from(JSON.stringify({ id: 9000009, currency: 'GBP', line_items: 'none' }));

    expect(await postWebhook(url(), body, headers(body))).toBe(200);
    await system.waitForProcessing();

    const stored = await system.pool.query<{ status: string; error: string }>(
      `SELECT status, error FROM webhook_deliveries ORDER BY id DESC LIMIT 1`,
    );
    expect(stored.rows[0]?.status).toBe('failed');
    expect(stored.rows[0]?.error).toMatch(/line_items/);
    expect(await movementCount()).toBe(movements);
    const raised = await system.graphql<{ openExceptions: { kind: string; message: string }[] }>(
      '{ openExceptions { kind message } }',
    );
    expect(raised.openExceptions).toContainEqual({
      kind: 'WEBHOOK_UNPROCESSABLE',
      message: expect.stringContaining('line_items'),
    });
  });

  it('reserves an order whose name carries a NUL character', async () => {
    const body = orderBody(9000011, [line(9100011, variants.potSmall, 1)]);
    body.name = '#A\u0000B';

    await system.deliver('orders/create', body);
    await system.waitForProcessing();

    const order = await system.graphql<{ order: { name: string; allocationState: string } }>(
      '{ order(shopifyId: "9000011") { name allocationState } }',
    );
    expect(order.order).toEqual({ name: '#AB', allocationState: 'reserved' });
  });

  it('gives up at once on a quantity no order could have, and says so', async () => {
    await system.deliver('orders/create', orderBody(9000010, [line(9100010, variants.bowl, 1e12)]));
    await system.waitForProcessing();

    const stored = await system.pool.query<{ status: string; attempts: number }>(
      `SELECT status, attempts FROM webhook_deliveries ORDER BY id DESC LIMIT 1`,
    );
    expect(stored.rows[0]).toEqual({ status: 'failed', attempts: 1 });
  });

  it('keeps only the start of a large body whose signature fails', async () => {
    const body = Buffer.alloc(1024 * 1024, 'x');
    const status = await postWebhook(url(), body, {
      ...headers(body),
      'X-Shopify-Hmac-Sha256': 'AAAA',
    });

    const stored = await system.pool.query<{ kept: number; size: number }>(
      `SELECT length(body) AS kept, body_size_bytes AS size FROM webhook_deliveries
       ORDER BY id DESC LIMIT 1`,
    );
    expect(status).toBe(401);
    expect(stored.rows[0]).toEqual({ kept: 65536, size: 1048576 });
  });

  it('leaves the ledger consistent after all of it', async () => {
    expect((await verifyLedger(system.pool)).differences).toEqual([]);
  });
});

describe('catalogue webhooks', () => {
  it('maps a SKU typed differently to the same SKU, and flags the sharing', async () => {
    await system.deliver('products/update', {
      id: 8100000000099,
      title: 'Stoneware Mug Gift Set',
      handle: 'mug-gift-set',
      status: 'active',
      variants: [
        {
          id: 47100000009901,
          title: 'Blue Glaze',
          sku: ' hl-mug-stone-blu ',
          inventory_item_id: 49200000009901,
          inventory_policy: 'deny',
          inventory_management: 'shopify',
        },
      ],
    });
    await system.waitForProcessing();

    const skus = await system.pool.query<{ code: string; raw: string }>(
      `SELECT s.code, v.raw_sku AS raw FROM variants v JOIN skus s ON s.id = v.sku_id
       WHERE v.shopify_variant_id IN (47100000000401, 47100000009901) ORDER BY v.id`,
    );
    expect(skus.rows).toEqual([
      { code: 'HL-MUG-STONE-BLU', raw: 'HL-MUG-STONE-BLU' },
      { code: 'HL-MUG-STONE-BLU', raw: ' hl-mug-stone-blu ' },
    ]);
    const flagged = await system.pool.query(
      `SELECT 1 FROM stock_exceptions WHERE kind = 'DUPLICATE_SKU'`,
    );
    expect(flagged.rowCount).toBe(1);
  });
});

describe('naming an unnamed SKU in the shop', () => {
  it('gives the unnamed SKU the code, keeping its stock and history', async () => {
    const before = await system.pool.query<{ id: string; on_hand: number }>(
      `SELECT s.id::text, b.on_hand FROM variants v JOIN skus s ON s.id = v.sku_id
       JOIN stock_balances b ON b.sku_id = s.id AND b.location_id = 1
       WHERE v.shopify_variant_id = 47100000001002`,
    );

    await system.deliver('products/update', {
      id: 8100000000010,
      title: 'Seagrass Storage Basket',
      handle: 'seagrass-storage-basket',
      status: 'active',
      variants: [
        {
          id: 47100000001002,
          title: 'Medium',
          sku: 'HL-BSKT-SEAG-M',
          inventory_item_id: 49200000001002,
          inventory_policy: 'deny',
          inventory_management: 'shopify',
        },
      ],
    });
    await system.waitForProcessing();

    const after = await level('HL-BSKT-SEAG-M');
    const sku = await system.pool.query<{ id: string; needs_name: boolean }>(
      `SELECT id::text, needs_name FROM skus WHERE code = 'HL-BSKT-SEAG-M'`,
    );
    expect(sku.rows[0]).toEqual({ id: before.rows[0]?.id, needs_name: false });
    expect(after?.onHand).toBe(before.rows[0]?.on_hand);
  });
});
