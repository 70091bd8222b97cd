/**
 * Stock operations a person makes: receiving, adjusting with a reason, transferring between
 * locations and recording a count. Each checks its input, posts through the ledger in one
 * transaction and answers errors with a field and a stable code rather than throwing.
 *
 * A request may carry a client-made request id; the source keys derive from it, so a retried
 * request (a double tap on a scanner) answers the first result instead of moving stock twice,
 * and the same id used for a different change is refused.
 */
import { randomUUID } from 'node:crypto';

import type pg from 'pg';

import { withTransaction, type Tx } from '../platform/transaction.ts';
import { postMovements, type MovementKind, type Posting, type PostingResult } from './ledger.ts';

export const stockErrorCodes = [
  'SKU_NOT_FOUND',
  'LOCATION_NOT_FOUND',
  'INVALID_QUANTITY',
  'REASON_REQUIRED',
  'REASON_CONTRADICTS_CHANGE',
  'SAME_LOCATION',
  'INSUFFICIENT_AVAILABLE',
  'COUNT_BELOW_RESERVED',
  'REQUEST_REUSED',
  'TOO_LONG',
] as const;
export type StockErrorCode = (typeof stockErrorCodes)[number];

export interface StockError {
  field: string;
  code: StockErrorCode;
  message: string;
}

export interface StockOperationResult {
  movementIds: string[];
  errors: StockError[];
}

/**
 * The most units one operation may move or count. Far above any real delivery or shelf, and
 * far below what PostgreSQL's integer or the shop's own limit (1,000,000,000) would refuse.
 */
export const quantityMax = 1_000_000;
const requestIdLengthMax = 100;
const noteLengthMax = 500;
const skuLengthMax = 100;

/** Reason codes for adjustments; a count has its own movement kind. */
export const adjustmentReasons = [
  'DAMAGED',
  'LOST',
  'FOUND',
  'THEFT',
  'EXPIRED',
  'SAMPLE',
  'CORRECTION',
] as const;
export type AdjustmentReason = (typeof adjustmentReasons)[number];

/** Which way each reason moves stock; a correction may go either way. */
const reasonDirection: Record<AdjustmentReason, 'in' | 'out' | 'either'> = {
  DAMAGED: 'out',
  LOST: 'out',
  THEFT: 'out',
  EXPIRED: 'out',
  SAMPLE: 'out',
  FOUND: 'in',
  CORRECTION: 'either',
};

interface Target {
  skuId: string;
  locationId: string;
}

export interface StockRequestContext {
  actor: string;
  /** The audit record of the request; every movement posted points to it. */
  auditEventId?: string | null;
  requestId?: string | null;
  note?: string | null;
}

export async function receiveStock(
  pool: pg.Pool,
  input: { sku: string; locationId: string; quantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  const invalid =
    checkRequest(input.sku, context) ?? checkQuantity('quantity', input.quantity, 'received');
  if (invalid !== null) {
    return invalid;
  }

  return inTransaction(pool, context, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const posting = userPosting('receipt', target, context, 'request', input.quantity);
    return answer(await postMovements(tx, [posting]), 'quantity');
  });
}

export async function adjustStock(
  pool: pg.Pool,
  input: { sku: string; locationId: string; quantityChange: number; reason: AdjustmentReason },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  const invalid =
    checkRequest(input.sku, context) ??
    checkQuantity('quantityChange', Math.abs(input.quantityChange), 'changed') ??
    checkReason(input.reason, input.quantityChange);
  if (invalid !== null) {
    return invalid;
  }

  return inTransaction(pool, context, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const posting = userPosting('adjustment', target, context, 'request', input.quantityChange);
    posting.reason = context.note ? `${input.reason}: ${context.note}` : input.reason;
    return answer(await postMovements(tx, [posting]), 'quantityChange');
  });
}

