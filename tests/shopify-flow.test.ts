/**
 * The Shopify order flow end to end, through the real HTTP endpoint, the job worker, the
 * ledger and the push back to a simulated shop, on the fixture deliveries exactly as Shopify
 * sent them (raw bytes and headers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyLedger } from '../api/src/ledger/ledger.ts';
import { postWebhook, readFixture, startTestSystem, type TestSystem } from './support/system.ts';

interface Delivery {
  delivery: string;
  body_file: string;
  headers: Record<string, string>;
}

interface Level {
  sku: string | null;
  location: { id: string; name: string; shopifyId: string };
  onHand: number;
  reserved: number;
  available: number;
}

const warehouse = '71234567890';
const deliveries = (
  JSON.parse(readFixture('shopify-webhook-deliveries.json').toString('utf8')) as {
    deliveries: Delivery[];
  }
).deliveries;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system.stopAll();
});

async function levelsAtWarehouse(): Promise<Map<string, Level>> {
  const data = await system.graphql<{ stockLevels: Level[] }>(
    `{ stockLevels { sku location { id name shopifyId } onHand reserved available } }`,
  );
  return new Map(
    data.stockLevels
      .filter((level) => level.location.shopifyId === warehouse && level.sku !== null)
      .map((level) => [level.sku ?? '', level]),
  );
}

function figures(level: Level | undefined) {
  return level && { onHand: level.onHand, reserved: level.reserved, available: level.available };
}

describe('catalogue import at start', () => {
  it('opens every tracked level at the figure the shop reported', async () => {
    const catalogue = JSON.parse(readFixture('shopify-catalogue.json').toString('utf8')) as {
      products: {
        variants: {
          nodes: {
            sku: string;
            inventoryItem: {
              inventoryLevels: {
                nodes: {
                  location: { id: string };
                  quantities: { name: string; quantity: number }[];
                }[];
              };
            };
          }[];
        };
      }[];
    };
    const levels = await levelsAtWarehouse();

    let checked = 0;
    for (const product of catalogue.products) {
      for (const variant of product.variants.nodes) {
        const code = variant.sku.trim().toUpperCase();
        const atWarehouse = variant.inventoryItem.inventoryLevels.nodes.find((node) =>
          node.location.id.endsWith(warehouse),
        );
        const available = atWarehouse?.quantities.find((q) => q.name === 'available')?.quantity;
        if (code === '' || available === undefined) {
          continue;
        }
        expect(figures(levels.get(code)), code).toEqual({
          onHand: available,
          reserved: 0,
          available,
        });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('keeps the blank-SKU variant under an unnamed SKU flagged for a person', async () => {
    const data = await system.graphql<{ skus: { code: string | null; needsName: boolean }[] }>(
      '{ skus(first: 200) { code needsName } }',
    );
    expect(data.skus.filter((sku) => sku.code === null)).toEqual([{ code: null, needsName: true }]);
  });
});

describe('the fixture deliveries, in the order Shopify sent them', () => {
  const statuses = new Map<string, number>();

  beforeAll(async () => {
    for (const delivery of deliveries) {
      const status = await postWebhook(
        `${system.apiUrl}/webhooks/shopify`,
        readFixture(delivery.body_file),
        delivery.headers,
      );
      statuses.set(delivery.delivery, status);
      await system.waitForProcessing();
    }
  });

  it('accepts the signed ones and refuses the tampered and re-serialised ones', () => {
    expect(Object.fromEntries(statuses)).toEqual({
      D01: 200,
      D02: 200,
      D03: 401,
      D06: 200,
      D07: 401,
      D08: 200,
      D09: 200,
      D10: 200,
    });
  });

  it('keeps every delivery, accepted or not, with its bytes', async () => {
    const stored = await system.pool.query<{ status: string }>(
      'SELECT status FROM webhook_deliveries ORDER BY id',
    );
    expect(stored.rows.map((row) => row.status)).toEqual([
      'processed',
      'duplicate',
      'rejected',
      'processed',
      'rejected',
      'processed',
      'processed',
      'processed',
    ]);
    const tampered = await system.pool.query<{ body: Buffer; headers: Record<string, string> }>(
      `SELECT body, headers FROM webhook_deliveries WHERE status = 'rejected' ORDER BY id LIMIT 1`,
    );
    expect(
      tampered.rows[0]?.body.equals(readFixture('webhooks/D03-orders-create-1041-tampered.json')),
    ).toBe(true);
    expect(tampered.rows[0]?.headers['x-shopify-webhook-id']).toBe(
      '0d6f2b8e-7c11-4e55-b0a4-55e1f0d2c9aa',
    );
  });

  it('ends with #1041 shipped, its mug return restocked and #1042 reserved', async () => {
    const levels = await levelsAtWarehouse();

    expect(figures(levels.get('HL-CUSH-LIN-SAGE'))).toEqual({
      onHand: 6,
      reserved: 0,
      available: 6,
    });
    expect(figures(levels.get('HL-CNDL-SOY-FIG'))).toEqual({
      onHand: 25,
      reserved: 0,
      available: 25,
    });
    expect(figures(levels.get('HL-MUG-STONE-BLU'))).toEqual({
      onHand: 20,
      reserved: 0,
      available: 20,
    });
    expect(figures(levels.get('HL-THROW-WOOL-OAT'))).toEqual({
      onHand: 28,
      reserved: 1,
      available: 27,
    });
    expect(figures(levels.get('HL-VASE-GLS-AMB'))).toEqual({
      onHand: 22,
      reserved: 1,
      available: 21,
    });
  });

  it('records the EUR order in the currency the customer paid', async () => {
    const data = await system.graphql<{
      order: {
        currency: string;
        allocationState: string;
        lines: { sku: string; reservedQuantity: number }[];
      };
    }>(
      `{ order(shopifyId: "5912345678902") {
        currency allocationState lines { sku reservedQuantity } } }`,
    );
    expect(data.order.currency).toBe('EUR');
    expect(data.order.allocationState).toBe('reserved');
    expect(data.order.lines.map((line) => line.reservedQuantity)).toEqual([1, 1]);
  });

  it('treats the inventory level echo as a confirmation, not drift', async () => {
    const echo = await system.pool.query<{ result: { verdict: string } }>(
      `SELECT result FROM webhook_deliveries WHERE topic = 'inventory_levels/update'`,
    );
    expect(echo.rows[0]?.result.verdict).toBe('confirmation');
    const drift = await system.pool.query(
      `SELECT 1 FROM stock_exceptions WHERE kind = 'INVENTORY_DRIFT'`,
    );
    expect(drift.rowCount).toBe(0);
  });

  it('has pushed our available figures to the shop', () => {
    const item = (id: string) => `gid://shopify/InventoryItem/${id}`;
    const location = `gid://shopify/Location/${warehouse}`;
    expect(system.simulator.available(item('49200000000401'), location)).toBe(20);
    expect(system.simulator.available(item('49200000000102'), location)).toBe(6);
    expect(system.simulator.available(item('49200000000601'), location)).toBe(25);
    expect(system.simulator.available(item('49200000000301'), location)).toBe(27);
    expect(system.simulator.available(item('49200000001101'), location)).toBe(21);
  });

  it('leaves a ledger whose balances equal their movements', async () => {
    expect((await verifyLedger(system.pool)).differences).toEqual([]);
  });
});
