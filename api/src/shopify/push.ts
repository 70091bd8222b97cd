/**
 * Available stock pushed to the shop. A balance change marks the item and location dirty in
 * the same transaction and, if it was clean, queues the push job. The job sends the latest
 * figure for up to 250 dirty pairs per call, so a burst of changes to one item becomes one push
 * with the last value. Each quantity is compare-and-set against the last figure we know the shop
 * holds; a stale compare re-reads the shop and tries again with the fresh figure.
 *
 * Available (on hand less reserved), never on hand, is what the shop is told: pushing on hand
 * would re-open stock promised to open orders.
 */
import { createHash } from 'node:crypto';

import type { Task } from 'graphile-worker';
import type pg from 'pg';

import { raiseException } from '../ledger/exceptions.ts';
import { onStockChanged, type StockChange } from '../ledger/ledger.ts';
import { addJob } from '../platform/jobs.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction, type Tx } from '../platform/transaction.ts';
import type { ShopifyAdminClient } from './admin-client.ts';

export const pushAvailableTask = 'shopify.push_available';

const batchSizeMax = 250;
/** A short pause before pushing lets a burst of changes collapse into one push. */
const coalesceDelayMs = 200;
const staleRetriesMax = 5;

/** Marks changed balances dirty for the shop and queues a push, in the ledger's transaction. */
export function registerStockPush(): void {
  onStockChanged(markDirty);
}

async function markDirty(tx: Tx, changes: StockChange[]): Promise<void> {
  const newlyDirty = await tx.query<{ count: number }>(
    `WITH changed AS (
       SELECT p.inventory_item_id, p.location_id, p.dirty
       FROM shopify_push_state p
       JOIN inventory_items i ON i.id = p.inventory_item_id
       JOIN unnest($1::bigint[], $2::bigint[]) AS c(sku_id, location_id)
         ON c.sku_id = i.sku_id AND c.location_id = p.location_id
       ORDER BY p.inventory_item_id, p.location_id
       FOR UPDATE OF p),
     marked AS (
       UPDATE shopify_push_state p SET dirty = true, version = p.version + 1, changed_at = now()
       FROM changed c
       WHERE p.inventory_item_id = c.inventory_item_id AND p.location_id = c.location_id)
     SELECT count(*)::int AS count FROM changed WHERE NOT dirty`,
    [changes.map((change) => change.skuId), changes.map((change) => change.locationId)],
  );

  if ((newlyDirty.rows[0]?.count ?? 0) > 0) {
    await addJob(
      tx,
      pushAvailableTask,
      {},
      {
        jobKey: 'shopify-push-available',
        jobKeyMode: 'preserve_run_at',
        runAfterMs: coalesceDelayMs,
      },
    );
  }
}

/**
 * Queues the push job when figures have waited dirty for a while with no job on them: a job
 * that gave up (the shop throttled it past its retries) or a wake-up lost in the queue.
 */
export async function sweepStockPush(pool: pg.Pool): Promise<void> {
  const waiting = await pool.query(
    `SELECT 1 FROM shopify_push_state WHERE dirty AND changed_at < now() - interval '10 seconds'
     LIMIT 1`,
  );
  if (waiting.rowCount === 0) {
    return;
  }
  await addJob(
    pool,
    pushAvailableTask,
    {},
    {
      jobKey: 'shopify-push-available',
      jobKeyMode: 'preserve_run_at',
    },
  );
}

/** Makes sure every tracked inventory item has a push row for every shop location. */
export async function ensurePushState(tx: Tx | pg.Pool): Promise<void> {
  await tx.query(
    `INSERT INTO shopify_push_state (inventory_item_id, location_id)
     SELECT i.id, l.id FROM inventory_items i CROSS JOIN locations l
     WHERE i.tracked AND l.shopify_location_id IS NOT NULL
     ON CONFLICT DO NOTHING`,
  );
}

/*
 * Known shortcoming: when two inventory items map to one SKU (two variants with the same SKU
 * text, which is one physical item), each item is told the SKU's whole available figure, so
 * the shop could sell it twice over. Splitting it needs a rule for which variant gets which
 * units (or moving the duplicate variant to its own SKU); the catalogue raises a DUPLICATE_SKU
 * exception so that a person sees it.
 */
interface DirtyRow {
  inventory_item_id: string;
  sku_id: string;
  location_id: string;
  version: string;
  shop_available: number | null;
  available: number;
  item_gid: string;
  location_gid: string;
}

export function pushAvailableTaskHandler(
  pool: pg.Pool,
  client: ShopifyAdminClient,
  logger: Logger,
): Task {
  return async () => {
    let staleRetries = 0;
    for (;;) {
      const dirty = await loadDirty(pool);
      if (dirty.length === 0) {
        return;
      }

      const outcome = await pushBatch(pool, client, logger, dirty);
      if (outcome === 'stale') {
        staleRetries += 1;
        if (staleRetries > staleRetriesMax) {
          // The rows stay dirty: the next change, or the sweeper, tries them again later.
          logger.warn({ staleRetries }, 'the shop kept changing under the push; trying later');
          return;
        }
      }
    }
  };
}

