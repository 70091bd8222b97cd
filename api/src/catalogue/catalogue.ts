/**
 * The catalogue: locations, SKUs, products, variants and inventory items, linked by the shop's
 * own ids. The variant and the inventory item are the stable link to the shop; the SKU text is
 * compared in canonical form so that one physical item is one ledger key however it was typed.
 *
 * Inputs here are channel-neutral shapes; the Shopify module translates its payloads into them.
 */
import { raiseException } from '../ledger/exceptions.ts';
import { postMovements, type Posting } from '../ledger/ledger.ts';
import { canonicalSkuCode } from '../ledger/operations.ts';
import type { Tx } from '../platform/transaction.ts';

export interface CatalogueLocation {
  shopifyLocationId: string;
  name: string;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
}

export interface CatalogueVariant {
  shopifyVariantId: string;
  title: string;
  rawSku: string | null;
  /** `DENY` refuses orders beyond stock; `CONTINUE` allows backorders. */
  inventoryPolicy: string;
  inventoryItem: { shopifyInventoryItemId: string; tracked: boolean } | null;
}

export interface CatalogueProduct {
  shopifyProductId: string;
  title: string;
  handle: string | null;
  status: string;
  variants: CatalogueVariant[];
}

export interface ShopSettings {
  domain: string;
  currency: string;
  timeZone: string;
  taxesIncluded: boolean;
}

export async function saveShopSettings(tx: Tx, shop: ShopSettings): Promise<void> {
  await tx.query(
    `UPDATE shop_settings SET shop_domain = $1, currency = $2, time_zone = $3, taxes_included = $4
     WHERE id = 1`,
    [shop.domain, shop.currency, shop.timeZone, shop.taxesIncluded],
  );
}

export async function upsertLocations(tx: Tx, locations: CatalogueLocation[]): Promise<void> {
  for (const location of locations) {
    await tx.query(
      `INSERT INTO locations (shopify_location_id, name, is_active, fulfills_online_orders)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (shopify_location_id) DO UPDATE
       SET name = excluded.name, is_active = excluded.is_active,
           fulfills_online_orders = excluded.fulfills_online_orders`,
      [location.shopifyLocationId, location.name, location.isActive, location.fulfillsOnlineOrders],
    );
  }

  // The default fulfilling location: the first active one that fulfils online orders.
  await tx.query(
    `UPDATE shop_settings SET fulfilling_location_id = (
       SELECT id FROM locations WHERE is_active AND fulfills_online_orders ORDER BY id LIMIT 1)
     WHERE id = 1 AND fulfilling_location_id IS NULL`,
  );
}

/** Creates or updates a product and its variants; answers the SKU id per inventory item id. */
export async function upsertProduct(
  tx: Tx,
  product: CatalogueProduct,
): Promise<Map<string, string>> {
  const saved = await tx.query<{ id: string }>(
    `INSERT INTO products (shopify_product_id, title, handle, status) VALUES ($1, $2, $3, $4)
     ON CONFLICT (shopify_product_id) DO UPDATE
     SET title = excluded.title, handle = excluded.handle, status = excluded.status,
         updated_at = now()
     RETURNING id::text`,
    [product.shopifyProductId, product.title, product.handle, product.status],
  );
  const productId = saved.rows[0]?.id ?? '';

  const skuByInventoryItem = new Map<string, string>();
  for (const variant of product.variants) {
    const skuId = await upsertVariant(tx, productId, product, variant);
    if (variant.inventoryItem !== null) {
      skuByInventoryItem.set(variant.inventoryItem.shopifyInventoryItemId, skuId);
    }
  }
  return skuByInventoryItem;
}

