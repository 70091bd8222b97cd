/**
 * The first import from the shop, run at start when the catalogue is empty: shop settings,
 * locations, every product with its variants and inventory items (paged), and each item's
 * current available per location as an opening balance. It runs in one transaction, so a failed
 * import leaves nothing behind and is simply tried again on the next start.
 *
 * Known shortcoming: an order placed before the import whose webhook arrives after it is both
 * in the shop's opening figure (the shop had already committed it) and reserved again by its
 * orders/create. Telling the two apart needs the shop's `committed` quantity per item at import
 * time and the set of open orders it covers; until then, import when the shop is quiet, or
 * correct the few affected SKUs with a count.
 */
import type pg from 'pg';

import {
  postOpeningBalances,
  saveShopSettings,
  upsertLocations,
  upsertProduct,
  type OpeningLevel,
} from '../catalogue/catalogue.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction } from '../platform/transaction.ts';
import type { ShopifyAdminClient } from './admin-client.ts';
import { ensurePushState } from './push.ts';

export async function isCatalogueEmpty(pool: pg.Pool): Promise<boolean> {
  const found = await pool.query<{ imported: boolean }>(
    'SELECT catalogue_imported_at IS NOT NULL AS imported FROM shop_settings WHERE id = 1',
  );
  return found.rows[0]?.imported !== true;
}

export async function importCatalogue(
  pool: pg.Pool,
  client: ShopifyAdminClient,
  logger: Logger,
): Promise<{ products: number; variants: number; levels: number }> {
  const shop = await client.fetchShop();
  const locations = await client.fetchLocations();
  const counts = { products: 0, variants: 0, levels: 0 };

  await withTransaction(pool, async (tx) => {
    await saveShopSettings(tx, shop);
    await upsertLocations(
      tx,
      locations.map((location) => ({
        shopifyLocationId: location.legacyId,
        name: location.name,
        isActive: location.isActive,
        fulfillsOnlineOrders: location.fulfillsOnlineOrders,
      })),
    );

    const levels: OpeningLevel[] = [];
    const shopFigures: { item: string; location: string; available: number }[] = [];
    for await (const page of client.fetchProducts()) {
      for (const product of page) {
        await upsertProduct(tx, {
          shopifyProductId: product.legacyId,
          title: product.title,
          handle: product.handle,
          status: product.status,
          variants: product.variants.map((variant) => ({
            shopifyVariantId: variant.legacyId,
            title: variant.title,
            rawSku: variant.sku,
            inventoryPolicy: variant.inventoryPolicy,
            inventoryItem: {
              shopifyInventoryItemId: variant.inventoryItem.legacyId,
              tracked: variant.inventoryItem.tracked,
            },
          })),
        });
        counts.products += 1;
        counts.variants += product.variants.length;

        for (const variant of product.variants) {
          for (const level of variant.inventoryItem.levels) {
            const locationId = legacyIdOf(level.locationGid);
            levels.push({
              shopifyInventoryItemId: variant.inventoryItem.legacyId,
              shopifyLocationId: locationId,
              available: level.available,
            });
            shopFigures.push({
              item: variant.inventoryItem.legacyId,
              location: locationId,
              available: level.available,
            });
          }
        }
      }
    }

    await postOpeningBalances(tx, levels, new Date());
    await ensurePushState(tx);
    // What the shop holds now is the figure the first push compares against.
    await tx.query(
      `UPDATE shopify_push_state p SET shop_available = f.available
       FROM jsonb_to_recordset($1::jsonb) AS f(item bigint, location bigint, available int),
         inventory_items i, locations l
       WHERE i.shopify_inventory_item_id = f.item AND l.shopify_location_id = f.location
         AND p.inventory_item_id = i.id AND p.location_id = l.id`,
      [JSON.stringify(shopFigures)],
    );
    await tx.query('UPDATE shop_settings SET catalogue_imported_at = now() WHERE id = 1');
    counts.levels = levels.length;
  });

  logger.info({ shop: shop.domain, ...counts }, 'catalogue imported from the shop');
  return counts;
}

/** `gid://shopify/Location/71234567890` → `71234567890`. */
export function legacyIdOf(gid: string): string {
  return gid.slice(gid.lastIndexOf('/') + 1);
}
