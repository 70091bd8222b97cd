/**
 * Exceptions: things the system refused or could not decide, kept open until a person resolves
 * them. Each has a key derived from its source, so the same problem reported twice (a re-sent
 * webhook, a retried job) is one exception.
 */
import { publishMany } from '../platform/events.ts';
import type { Queryable, Tx } from '../platform/transaction.ts';

export const exceptionKinds = [
  'SHORT_RESERVATION',
  'INVENTORY_DRIFT',
  'UNKNOWN_RESTOCK_TYPE',
  'UNMAPPED_VARIANT',
  'SKU_NEEDS_NAME',
  'DUPLICATE_SKU',
  'SHIPMENT_EXCEEDS_STOCK',
  'RETURN_EXCEEDS_LINE',
  'NEGATIVE_OPENING_BALANCE',
  'SHOP_PUSH_REJECTED',
  'WEBHOOK_UNPROCESSABLE',
  'ACCOUNTING_DOCUMENT_FAILED',
  'ACCOUNTING_TOTAL_MISMATCH',
  'ACCOUNTING_PUSH_PARKED',
  'ACCOUNTING_CONNECTION_FAILED',
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
  const [id] = await raiseExceptions(tx, [exception]);
  return id ?? null;
}

/**
 * Raises many exceptions in one round trip, each at most once per source key; answers the ids
 * of those that are new.
 */
export async function raiseExceptions(tx: Tx, exceptions: RaiseException[]): Promise<string[]> {
  if (exceptions.length === 0) {
    return [];
  }

  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO stock_exceptions (kind, message, sku_id, location_id, order_id, details,
       source_key)
     SELECT kind, message, sku_id, location_id, order_id, details, source_key
     FROM jsonb_to_recordset($1::jsonb) AS e(kind text, message text, sku_id bigint,
       location_id bigint, order_id bigint, details jsonb, source_key text)
     ON CONFLICT (source_key) DO NOTHING
     RETURNING id::text`,
    [
      JSON.stringify(
        exceptions.map((exception) => ({
          kind: exception.kind,
          message: exception.message,
          sku_id: exception.skuId ?? null,
          location_id: exception.locationId ?? null,
          order_id: exception.orderId ?? null,
          details: exception.details ?? {},
          source_key: exception.sourceKey,
        })),
      ),
    ],
  );
  await publishMany(
    tx,
    inserted.rows.map((row) => ({
      topic: 'EXCEPTION_RAISED' as const,
      payload: { exceptionId: row.id },
    })),
  );
  return inserted.rows.map((row) => row.id);
}

export type ResolveOutcome = 'resolved' | 'not_found' | 'already_resolved';

export async function resolveException(
  db: Queryable,
  input: {
    exceptionId: string;
    actor: string;
    note: string | null;
    /** The audit record of the request that resolves it. */
    auditEventId?: string | null;
  },
): Promise<ResolveOutcome> {
  const updated = await db.query(
    `UPDATE stock_exceptions
     SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution_note = $3,
       resolved_audit_event_id = $4
     WHERE id::text = $1 AND status = 'open'`,
    [input.exceptionId, input.actor, input.note, input.auditEventId ?? null],
  );
  if (updated.rowCount === 1) {
    return 'resolved';
  }

  const found = await db.query('SELECT 1 FROM stock_exceptions WHERE id::text = $1', [
    input.exceptionId,
  ]);
  return found.rowCount === 0 ? 'not_found' : 'already_resolved';
}