async function upsertVariant(
  tx: Tx,
  productId: string,
  product: CatalogueProduct,
  variant: CatalogueVariant,
): Promise<string> {
  const skuId = await skuForVariant(tx, product, variant);
  const allowsBackorder = variant.inventoryPolicy.toUpperCase() === 'CONTINUE';
  await tx.query('UPDATE skus SET allows_backorder = $2 WHERE id = $1 AND allows_backorder <> $2', [
    skuId,
    allowsBackorder,
  ]);

  let inventoryItemId: string | null = null;
  if (variant.inventoryItem !== null) {
    const item = await tx.query<{ id: string }>(
      `INSERT INTO inventory_items (shopify_inventory_item_id, sku_id, tracked) VALUES ($1, $2, $3)
       ON CONFLICT (shopify_inventory_item_id) DO UPDATE
       SET sku_id = excluded.sku_id, tracked = excluded.tracked
       RETURNING id::text`,
      [variant.inventoryItem.shopifyInventoryItemId, skuId, variant.inventoryItem.tracked],
    );
    inventoryItemId = item.rows[0]?.id ?? null;
    await flagSharedSku(tx, skuId, variant);
  }

  await tx.query(
    `INSERT INTO variants (shopify_variant_id, product_id, sku_id, inventory_item_id, title,
       raw_sku, inventory_policy)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (shopify_variant_id) DO UPDATE
     SET product_id = excluded.product_id, sku_id = excluded.sku_id,
         inventory_item_id = excluded.inventory_item_id, title = excluded.title,
         raw_sku = excluded.raw_sku, inventory_policy = excluded.inventory_policy,
         updated_at = now()`,
    [
      variant.shopifyVariantId,
      productId,
      skuId,
      inventoryItemId,
      variant.title,
      variant.rawSku ?? '',
      variant.inventoryPolicy,
    ],
  );
  return skuId;
}

/** Two inventory items on one SKU share its stock; a person must say whether that is right. */
async function flagSharedSku(tx: Tx, skuId: string, variant: CatalogueVariant): Promise<void> {
  const items = await tx.query<{ id: string }>(
    'SELECT shopify_inventory_item_id::text AS id FROM inventory_items WHERE sku_id = $1',
    [skuId],
  );
  if (items.rows.length < 2) {
    return;
  }
  await raiseException(tx, {
    kind: 'DUPLICATE_SKU',
    message:
      `SKU ${variant.rawSku ?? ''} is used by ${items.rows.length} variants, ` +
      'which share its stock',
    skuId,
    sourceKey: `catalogue:sku:${skuId}:items:${items.rows
      .map((row) => row.id)
      .sort()
      .join(',')}`,
    details: { shopifyInventoryItemIds: items.rows.map((row) => row.id) },
  });
}

/**
 * The SKU a variant stocks: by canonical code when it has one; otherwise the SKU it was mapped
 * to before (by variant id), or a new unnamed SKU flagged for a person to name.
 */
async function skuForVariant(
  tx: Tx,
  product: CatalogueProduct,
  variant: CatalogueVariant,
): Promise<string> {
  const title =
    variant.title && variant.title !== 'Default Title'
      ? `${product.title} - ${variant.title}`
      : product.title;
  const code = canonicalSkuCode(variant.rawSku);
  const unnamed = await tx.query<{ sku_id: string }>(
    `SELECT v.sku_id::text FROM variants v JOIN skus s ON s.id = v.sku_id
     WHERE v.shopify_variant_id = $1 AND s.code IS NULL`,
    [variant.shopifyVariantId],
  );
  const unnamedSkuId = unnamed.rows[0]?.sku_id;

  if (code !== null && unnamedSkuId !== undefined) {
    return nameSku(tx, unnamedSkuId, code, variant.rawSku ?? '');
  }

  if (code !== null) {
    const sku = await tx.query<{ id: string }>(
      `INSERT INTO skus (code, raw_code, title) VALUES ($1, $2, $3)
       ON CONFLICT (code) DO UPDATE SET title = excluded.title, updated_at = now()
       RETURNING id::text`,
      [code, variant.rawSku ?? '', title],
    );
    return sku.rows[0]?.id ?? '';
  }

  if (unnamedSkuId !== undefined) {
    return unnamedSkuId;
  }

  const created = await tx.query<{ id: string }>(
    `INSERT INTO skus (code, raw_code, title, needs_name) VALUES (NULL, $1, $2, true)
     RETURNING id::text`,
    [variant.rawSku ?? '', title],
  );
  const skuId = created.rows[0]?.id ?? '';
  await raiseException(tx, {
    kind: 'SKU_NEEDS_NAME',
    message: `Variant "${title}" has no SKU; it is stocked under an unnamed SKU until named`,
    skuId,
    sourceKey: `catalogue:variant:${variant.shopifyVariantId}:needs-name`,
    details: { shopifyVariantId: variant.shopifyVariantId, productTitle: product.title },
  });
  return skuId;
}

