// `inventorySetQuantities` as Shopify applies it: idempotency keys, validation into userErrors,
// compare-and-set per API version, and all-or-nothing application of the batch.
// Leaves out: `inventoryAdjustQuantities`, quantity names other than `available` and `on_hand`,
// and the IDEMPOTENCY_CONCURRENT_REQUEST race (calls are handled one at a time here).
//
// Version rules (from Shopify's reference and /work/shared/fixtures):
// - every version: `changeFromQuantity`, when given (even as null), wins over `compareQuantity`
//   and `ignoreCompareQuantity`; a mismatch is CHANGE_FROM_QUANTITY_STALE. Shopify added it as
//   optional in 2026-01; the simulator accepts it in older versions too.
// - before 2026-04: without `changeFromQuantity`, each quantity needs `compareQuantity` unless
//   `ignoreCompareQuantity: true` (COMPARE_QUANTITY_REQUIRED); a mismatch is
//   COMPARE_QUANTITY_STALE. `@idempotent` is optional.
// - from 2026-04: each quantity must carry `changeFromQuantity` and the call must carry
//   `@idempotent(key:)`; missing either is a top-level error (Shopify documents "an error" with
//   no user error code for it).
import { GraphQLError } from 'graphql';
import { z } from 'zod';

import { canonicalJson } from '../../platform/canonical-json.ts';
import {
  type ChangeRecord,
  type SetQuantitiesPayloadRecord,
  type SimulatorStore,
  type UserErrorRecord,
  levelKey,
} from './store.ts';

/** First API version that requires `changeFromQuantity` and `@idempotent`. */
export const compareAndSwapVersion = '2026-04';

/** Most quantities one call may set. */
export const quantitiesMax = 250;

const quantityTooHigh = 1_000_000_000;

const reasons = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_canceled',
  'movement_created',
  'movement_received',
  'movement_updated',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);

const quantityInputSchema = z.object({
  inventoryItemId: z.string(),
  locationId: z.string(),
  quantity: z.number().int(),
  compareQuantity: z.number().int().nullable().optional(),
  changeFromQuantity: z.number().int().nullable().optional(),
});

const setQuantitiesInputSchema = z.object({
  name: z.string(),
  reason: z.string(),
  referenceDocumentUri: z.string().nullable().optional(),
  ignoreCompareQuantity: z.boolean().nullable().optional(),
  quantities: z.array(quantityInputSchema),
});

export type SetQuantitiesInput = z.infer<typeof setQuantitiesInputSchema>;

/** How one call ended, as recorded in `setQuantityCalls`. */
export type SetQuantitiesOutcome = 'applied' | 'userErrors' | 'replayed' | 'error';

export interface SetQuantitiesRequest {
  /** The `input` argument as graphql-js coerced it. */
  input: unknown;
  apiVersion: string;
  idempotencyKey: string | null;
}

export interface SetQuantitiesResult {
  input: SetQuantitiesInput;
  payload: SetQuantitiesPayloadRecord;
  outcome: SetQuantitiesOutcome;
}

export function isCompareAndSwapVersion(apiVersion: string): boolean {
  // `unstable` sorts after every dated version, which is what Shopify's unstable is.
  return apiVersion >= compareAndSwapVersion;
}

function badRequest(message: string, code = 'BAD_REQUEST'): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Shopify's top-level refusal of an input list longer than 250. */
export function inputTooLarge(size: number): GraphQLError {
  const message = `The input array size of ${size} is greater than the maximum allowed of 250.`;
  return badRequest(message, 'MAX_INPUT_SIZE_EXCEEDED');
}

/** Checks what the schema cannot: sizes and the 2026-04 requirements. Throws top-level errors. */
function checkShape(request: SetQuantitiesRequest, input: SetQuantitiesInput, raw: unknown): void {
  if (input.quantities.length > quantitiesMax) {
    throw inputTooLarge(input.quantities.length);
  }

  if (!isCompareAndSwapVersion(request.apiVersion)) {
    return;
  }

  if (request.idempotencyKey === null) {
    throw badRequest('The @idempotent directive is required for this mutation.');
  }

  const rawQuantities = z.object({ quantities: z.array(z.object({}).loose()) }).parse(raw);
  const missing = rawQuantities.quantities.findIndex(
    (quantity) => !('changeFromQuantity' in quantity),
  );
  if (missing >= 0) {
    const message =
      `input.quantities.${missing}.changeFromQuantity must be given from 2026-04 ` +
      '(pass null to skip the comparison).';
    throw badRequest(message);
  }
}

function inputErrors(input: SetQuantitiesInput): UserErrorRecord[] {
  const errors: UserErrorRecord[] = [];

  if (input.name !== 'available' && input.name !== 'on_hand') {
    const message = "The quantity name must be either 'available' or 'on_hand'.";
    errors.push({ code: 'INVALID_NAME', field: ['input', 'name'], message });
  }

  if (!reasons.has(input.reason)) {
    const message = 'The specified reason is invalid.';
    errors.push({ code: 'INVALID_REASON', field: ['input', 'reason'], message });
  }

  const uri = input.referenceDocumentUri;
  if (uri !== null && uri !== undefined && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri)) {
    const message = 'The specified reference document is invalid.';
    const field = ['input', 'referenceDocumentUri'];
    errors.push({ code: 'INVALID_REFERENCE_DOCUMENT', field, message });
  }

  return errors;
}