async function loadDirty(pool: pg.Pool): Promise<DirtyRow[]> {
  const rows = await pool.query<DirtyRow>(
    `SELECT p.inventory_item_id::text, i.sku_id::text, p.location_id::text, p.version::text,
       p.shop_available,
       coalesce(b.available, 0) AS available,
       'gid://shopify/InventoryItem/' || i.shopify_inventory_item_id AS item_gid,
       'gid://shopify/Location/' || l.shopify_location_id AS location_gid
     FROM shopify_push_state p
     JOIN inventory_items i ON i.id = p.inventory_item_id
     JOIN locations l ON l.id = p.location_id
     LEFT JOIN stock_balances b ON b.sku_id = i.sku_id AND b.location_id = p.location_id
     WHERE p.dirty
     ORDER BY p.changed_at
     LIMIT ${batchSizeMax}`,
  );
  return rows.rows;
}

async function pushBatch(
  pool: pg.Pool,
  client: ShopifyAdminClient,
  logger: Logger,
  dirty: DirtyRow[],
): Promise<'applied' | 'stale' | 'rejected'> {
  const toSend = dirty.filter((row) => row.shop_available !== row.available);
  if (toSend.length === 0) {
    await markPushed(pool, dirty, new Map());
    return 'applied';
  }

  // The key and the reference derive from the exact figures sent, so a retry of the same call
  // (after a timeout) is recognised by the shop, and a call with new figures never is.
  const key = idempotencyKey(toSend);
  const outcome = await client.setAvailable({
    quantities: toSend.map((row) => ({
      inventoryItemGid: row.item_gid,
      locationGid: row.location_gid,
      quantity: row.available,
      changeFromQuantity: row.shop_available,
    })),
    idempotencyKey: key,
    referenceDocumentUri: `quartermaster://stock-push/${key}`,
  });

  if (outcome.kind === 'applied') {
    const pushed = new Map(toSend.map((row) => [pairKey(row), row.available]));
    await markPushed(pool, dirty, pushed);
    logger.info({ pairs: toSend.length }, 'available stock pushed to shop');
    return 'applied';
  }

  if (outcome.kind === 'stale') {
    // Someone else changed the shop's figure: learn it and push again from there.
    const current = await client.fetchAvailable(
      toSend.map((row) => ({ inventoryItemGid: row.item_gid, locationGid: row.location_gid })),
    );
    for (const row of toSend) {
      const shopAvailable = current.get(`${row.item_gid}|${row.location_gid}`);
      await pool.query(
        `UPDATE shopify_push_state SET shop_available = $3
         WHERE inventory_item_id = $1 AND location_id = $2`,
        [row.inventory_item_id, row.location_id, shopAvailable ?? null],
      );
    }
    // Usual after an order: the shop commits the units itself before telling us.
    logger.debug({ pairs: toSend.length }, 'shop figure was stale; re-read and retrying');
    return 'stale';
  }

  await withTransaction(pool, async (tx) => {
    for (const row of toSend) {
      await raiseException(tx, {
        kind: 'SHOP_PUSH_REJECTED',
        message: `The shop refused available ${row.available}: ${outcome.userErrors
          .map((error) => error.message)
          .join('; ')}`,
        skuId: row.sku_id,
        locationId: row.location_id,
        sourceKey: `shopify:push:${row.inventory_item_id}:${row.location_id}:${row.version}`,
        details: { userErrors: outcome.userErrors, inventoryItem: row.item_gid },
      });
    }
  });
  // Nothing more can be done for these figures until they change again; clear them so the
  // job does not spin on them.
  await markPushed(pool, toSend, new Map());
  logger.warn({ userErrors: outcome.userErrors }, 'shop rejected a stock push');
  return 'rejected';
}

/**
 * Clears dirty where nothing changed since it was read, and records what the shop now holds.
 * The rows are locked first in (item, location) order, the order in which order processing
 * marks them dirty, so that the two can never deadlock.
 */
async function markPushed(pool: pg.Pool, rows: DirtyRow[], pushed: Map<string, number>) {
  await pool.query(
    `WITH r AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(item bigint, location bigint,
         version bigint, pushed int)),
     locked AS (
       SELECT p.inventory_item_id, p.location_id FROM shopify_push_state p
       JOIN r ON p.inventory_item_id = r.item AND p.location_id = r.location
       ORDER BY p.inventory_item_id, p.location_id
       FOR UPDATE OF p)
     UPDATE shopify_push_state p
     SET dirty = p.version <> r.version, shop_available = coalesce(r.pushed, p.shop_available),
         pushed_at = CASE WHEN r.pushed IS NULL THEN p.pushed_at ELSE now() END
     FROM r JOIN locked l ON l.inventory_item_id = r.item AND l.location_id = r.location
     WHERE p.inventory_item_id = r.item AND p.location_id = r.location`,
    [
      JSON.stringify(
        rows.map((row) => ({
          item: row.inventory_item_id,
          location: row.location_id,
          version: row.version,
          pushed: pushed.get(pairKey(row)) ?? null,
        })),
      ),
    ],
  );
}

function pairKey(row: DirtyRow): string {
  return `${row.inventory_item_id}|${row.location_id}`;
}

/** The same batch of figures always gets the same key, so a retried call applies once. */
function idempotencyKey(rows: DirtyRow[]): string {
  const content = rows
    .map((row) => `${pairKey(row)}@${row.version}:${row.shop_available ?? 'any'}->${row.available}`)
    .join(',');
  return `qm-push-${createHash('sha256').update(content).digest('hex').slice(0, 40)}`;
}