export async function transferStock(
  pool: pg.Pool,
  input: { sku: string; fromLocationId: string; toLocationId: string; quantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  const invalid =
    checkRequest(input.sku, context) ?? checkQuantity('quantity', input.quantity, 'moved');
  if (invalid !== null) {
    return invalid;
  }
  if (input.fromLocationId === input.toLocationId) {
    return refused('toLocationId', 'SAME_LOCATION', 'Transfer to a different location');
  }

  const request = { ...context, requestId: context.requestId || randomUUID() };
  try {
    return await inTransaction(pool, context, async (tx) => {
      const from = await resolveTarget(tx, input.sku, input.fromLocationId, 'fromLocationId');
      if ('errors' in from) {
        return from;
      }
      const to = await resolveTarget(tx, input.sku, input.toLocationId, 'toLocationId');
      if ('errors' in to) {
        return to;
      }

      const out = userPosting('transfer_out', from, request, 'request', -input.quantity);
      const into = userPosting('transfer_in', to, request, 'request-arrival', input.quantity);
      const results = await postMovements(tx, [out, into]);
      const outcome = answer(results, 'quantity');
      if (outcome.errors.length > 0) {
        // Both legs or neither: a refusal of either undoes the other.
        throw new TransferRefused(outcome);
      }
      return outcome;
    });
  } catch (error) {
    if (error instanceof TransferRefused) {
      return error.outcome;
    }
    throw error;
  }
}

class TransferRefused extends Error {
  constructor(readonly outcome: StockOperationResult) {
    super('transfer refused');
  }
}

/**
 * Records a physical count: on hand becomes the counted quantity, by a movement of the gap. A
 * count below what is reserved for orders is refused with its own code: those orders must be
 * released or marked short first, since available may not go below zero.
 */
export async function recordCount(
  pool: pg.Pool,
  input: { sku: string; locationId: string; countedQuantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  const invalid = checkRequest(input.sku, context);
  if (invalid !== null) {
    return invalid;
  }
  const counted = input.countedQuantity;
  if (!Number.isSafeInteger(counted) || counted < 0 || counted > quantityMax) {
    const message = `Count must be a whole number from 0 to ${quantityMax}`;
    return refused('countedQuantity', 'INVALID_QUANTITY', message);
  }

  return inTransaction(pool, context, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const current = await lockBalance(tx, target);
    if (counted < current.reserved) {
      return refused(
        'countedQuantity',
        'COUNT_BELOW_RESERVED',
        `Counted ${counted} but ${current.reserved} are reserved for orders; ` +
          'release or mark short those orders first',
      );
    }
    const gap = counted - current.onHand;
    if (gap === 0) {
      return { movementIds: [], errors: [] };
    }

    const posting = userPosting('count', target, context, 'request', gap);
    posting.reason = context.note ? `counted ${counted}: ${context.note}` : `counted ${counted}`;
    return answer(await postMovements(tx, [posting]), 'countedQuantity');
  });
}

async function lockBalance(tx: Tx, target: Target): Promise<{ onHand: number; reserved: number }> {
  const current = await tx.query<{ on_hand: number; reserved: number }>(
    `INSERT INTO stock_balances AS b (sku_id, location_id, allows_backorder)
       SELECT $1, $2, allows_backorder FROM skus WHERE id = $1
     ON CONFLICT (sku_id, location_id) DO UPDATE SET updated_at = b.updated_at
     RETURNING on_hand, reserved`,
    [target.skuId, target.locationId],
  );
  const row = current.rows[0];
  return { onHand: row?.on_hand ?? 0, reserved: row?.reserved ?? 0 };
}

async function resolveTarget(
  tx: Tx,
  sku: string,
  locationId: string,
  locationField = 'locationId',
): Promise<Target | StockOperationResult> {
  const code = canonicalSkuCode(sku);
  const found = await tx.query<{ sku_id: string | null; location_id: string | null }>(
    `SELECT (SELECT id::text FROM skus WHERE code = $1) AS sku_id,
            (SELECT id::text FROM locations WHERE id::text = $2) AS location_id`,
    [code, locationId.replaceAll('\0', '')],
  );
  const row = found.rows[0];
  if (row?.sku_id == null) {
    return refused('sku', 'SKU_NOT_FOUND', `No SKU ${JSON.stringify(code ?? sku)}`);
  }
  if (row.location_id == null) {
    return refused(locationField, 'LOCATION_NOT_FOUND', `No location with id ${locationId}`);
  }
  return { skuId: row.sku_id, locationId: row.location_id };
}

function checkRequest(sku: string, context: StockRequestContext): StockOperationResult | null {
  if (sku.length > skuLengthMax) {
    return refused('sku', 'TOO_LONG', `SKU is longer than ${skuLengthMax} characters`);
  }
  if ((context.requestId ?? '').length > requestIdLengthMax) {
    const message = `Request id is longer than ${requestIdLengthMax} characters`;
    return refused('requestId', 'TOO_LONG', message);
  }
  if ((context.note ?? '').length > noteLengthMax) {
    return refused('note', 'TOO_LONG', `Note is longer than ${noteLengthMax} characters`);
  }
  return null;
}

function checkQuantity(field: string, quantity: number, verb: string): StockOperationResult | null {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > quantityMax) {
    const message = `Quantity ${verb} must be a whole number from 1 to ${quantityMax}`;
    return refused(field, 'INVALID_QUANTITY', message);
  }
  return null;
}

