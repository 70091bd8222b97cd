/**
 * The stock ledger: every change to stock is a movement, appended with its balance change in
 * one database call (`ledger_post_many`), which locks the balance rows in a fixed order, refuses
 * what would take available below zero, and answers `exists` for a source key already posted.
 *
 * The ledger knows nothing of shops, orders or GraphQL. Whoever needs to react to a balance
 * change (the shop push, live subscribers) registers a listener that runs inside the same
 * transaction, so its jobs and notifications commit together with the movement.
 */
import type { Queryable, Tx } from '../platform/transaction.ts';

export const movementKinds = [
  'opening_balance',
  'receipt',
  'reservation',
  'release',
  'shipment',
  'return',
  'adjustment',
  'count',
  'transfer_out',
  'transfer_in',
] as const;
export type MovementKind = (typeof movementKinds)[number];

/**
 * Outcomes of one posting, a closed set checked in this order by the database: a key already
 * posted answers `exists` (or `exists_with_different_quantity`), then the reserved and available
 * rules refuse, otherwise the movement is `posted`.
 */
export type PostingOutcome =
  | 'posted'
  | 'exists'
  | 'exists_with_different_quantity'
  | 'insufficient_available'
  | 'reserved_below_zero';

export interface Posting {
  kind: MovementKind;
  skuId: string;
  locationId: string;
  /** Change to the units physically at the location. */
  onHandDelta: number;
  /** Change to the units promised to orders. */
  reservedDelta: number;
  /** Unique for the source event, e.g. `shopify:order:1:line:2:reservation`. */
  sourceKey: string;
  sourceType: string;
  sourceId?: string | null;
  sourceLineId?: string | null;
  orderId?: string | null;
  reason?: string | null;
  /** Who made it: `user:<id>`, `token:<id>`, `shopify`, `system`. */
  actor: string;
  /** When it happened at the source; the ledger also records when it was written. */
  occurredAt: Date;
}

export interface PostingResult {
  posting: Posting;
  outcome: PostingOutcome;
  movementId: string | null;
  /** The balance after the posting (or as it stands, when refused or already posted). */
  onHand: number;
  reserved: number;
}

export interface StockChange {
  skuId: string;
  locationId: string;
}

type StockChangeListener = (tx: Tx, changes: StockChange[]) => Promise<void>;
const stockChangeListeners = new Set<StockChangeListener>();

/** Registers work to do, in the same transaction, whenever balances change (once per function). */
export function onStockChanged(listener: StockChangeListener): void {
  stockChangeListeners.add(listener);
}

/**
 * Posts movements in one round trip and then runs the stock-change listeners for the balances
 * that moved. A refused posting leaves its balance untouched; the others still apply.
 */
export async function postMovements(tx: Tx, postings: Posting[]): Promise<PostingResult[]> {
  const moving = postings.filter(
    (posting) => posting.onHandDelta !== 0 || posting.reservedDelta !== 0,
  );
  if (moving.length === 0) {
    return [];
  }

  const rows = await tx.query<{
    ordinal: number;
    outcome: PostingOutcome;
    movement_id: string | null;
    on_hand: number;
    reserved: number;
  }>('SELECT * FROM ledger_post_many($1::jsonb)', [JSON.stringify(moving)]);

  const results = rows.rows.map((row) => ({
    posting: moving[row.ordinal] as Posting,
    outcome: row.outcome,
    movementId: row.movement_id,
    onHand: row.on_hand,
    reserved: row.reserved,
  }));

  await notifyStockChanged(tx, changedBalances(results));
  return results;
}

/** Posts one movement; see postMovements. */
export async function postMovement(tx: Tx, posting: Posting): Promise<PostingResult> {
  const [result] = await postMovements(tx, [posting]);
  if (result === undefined) {
    throw new Error(`posting ${posting.sourceKey} moves nothing`);
  }
  return result;
}

export async function notifyStockChanged(tx: Tx, changes: StockChange[]): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  for (const listener of stockChangeListeners) {
    await listener(tx, changes);
  }
}

function changedBalances(results: PostingResult[]): StockChange[] {
  const seen = new Map<string, StockChange>();
  for (const result of results) {
    if (result.outcome === 'posted') {
      const { skuId, locationId } = result.posting;
      seen.set(`${skuId}|${locationId}`, { skuId, locationId });
    }
  }
  return [...seen.values()];
}

export interface BalanceDifference {
  skuId: string;
  skuCode: string | null;
  locationId: string;
  locationName: string;
  onHandBalance: number;
  onHandMovements: number;
  reservedBalance: number;
  reservedMovements: number;
}

/** Recomputes every balance from the movements and lists each balance that disagrees. */
export async function verifyLedger(db: Queryable): Promise<{
  balancesChecked: number;
  movementsChecked: number;
  differences: BalanceDifference[];
}> {
  const totals = await db.query<{ balances: string; movements: string }>(
    `SELECT (SELECT count(*) FROM stock_balances) AS balances,
            (SELECT count(*) FROM stock_movements) AS movements`,
  );
  const differences = await db.query<BalanceDifference>(
    `WITH summed AS (
       SELECT sku_id, location_id, sum(on_hand_delta)::int AS on_hand,
              sum(reserved_delta)::int AS reserved
       FROM stock_movements GROUP BY sku_id, location_id)
     SELECT coalesce(b.sku_id, s.sku_id)::text AS "skuId", k.code AS "skuCode",
            coalesce(b.location_id, s.location_id)::text AS "locationId",
            l.name AS "locationName",
            coalesce(b.on_hand, 0) AS "onHandBalance", coalesce(s.on_hand, 0) AS "onHandMovements",
            coalesce(b.reserved, 0) AS "reservedBalance",
            coalesce(s.reserved, 0) AS "reservedMovements"
     FROM stock_balances b
     FULL JOIN summed s ON s.sku_id = b.sku_id AND s.location_id = b.location_id
     JOIN skus k ON k.id = coalesce(b.sku_id, s.sku_id)
     JOIN locations l ON l.id = coalesce(b.location_id, s.location_id)
     WHERE coalesce(b.on_hand, 0) <> coalesce(s.on_hand, 0)
        OR coalesce(b.reserved, 0) <> coalesce(s.reserved, 0)
     ORDER BY k.code, l.name`,
  );
  const counts = totals.rows[0];
  return {
    balancesChecked: Number(counts?.balances ?? 0),
    movementsChecked: Number(counts?.movements ?? 0),
    differences: differences.rows,
  };
}
