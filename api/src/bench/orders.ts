/**
 * The orders a flash sale places: every order for one hot SKU, or orders of one to three lines
 * spread over every stocked SKU, one unit a line. Bodies are the fixture-shaped orders/create
 * bodies the end-to-end tests send (shopify/simulator/webhook-bodies.ts), so the bench exercises
 * the same parsing the tests prove.
 *
 * Leaves out: orders with untracked or unmapped lines, multi-unit lines, and any topic other
 * than orders/create.
 */
import { seededRandom } from '../shopify/simulator/random.ts';
import { orderBody } from '../shopify/simulator/webhook-bodies.ts';
import type { Queryable } from '../platform/transaction.ts';
import type { PreparedDelivery } from './load.ts';

/** A SKU the shop stocks and tracks, with the Shopify ids an order line names it by. */
export interface StockedSku {
  skuId: string;
  code: string;
  shopifyVariantId: number;
  inventoryItemGid: string;
}

export interface PlannedLine {
  shopifyLineItemId: number;
  sku: StockedSku;
}

export interface PlannedOrder {
  shopifyOrderId: number;
  lines: PlannedLine[];
}

/** Order ids start here so that they cannot meet the fixtures' ids. */
const firstOrderId = 6_100_000_000;
const linesPerOrderMax = 3;

/** Every tracked SKU with a code, in code order. */
export async function readStockedSkus(db: Queryable): Promise<StockedSku[]> {
  const found = await db.query<{
    sku_id: string;
    code: string;
    variant_id: string;
    item_id: string;
  }>(
    `SELECT s.id::text AS sku_id, s.code, v.shopify_variant_id::text AS variant_id,
       i.shopify_inventory_item_id::text AS item_id
     FROM variants v
     JOIN skus s ON s.id = v.sku_id
     JOIN inventory_items i ON i.id = v.inventory_item_id
     WHERE s.code IS NOT NULL AND i.tracked AND NOT s.allows_backorder
     ORDER BY s.code`,
  );

  return found.rows.map((row) => ({
    skuId: row.sku_id,
    code: row.code,
    shopifyVariantId: Number(row.variant_id),
    inventoryItemGid: `gid://shopify/InventoryItem/${row.item_id}`,
  }));
}

/** `orderCount` orders of one unit of `sku` each. */
export function planHotOrders(sku: StockedSku, orderCount: number): PlannedOrder[] {
  return Array.from({ length: orderCount }, (_, index) => {
    const shopifyOrderId = firstOrderId + index;
    return { shopifyOrderId, lines: [{ shopifyLineItemId: lineIdOf(shopifyOrderId, 0), sku }] };
  });
}

/**
 * `orderCount` orders of one to three distinct SKUs each, chosen by a seeded generator so
 * that every run places the same orders.
 */
export function planSpreadOrders(
  skus: StockedSku[],
  orderCount: number,
  seed: number,
): PlannedOrder[] {
  const random = seededRandom(seed);

  return Array.from({ length: orderCount }, (_, index) => {
    const shopifyOrderId = firstOrderId + index;
    const lineCount = 1 + Math.floor(random() * Math.min(linesPerOrderMax, skus.length));
    const chosen = new Set<StockedSku>();
    while (chosen.size < lineCount) {
      const sku = skus[Math.floor(random() * skus.length)];
      if (sku !== undefined) {
        chosen.add(sku);
      }
    }

    const lines = [...chosen].map((sku, lineIndex) => ({
      shopifyLineItemId: lineIdOf(shopifyOrderId, lineIndex),
      sku,
    }));
    return { shopifyOrderId, lines };
  });
}

/** The orders/create deliveries for the planned orders, one webhook id each. */
export function prepareDeliveries(orders: PlannedOrder[], runName: string): PreparedDelivery[] {
  return orders.map((order) => {
    const body = orderBody(
      order.shopifyOrderId,
      order.lines.map((line) => ({
        lineId: line.shopifyLineItemId,
        variantId: line.sku.shopifyVariantId,
        sku: line.sku.code,
        quantity: 1,
      })),
    );
    return { webhookId: `bench-${runName}-${order.shopifyOrderId}`, body: JSON.stringify(body) };
  });
}

function lineIdOf(shopifyOrderId: number, lineIndex: number): number {
  return shopifyOrderId * 10 + lineIndex;
}