/**
 * A variant that had no SKU has been given one in the shop. Its unnamed SKU takes the code, so
 * its stock and history carry on under the name. If another SKU already has that code the two
 * are not merged (that would move stock between ledger keys): the variant stays on its unnamed
 * SKU and a person is asked to decide.
 */
async function nameSku(tx: Tx, skuId: string, code: string, rawCode: string): Promise<string> {
  const taken = await tx.query('SELECT 1 FROM skus WHERE code = $1', [code]);
  if (taken.rowCount !== 0) {
    await raiseException(tx, {
      kind: 'SKU_NEEDS_NAME',
      message: `The shop named this SKU ${code}, which another SKU already has; merge or rename`,
      skuId,
      sourceKey: `catalogue:sku:${skuId}:name-taken:${code}`,
      details: { code },
    });
    return skuId;
  }

  await tx.query(
    `UPDATE skus SET code = $2, raw_code = $3, needs_name = false, updated_at = now()
     WHERE id = $1`,
    [skuId, code, rawCode],
  );
  await tx.query(
    `UPDATE stock_exceptions SET status = 'resolved', resolved_at = now(), resolved_by = 'shopify',
       resolution_note = $2
     WHERE sku_id = $1 AND kind = 'SKU_NEEDS_NAME' AND status = 'open'`,
    [skuId, `named ${code} in the shop`],
  );
  return skuId;
}

export interface OpeningLevel {
  shopifyInventoryItemId: string;
  shopifyLocationId: string;
  available: number;
}

/**
 * Posts each level as an opening balance, once per inventory item and location. A negative
 * figure (the shop had oversold) cannot be stock on hand: it is left at 0 and raised.
 */
export async function postOpeningBalances(
  tx: Tx,
  levels: OpeningLevel[],
  occurredAt: Date,
): Promise<void> {
  const mapped = await tx.query<{
    item: string;
    location: string;
    sku_id: string;
    location_id: string;
  }>(
    `SELECT i.shopify_inventory_item_id::text AS item, l.shopify_location_id::text AS location,
            i.sku_id::text, l.id::text AS location_id
     FROM inventory_items i, locations l
     WHERE i.shopify_inventory_item_id = ANY($1::bigint[])
       AND l.shopify_location_id = ANY($2::bigint[])
       AND i.tracked`,
    [levels.map((level) => level.shopifyInventoryItemId), levels.map((l) => l.shopifyLocationId)],
  );
  const targets = new Map(mapped.rows.map((row) => [`${row.item}|${row.location}`, row]));

  const postings: Posting[] = [];
  for (const level of levels) {
    const target = targets.get(`${level.shopifyInventoryItemId}|${level.shopifyLocationId}`);
    if (target === undefined) {
      continue;
    }
    const sourceKey = `opening:shopify:${level.shopifyInventoryItemId}:${level.shopifyLocationId}`;
    if (level.available < 0) {
      await raiseException(tx, {
        kind: 'NEGATIVE_OPENING_BALANCE',
        message: `The shop reported ${level.available} available; opened at 0, count it`,
        skuId: target.sku_id,
        locationId: target.location_id,
        sourceKey,
        details: { available: level.available },
      });
      continue;
    }
    postings.push({
      kind: 'opening_balance',
      skuId: target.sku_id,
      locationId: target.location_id,
      onHandDelta: level.available,
      reservedDelta: 0,
      sourceKey,
      sourceType: 'shopify_import',
      sourceId: level.shopifyInventoryItemId,
      sourceLineId: level.shopifyLocationId,
      actor: 'shopify',
      occurredAt,
    });
  }
  await postMovements(tx, postings);
}
