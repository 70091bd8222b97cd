/**
 * What a finished sale left behind, read from the database and the simulator: how the lines
 * were allocated, whether anything was oversold, whether the ledger still adds up, what the
 * shop was told, and how the worker grouped deliveries into batches.
 *
 * Leaves out: anything about speed (the scenario measures that while it runs) and any repair;
 * a figure that is wrong is reported, never corrected.
 */
import { verifyLedger } from '../ledger/ledger.ts';
import type { SetQuantityCall, ShopifySimulator } from '../shopify/simulator/server.ts';
import type { Queryable } from '../platform/transaction.ts';
import { percentile, round, summariseLatencies, type LatencySummary } from './statistics.ts';

export interface AllocationFigures {
  linesReserved: number;
  linesShort: number;
  /** Lines neither reserved nor short once every delivery was processed: should be 0. */
  linesOther: number;
  unitsReserved: number;
  /** Sum over balances without backorder of max(0, reserved - on hand). */
  oversoldByBalanceUnits: number;
  /** Sum over balances of max(0, units the order lines hold - on hand). */
  oversoldByLinesUnits: number;
  oversoldUnits: number;
  /** Balances whose reserved differs from what the order lines say they hold. */
  linesBalanceMismatches: number;
  deliveriesFailed: number;
}

export interface LedgerFigures {
  isClean: boolean;
  differences: number;
  balancesChecked: number;
  movementsChecked: number;
}

export interface PushFigures {
  /** inventorySetQuantities calls the simulator received during the sale. */
  calls: number;
  /** Quantities (item and location pairs) in those calls. */
  quantities: number;
  callsApplied: number;
  /** Pairs where the shop's available differs from the ledger's once everything settled. */
  shopMismatches: number;
}

export interface BatchFigures {
  /** Transactions that processed orders/create deliveries (grouped by processed_at). */
  batches: number;
  sizeP50: number;
  sizeMax: number;
  sizeMean: number;
}

export interface FailedJobFigures {
  /** Jobs that used up their attempts: they stay queued and never run again. */
  count: number;
  /** Their distinct last errors with the task, a few at most. */
  lastErrors: string[];
}

