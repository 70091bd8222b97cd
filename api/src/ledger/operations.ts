/**
 * Stock operations a person makes: receiving, adjusting with a reason, transferring between
 * locations and recording a count. Each checks its input, posts through the ledger in one
 * transaction and answers errors with a field and a stable code rather than throwing.
 *
 * A request may carry a client-made request id; the source keys derive from it, so a retried
 * request (a double tap on a scanner) answers the first result instead of moving stock twice.
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
  'SAME_LOCATION',
  'INSUFFICIENT_AVAILABLE',
  'REQUEST_REUSED',
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

interface Target {
  skuId: string;
  locationId: string;
}

export interface StockRequestContext {
  actor: string;
  requestId?: string | null;
  note?: string | null;
}

export async function receiveStock(
  pool: pg.Pool,
  input: { sku: string; locationId: string; quantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  if (!isPositiveQuantity(input.quantity)) {
    return refused(
      'quantity',
      'INVALID_QUANTITY',
      'Quantity received must be a whole number above 0',
    );
  }

  return withTransaction(pool, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const posting = userPosting('receipt', target, context, 'receipt', input.quantity, 0);
    return answer(await postMovements(tx, [posting]));
  });
}

export async function adjustStock(
  pool: pg.Pool,
  input: { sku: string; locationId: string; quantityChange: number; reason: AdjustmentReason },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  if (!Number.isSafeInteger(input.quantityChange) || input.quantityChange === 0) {
    return refused('quantityChange', 'INVALID_QUANTITY', 'Change must be a whole number, not 0');
  }
  if (!adjustmentReasons.includes(input.reason)) {
    return refused(
      'reason',
      'REASON_REQUIRED',
      `Reason must be one of ${adjustmentReasons.join(', ')}`,
    );
  }

  return withTransaction(pool, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const posting = userPosting(
      'adjustment',
      target,
      context,
      'adjustment',
      input.quantityChange,
      0,
    );
    posting.reason = context.note ? `${input.reason}: ${context.note}` : input.reason;
    return answer(await postMovements(tx, [posting]));
  });
}

export async function transferStock(
  pool: pg.Pool,
  input: { sku: string; fromLocationId: string; toLocationId: string; quantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  if (!isPositiveQuantity(input.quantity)) {
    return refused('quantity', 'INVALID_QUANTITY', 'Quantity moved must be a whole number above 0');
  }
  if (input.fromLocationId === input.toLocationId) {
    return refused('toLocationId', 'SAME_LOCATION', 'Transfer to a different location');
  }

  const request = { ...context, requestId: context.requestId ?? randomUUID() };
  return withTransaction(pool, async (tx) => {
    const from = await resolveTarget(tx, input.sku, input.fromLocationId, 'fromLocationId');
    if ('errors' in from) {
      return from;
    }
    const to = await resolveTarget(tx, input.sku, input.toLocationId, 'toLocationId');
    if ('errors' in to) {
      return to;
    }

    // The departure is posted first: if it is refused, nothing arrives either.
    const out = userPosting('transfer_out', from, request, 'transfer:out', -input.quantity, 0);
    const departed = await postMovements(tx, [out]);
    if (departed[0]?.outcome !== 'posted' && departed[0]?.outcome !== 'exists') {
      return answer(departed);
    }

    const into = userPosting('transfer_in', to, request, 'transfer:in', input.quantity, 0);
    return answer([...departed, ...(await postMovements(tx, [into]))]);
  });
}

/** Records a physical count: on hand becomes the counted quantity, by a movement of the gap. */
export async function recordCount(
  pool: pg.Pool,
  input: { sku: string; locationId: string; countedQuantity: number },
  context: StockRequestContext,
): Promise<StockOperationResult> {
  if (!Number.isSafeInteger(input.countedQuantity) || input.countedQuantity < 0) {
    return refused(
      'countedQuantity',
      'INVALID_QUANTITY',
      'Count must be a whole number, 0 or more',
    );
  }

  return withTransaction(pool, async (tx) => {
    const target = await resolveTarget(tx, input.sku, input.locationId);
    if ('errors' in target) {
      return target;
    }

    const current = await tx.query<{ on_hand: number }>(
      `INSERT INTO stock_balances AS b (sku_id, location_id, allows_backorder)
         SELECT $1, $2, allows_backorder FROM skus WHERE id = $1
       ON CONFLICT (sku_id, location_id) DO UPDATE SET updated_at = b.updated_at
       RETURNING on_hand`,
      [target.skuId, target.locationId],
    );
    const gap = input.countedQuantity - (current.rows[0]?.on_hand ?? 0);
    if (gap === 0) {
      return { movementIds: [], errors: [] };
    }

    const posting = userPosting('count', target, context, 'count', gap, 0);
    posting.reason = `counted ${input.countedQuantity}`;
    return answer(await postMovements(tx, [posting]));
  });
}

async function resolveTarget(
  tx: Tx,
  sku: string,
  locationId: string,
  locationField = 'locationId',
): Promise<Target | StockOperationResult> {
  const found = await tx.query<{ sku_id: string | null; location_id: string | null }>(
    `SELECT (SELECT id::text FROM skus WHERE code = $1) AS sku_id,
            (SELECT id::text FROM locations WHERE id::text = $2) AS location_id`,
    [canonicalSkuCode(sku), locationId],
  );
  const row = found.rows[0];
  if (row?.sku_id == null) {
    return refused('sku', 'SKU_NOT_FOUND', `No SKU ${JSON.stringify(sku)}`);
  }
  if (row.location_id == null) {
    return refused(locationField, 'LOCATION_NOT_FOUND', `No location with id ${locationId}`);
  }
  return { skuId: row.sku_id, locationId: row.location_id };
}

function userPosting(
  kind: MovementKind,
  target: Target,
  context: StockRequestContext,
  leg: string,
  onHandDelta: number,
  reservedDelta: number,
): Posting {
  const requestId = context.requestId ?? randomUUID();
  return {
    kind,
    skuId: target.skuId,
    locationId: target.locationId,
    onHandDelta,
    reservedDelta,
    sourceKey: `request:${context.actor}:${requestId}:${leg}`,
    sourceType: 'user_request',
    sourceId: requestId,
    reason: context.note ?? null,
    actor: context.actor,
    occurredAt: new Date(),
  };
}

function answer(results: PostingResult[]): StockOperationResult {
  const errors: StockError[] = [];
  for (const result of results) {
    if (result.outcome === 'insufficient_available') {
      const available = result.onHand - result.reserved;
      errors.push({
        field: 'quantity',
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

function refused(field: string, code: StockErrorCode, message: string): StockOperationResult {
  return { movementIds: [], errors: [{ field, code, message }] };
}

function isPositiveQuantity(quantity: number): boolean {
  return Number.isSafeInteger(quantity) && quantity > 0;
}

/** The form SKUs are compared in: trimmed, Unicode NFC, upper case. Blank means no SKU. */
export function canonicalSkuCode(raw: string | null | undefined): string | null {
  const code = (raw ?? '').normalize('NFC').trim().toUpperCase();
  return code === '' ? null : code;
}