function quantityErrors(
  store: SimulatorStore,
  input: SetQuantitiesInput,
  index: number,
  seen: Set<string>,
): UserErrorRecord[] {
  const quantity = input.quantities[index];
  if (!quantity) {
    return [];
  }

  const field = (name: string): string[] => ['input', 'quantities', String(index), name];

  if (!store.inventoryItems.has(quantity.inventoryItemId)) {
    const message = 'The specified inventory item could not be found.';
    return [{ code: 'INVALID_INVENTORY_ITEM', field: field('inventoryItemId'), message }];
  }

  if (!store.location(quantity.locationId)) {
    const message = 'The specified location could not be found.';
    return [{ code: 'INVALID_LOCATION', field: field('locationId'), message }];
  }

  const level = store.level(quantity.inventoryItemId, quantity.locationId);
  if (!level) {
    const message = 'The specified inventory item is not stocked at the location.';
    return [{ code: 'ITEM_NOT_STOCKED_AT_LOCATION', field: field('locationId'), message }];
  }

  const key = levelKey(quantity.inventoryItemId, quantity.locationId);
  if (seen.has(key)) {
    const message = 'The combination of inventoryItemId and locationId must be unique.';
    const code = 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR';
    return [{ code, field: field('locationId'), message }];
  }
  seen.add(key);

  if (quantity.quantity < 0) {
    const message = "The quantity can't be negative.";
    return [{ code: 'INVALID_QUANTITY_NEGATIVE', field: field('quantity'), message }];
  }

  if (quantity.quantity > quantityTooHigh) {
    const message = "The total quantity can't be higher than 1,000,000,000.";
    return [{ code: 'INVALID_QUANTITY_TOO_HIGH', field: field('quantity'), message }];
  }

  const current = input.name === 'on_hand' ? level.quantities.on_hand : level.quantities.available;

  if (quantity.changeFromQuantity !== undefined) {
    if (quantity.changeFromQuantity === null || quantity.changeFromQuantity === current) {
      return [];
    }
    const message = 'The changeFromQuantity value does not match persisted value.';
    return [{ code: 'CHANGE_FROM_QUANTITY_STALE', field: field('changeFromQuantity'), message }];
  }

  if (input.ignoreCompareQuantity === true) {
    return [];
  }

  if (quantity.compareQuantity === undefined || quantity.compareQuantity === null) {
    const message =
      'The compareQuantity argument must be given to each quantity or ignored using ' +
      'ignoreCompareQuantity.';
    return [{ code: 'COMPARE_QUANTITY_REQUIRED', field: field('compareQuantity'), message }];
  }

  if (quantity.compareQuantity !== current) {
    const message = 'The compareQuantity value does not match persisted value.';
    return [{ code: 'COMPARE_QUANTITY_STALE', field: field('compareQuantity'), message }];
  }

  return [];
}

/** Applies a validated batch. Setting `available` moves `on_hand` by the same delta. */
function apply(store: SimulatorStore, input: SetQuantitiesInput): ChangeRecord[] {
  const changes: ChangeRecord[] = [];
  const setName = input.name === 'on_hand' ? 'on_hand' : 'available';
  const followerName = setName === 'on_hand' ? 'available' : 'on_hand';

  for (const quantity of input.quantities) {
    const { inventoryItemId, locationId } = quantity;
    const before = store.level(inventoryItemId, locationId)?.quantities[setName] ?? 0;
    const delta = quantity.quantity - before;
    const level = store.adjust(inventoryItemId, locationId, { available: delta, on_hand: delta });

    for (const name of [setName, followerName] as const) {
      const quantityAfterChange = level.quantities[name];
      changes.push({
        name,
        delta,
        quantityAfterChange,
        inventoryItemGid: inventoryItemId,
        locationGid: locationId,
      });
    }
  }

  return changes;
}

/**
 * Runs one `inventorySetQuantities` call against the store. Throws a GraphQLError for requests
 * Shopify refuses outright; returns userErrors for business refusals, in which case nothing
 * changed.
 */
export function setQuantities(
  store: SimulatorStore,
  request: SetQuantitiesRequest,
): SetQuantitiesResult {
  const input = setQuantitiesInputSchema.parse(request.input);
  checkShape(request, input, request.input);

  const fingerprint = canonicalJson(request.input);
  const remembered =
    request.idempotencyKey === null
      ? undefined
      : store.idempotentAnswers.get(request.idempotencyKey);

  if (remembered && remembered.fingerprint === fingerprint) {
    return { input, payload: remembered.payload, outcome: 'replayed' };
  }

  if (remembered) {
    const message = 'The same idempotency key cannot be used with different operation parameters.';
    const userErrors = [{ code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', field: null, message }];
    return {
      input,
      payload: { inventoryAdjustmentGroup: null, userErrors },
      outcome: 'userErrors',
    };
  }

  const seen = new Set<string>();
  const userErrors = [
    ...inputErrors(input),
    ...input.quantities.flatMap((_, index) => quantityErrors(store, input, index, seen)),
  ];

  const payload: SetQuantitiesPayloadRecord =
    userErrors.length > 0
      ? { inventoryAdjustmentGroup: null, userErrors }
      : {
          inventoryAdjustmentGroup: {
            gid: store.nextAdjustmentGroupGid(),
            createdAt: store.now(),
            reason: input.reason,
            referenceDocumentUri: input.referenceDocumentUri ?? null,
            changes: apply(store, input),
          },
          userErrors: [],
        };

  if (request.idempotencyKey !== null) {
    store.idempotentAnswers.set(request.idempotencyKey, { fingerprint, payload });
  }

  return { input, payload, outcome: userErrors.length > 0 ? 'userErrors' : 'applied' };
}
