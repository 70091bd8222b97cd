/**
 * Exceptions: things the system refused or could not decide, kept open until a person resolves
 * them. Each has a key derived from its source, so the same problem reported twice (a re-sent
 * webhook, a retried job) is one exception.
 */
import { publish } from '../platform/events.ts';
import type { Queryable, Tx } from '../platform/transaction.ts';

export const exceptionKinds = [
  'SHORT_RESERVATION',
  'INVENTORY_DRIFT',
  'UNKNOWN_RESTOCK_TYPE',
  'UNMAPPED_VARIANT',
  'SKU_NEEDS_NAME',
  'SHIPMENT_EXCEEDS_STOCK',
  'NEGATIVE_OPENING_BALANCE',
  'SHOP_PUSH_REJECTED',
  'RETURN_REFUSED',
] as const;
export type ExceptionKind = (typeof exceptionKinds)[number];

export interface RaiseException {
  kind: ExceptionKind;
  message: string;
  sourceKey: string;
  skuId?: string | null;
  locationId?: string | null;
  orderId?: string | null;
  details?: Record<string, unknown>;
}

/** Raises an exception once per source key; answers its id, or null when it already existed. */
export async function raiseException(tx: Tx, exception: RaiseException): Promise<string | null> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO stock_exceptions (kind, message, sku_id, location_id, order_id, details, source_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (source_key) DO NOTHING
     RETURNING id::text`,
    [
      exception.kind,
      exception.message,
      exception.skuId ?? null,
      exception.locationId ?? null,
      exception.orderId ?? null,
      JSON.stringify(exception.details ?? {}),
      exception.sourceKey,
    ],
  );

  const id = inserted.rows[0]?.id ?? null;
  if (id !== null) {
    await publish(tx, 'EXCEPTION_RAISED', { exceptionId: id });
  }
  return id;
}

export type ResolveOutcome = 'resolved' | 'not_found' | 'already_resolved';

export async function resolveException(
  db: Queryable,
  input: { exceptionId: string; actor: string; note: string | null },
): Promise<ResolveOutcome> {
  const updated = await db.query(
    `UPDATE stock_exceptions
     SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution_note = $3
     WHERE id::text = $1 AND status = 'open'`,
    [input.exceptionId, input.actor, input.note],
  );
  if (updated.rowCount === 1) {
    return 'resolved';
  }

  const found = await db.query('SELECT 1 FROM stock_exceptions WHERE id::text = $1', [
    input.exceptionId,
  ]);
  return found.rowCount === 0 ? 'not_found' : 'already_resolved';
}