export async function readAllocation(db: Queryable): Promise<AllocationFigures> {
  const lines = await db.query<{ reserved: number; short: number; other: number; units: number }>(
    `SELECT count(*) FILTER (WHERE allocation_state = 'reserved')::int AS reserved,
       count(*) FILTER (WHERE allocation_state = 'short')::int AS short,
       count(*) FILTER (WHERE allocation_state NOT IN ('reserved', 'short'))::int AS other,
       coalesce(sum(reserved_quantity), 0)::int AS units
     FROM order_lines`,
  );
  const oversold = await db.query<{ by_balance: number; by_lines: number; mismatches: number }>(
    `WITH held AS (
       SELECT sku_id, location_id, sum(reserved_quantity)::int AS reserved
       FROM order_lines WHERE location_id IS NOT NULL AND sku_id IS NOT NULL
       GROUP BY sku_id, location_id)
     SELECT coalesce(sum(greatest(0, b.reserved - b.on_hand))
              FILTER (WHERE NOT b.allows_backorder), 0)::int AS by_balance,
       coalesce(sum(greatest(0, coalesce(h.reserved, 0) - b.on_hand)), 0)::int AS by_lines,
       count(*) FILTER (WHERE coalesce(h.reserved, 0) <> b.reserved)::int AS mismatches
     FROM stock_balances b LEFT JOIN held h USING (sku_id, location_id)`,
  );
  const failed = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM webhook_deliveries WHERE status = 'failed'`,
  );

  const lineRow = lines.rows[0];
  const oversoldRow = oversold.rows[0];
  const byBalance = oversoldRow?.by_balance ?? 0;
  const byLines = oversoldRow?.by_lines ?? 0;
  return {
    linesReserved: lineRow?.reserved ?? 0,
    linesShort: lineRow?.short ?? 0,
    linesOther: lineRow?.other ?? 0,
    unitsReserved: lineRow?.units ?? 0,
    oversoldByBalanceUnits: byBalance,
    oversoldByLinesUnits: byLines,
    oversoldUnits: byBalance + byLines,
    linesBalanceMismatches: oversoldRow?.mismatches ?? 0,
    deliveriesFailed: failed.rows[0]?.count ?? 0,
  };
}

export async function readLedger(db: Queryable): Promise<LedgerFigures> {
  const verified = await verifyLedger(db);
  return {
    isClean: verified.differences.length === 0,
    differences: verified.differences.length,
    balancesChecked: verified.balancesChecked,
    movementsChecked: verified.movementsChecked,
  };
}

/** The pushes among `calls` (those received during the sale) and the shop's final figures. */
export async function readPushes(
  db: Queryable,
  simulator: ShopifySimulator,
  calls: readonly SetQuantityCall[],
): Promise<PushFigures> {
  const pairs = await db.query<{ item_gid: string; location_gid: string; available: number }>(
    `SELECT 'gid://shopify/InventoryItem/' || i.shopify_inventory_item_id AS item_gid,
       'gid://shopify/Location/' || l.shopify_location_id AS location_gid, b.available
     FROM shopify_push_state p
     JOIN inventory_items i ON i.id = p.inventory_item_id
     JOIN locations l ON l.id = p.location_id
     JOIN stock_balances b ON b.sku_id = i.sku_id AND b.location_id = l.id`,
  );
  const shopMismatches = pairs.rows.filter(
    (pair) => simulator.available(pair.item_gid, pair.location_gid) !== pair.available,
  ).length;

  return {
    calls: calls.length,
    quantities: calls.reduce((sum, call) => sum + quantitiesIn(call), 0),
    callsApplied: calls.filter((call) => call.outcome === 'applied').length,
    shopMismatches,
  };
}

/**
 * From a delivery being stored to its processing transaction starting (both database clocks),
 * over every processed orders/create delivery: a missed wake-up shows here as seconds.
 */
export async function readProcessingLag(db: Queryable): Promise<LatencySummary> {
  const found = await db.query<{ lag_ms: number }>(
    `SELECT (extract(epoch FROM processed_at - received_at) * 1000)::float8 AS lag_ms
     FROM webhook_deliveries WHERE topic = 'orders/create' AND processed_at IS NOT NULL`,
  );
  return summariseLatencies(found.rows.map((row) => row.lag_ms));
}

export async function readBatches(db: Queryable): Promise<BatchFigures> {
  // processed_at is now() of the processing transaction, shared by every delivery in it.
  const found = await db.query<{ size: number }>(
    `SELECT count(*)::int AS size FROM webhook_deliveries
     WHERE topic = 'orders/create' AND processed_at IS NOT NULL
     GROUP BY processed_at ORDER BY size`,
  );
  const sizes = found.rows.map((row) => row.size);
  const total = sizes.reduce((sum, size) => sum + size, 0);

  return {
    batches: sizes.length,
    sizeP50: percentile(sizes, 0.5),
    sizeMax: sizes.at(-1) ?? 0,
    sizeMean: sizes.length === 0 ? 0 : round(total / sizes.length, 1),
  };
}

export async function readFailedJobs(db: Queryable): Promise<FailedJobFigures> {
  const found = await db.query<{ count: number; errors: string[] | null }>(
    `SELECT count(*)::int AS count,
       (array_agg(DISTINCT task_identifier || ': ' || left(last_error, 120)))[1:3] AS errors
     FROM graphile_worker.jobs WHERE attempts >= max_attempts AND locked_at IS NULL`,
  );
  const row = found.rows[0];
  return { count: row?.count ?? 0, lastErrors: row?.errors ?? [] };
}

function quantitiesIn(call: SetQuantityCall): number {
  const input = call.input;
  if (typeof input !== 'object' || input === null || !('quantities' in input)) {
    return 0;
  }
  return Array.isArray(input.quantities) ? input.quantities.length : 0;
}