function checkReason(reason: AdjustmentReason, change: number): StockOperationResult | null {
  const direction = reasonDirection[reason];
  if (direction === undefined) {
    const message = `Reason must be one of ${adjustmentReasons.join(', ')}`;
    return refused('reason', 'REASON_REQUIRED', message);
  }
  if ((direction === 'out' && change > 0) || (direction === 'in' && change < 0)) {
    const way = direction === 'out' ? 'removes' : 'adds';
    const sign = direction === 'out' ? 'negative' : 'positive';
    const message = `${reason} ${way} stock; use a ${sign} change or CORRECTION`;
    return refused('quantityChange', 'REASON_CONTRADICTS_CHANGE', message);
  }
  return null;
}

/**
 * A movement made by a person. Its key is the request id (not the kind of operation), so the
 * same id reused for a different change is recognised and refused; a transfer's arrival has a
 * key of its own under another prefix, so no request id can collide with it.
 */
function userPosting(
  kind: MovementKind,
  target: Target,
  context: StockRequestContext,
  keyPrefix: 'request' | 'request-arrival',
  onHandDelta: number,
): Posting {
  const requestId = context.requestId || randomUUID();
  return {
    kind,
    skuId: target.skuId,
    locationId: target.locationId,
    onHandDelta,
    reservedDelta: 0,
    sourceKey: `${keyPrefix}:${context.actor}:${requestId}`,
    sourceType: 'user_request',
    sourceId: requestId,
    reason: context.note ?? null,
    actor: context.actor,
    occurredAt: new Date(),
  };
}

function answer(results: PostingResult[], quantityField: string): StockOperationResult {
  const errors: StockError[] = [];
  for (const result of results) {
    if (result.outcome === 'insufficient_available') {
      const available = result.onHand - result.reserved;
      errors.push({
        field: quantityField,
        code: 'INSUFFICIENT_AVAILABLE',
        message: `Only ${available} available; this would take available below 0`,
      });
    } else if (result.outcome === 'exists_with_different_quantity') {
      errors.push({
        field: 'requestId',
        code: 'REQUEST_REUSED',
        message: 'This request id was already used for a different change',
      });
    }
  }
  return {
    movementIds: errors.length > 0 ? [] : results.map((result) => result.movementId ?? ''),
    errors,
  };
}

/** A transaction for the request, naming its audit record so its movements point there. */
function inTransaction<T>(
  pool: pg.Pool,
  context: StockRequestContext,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return withTransaction(pool, work, { auditEventId: context.auditEventId ?? null });
}

function refused(field: string, code: StockErrorCode, message: string): StockOperationResult {
  return { movementIds: [], errors: [{ field, code, message }] };
}

/**
 * Text as PostgreSQL can store it: NUL characters removed and lone surrogates (half of a
 * character, which a JSON string can carry) replaced, so that odd input is kept, not a crash.
 */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\0', '');
}

/**
 * The form SKUs are compared in: Unicode NFC, invisible characters (zero-width spaces, byte
 * order marks, control characters) removed, trimmed, upper case. Blank means no SKU.
 */
export function canonicalSkuCode(raw: string | null | undefined): string | null {
  const code = (raw ?? '')
    .normalize('NFC')
    // Control characters (\p{Cc}) and invisible format characters (zero-width spaces, joiners,
    // byte order marks: \p{Cf}) never belong in a code and make two equal-looking codes differ.
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .toUpperCase();
  return code === '' ? null : code;
}
