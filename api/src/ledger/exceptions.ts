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
  'CANCEL_EXCEEDS_LINE',
  'NEGATIVE_OPENING_BALANCE',
  'SHOP_PUSH_REJECTED',
  'WEBHOOK_UNPROCESSABLE',
  'ACCOUNTING_DOCUMENT_FAILED',
  'ACCOUNTING_TOTAL_MISMATCH',
  'ACCOUNTING_PUSH_PARKED',
  'ACCOUNTING_CONNECTION_FAILED',
  'ACCOUNTING_CREDIT_UNAPPLIED',
  'ACCOUNTING_INVOICE_TO_VOID',
] as const;
export type ExceptionKind = (typeof exceptionKinds)[number];

/**
 * Whose work an exception is: the warehouse's (stock, orders, the shop) or finance's (invoices
 * and credit notes). Accounting exceptions name totals, invoice numbers and account codes, so
 * who may read and resolve each area is a rule of the access policy (exceptionAreaRules).
 */
export type ExceptionArea = 'stock' | 'accounting';

export const accountingExceptionKinds: readonly ExceptionKind[] = [
  'ACCOUNTING_DOCUMENT_FAILED',
  'ACCOUNTING_TOTAL_MISMATCH',
  'ACCOUNTING_PUSH_PARKED',
  'ACCOUNTING_CONNECTION_FAILED',
  'ACCOUNTING_CREDIT_UNAPPLIED',
  'ACCOUNTING_INVOICE_TO_VOID',
];

export function areaOfKind(kind: string): ExceptionArea {
  return (accountingExceptionKinds as readonly string[]).includes(kind) ? 'accounting' : 'stock';
}

/** The kinds of the areas given. */
export function kindsOfAreas(areas: readonly ExceptionArea[]): ExceptionKind[] {
  return exceptionKinds.filter((kind) => areas.includes(areaOfKind(kind)));
}

/** Who resolved an exception the system itself found settled, in `resolved_by`. */
export const systemActor = 'system';

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

  const inserted = await tx.query<{ id: string; kind: ExceptionKind }>(
    `INSERT INTO stock_exceptions (kind, message, sku_id, location_id, order_id, details,
       source_key)
     SELECT kind, message, sku_id, location_id, order_id, details, source_key
     FROM jsonb_to_recordset($1::jsonb) AS e(kind text, message text, sku_id bigint,
       location_id bigint, order_id bigint, details jsonb, source_key text)
     ON CONFLICT (source_key) DO NOTHING
     RETURNING id::text, kind`,
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
      payload: { exceptionId: row.id, kind: row.kind },
    })),
  );
  return inserted.rows.map((row) => row.id);
}

export type ResolveOutcome = 'resolved' | 'not_found' | 'already_resolved' | 'forbidden';

/**
 * Resolves an open exception for a person, if its kind is among those they may resolve. One
 * they may not resolve is answered `forbidden` whether open or not, so its state is not told.
 */
export async function resolveException(
  db: Queryable,
  input: {
    exceptionId: string;
    actor: string;
    note: string | null;
    /** The kinds the caller may resolve (see exceptionAreaRules in the access policy). */
    resolvableKinds: readonly string[];
    /** The audit record of the request that resolves it. */
    auditEventId?: string | null;
  },
): Promise<ResolveOutcome> {
  const updated = await db.query(
    `UPDATE stock_exceptions
     SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution_note = $3,
       resolved_audit_event_id = $4
     WHERE id::text = $1 AND status = 'open' AND kind = ANY($5::text[])`,
    [input.exceptionId, input.actor, input.note, input.auditEventId ?? null, input.resolvableKinds],
  );
  if (updated.rowCount === 1) {
    return 'resolved';
  }

  const found = await db.query<{ kind: string }>(
    'SELECT kind FROM stock_exceptions WHERE id::text = $1',
    [input.exceptionId],
  );
  const kind = found.rows[0]?.kind;
  if (kind === undefined) {
    return 'not_found';
  }
  return input.resolvableKinds.includes(kind) ? 'already_resolved' : 'forbidden';
}

/**
 * Resolves, as the system, the open exceptions saying a document could not be made, pushed or
 * applied, once it has been, or that it may be on the platform, once the platform answered:
 * nobody has anything left to do about them. What stays true after a push (a total that
 * differs on the platform, an invoice to void there) stays open.
 */
export async function resolveDocumentFailures(
  tx: Tx,
  documentId: string,
  note: string,
): Promise<number> {
  const resolved = await tx.query(
    `UPDATE stock_exceptions
     SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution_note = $3
     WHERE status = 'open' AND kind = 'ACCOUNTING_DOCUMENT_FAILED'
       AND details->>'documentId' = $1
       AND source_key ~ ('^accounting:document:' || $1 ||
         ':(failed|refused|allocation-refused|maybe-on-platform):')`,
    [documentId, systemActor, note],
  );
  return resolved.rowCount ?? 0;
}

/**
 * Resolves, as the system, the open exceptions saying a platform took no calls or could not
 * be reached with the configured connection, once a call to it succeeded.
 */
export async function resolvePlatformFailures(
  tx: Tx,
  platform: string,
  note: string,
): Promise<number> {
  const resolved = await tx.query(
    `UPDATE stock_exceptions
     SET status = 'resolved', resolved_at = now(), resolved_by = $2, resolution_note = $3
     WHERE status = 'open' AND kind IN ('ACCOUNTING_PUSH_PARKED', 'ACCOUNTING_CONNECTION_FAILED')
       AND details->>'platform' = $1`,
    [platform, systemActor, note],
  );
  return resolved.rowCount ?? 0;
}
