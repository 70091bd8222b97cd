/**
 * Unit costs of SKUs, set by finance: checked, then written in one statement. Each check
 * answers an error naming the input field and a stable code rather than throwing. Converting a
 * cost into another currency is not done here: a cost is kept in the currency it was given in.
 * Filling costs from the shop (its inventory items carry one) is not done either.
 */
import type { Queryable } from '../platform/transaction.ts';

export const costErrorCodes = [
  'SKU_NOT_FOUND',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'CURRENCY_REQUIRED',
] as const;
export type CostErrorCode = (typeof costErrorCodes)[number];

export interface CostError {
  field: string;
  code: CostErrorCode;
  message: string;
}

/**
 * The highest unit cost accepted, in minor units: 10,000,000.00 in a two-decimal currency. No
 * stocked item costs that much; a larger figure is a typo (or a price in the wrong units).
 */
export const unitCostMinorMax = 1_000_000_000;

export interface SetUnitCostInput {
  skuId: string;
  amountMinor: number;
  /** ISO 4217; the shop's currency when absent. */
  currency?: string | null;
}

export type SetUnitCostResult =
  { skuId: string; errors: [] } | { skuId: null; errors: CostError[] };

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

export async function setUnitCost(
  db: Queryable,
  input: SetUnitCostInput,
): Promise<SetUnitCostResult> {
  const amountError = checkAmount(input.amountMinor);
  if (amountError !== null) {
    return refused(amountError);
  }

  const currency = await currencyOf(db, input.currency);
  if ('code' in currency) {
    return refused(currency);
  }

  if (!/^\d{1,18}$/.test(input.skuId)) {
    return refused(skuNotFound(input.skuId));
  }
  const updated = await db.query<{ id: string }>(
    `UPDATE skus SET unit_cost_minor = $2, unit_cost_currency = $3, updated_at = now()
     WHERE id = $1 RETURNING id::text`,
    [input.skuId, input.amountMinor, currency.code3],
  );
  const skuId = updated.rows[0]?.id;
  return skuId === undefined ? refused(skuNotFound(input.skuId)) : { skuId, errors: [] };
}

function checkAmount(amountMinor: number): CostError | null {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    return {
      field: 'amountMinor',
      code: 'INVALID_AMOUNT',
      message: `A unit cost is a whole number of minor units, 0 or more; got ${amountMinor}`,
    };
  }
  if (amountMinor > unitCostMinorMax) {
    return {
      field: 'amountMinor',
      code: 'INVALID_AMOUNT',
      message: `A unit cost is at most ${unitCostMinorMax} minor units; got ${amountMinor}`,
    };
  }
  return null;
}

/** The given ISO code (any case, spaces trimmed), or the shop's currency when none is given. */
async function currencyOf(
  db: Queryable,
  given: string | null | undefined,
): Promise<{ code3: string } | CostError> {
  if (given != null) {
    const code3 = given.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code3) || !isoCurrencies.has(code3)) {
      return {
        field: 'currency',
        code: 'INVALID_CURRENCY',
        message: `"${given.slice(0, 20)}" is not an ISO 4217 currency code such as GBP`,
      };
    }
    return { code3 };
  }

  const shop = await db.query<{ currency: string | null }>(
    'SELECT trim(currency) AS currency FROM shop_settings WHERE id = 1',
  );
  const code3 = shop.rows[0]?.currency;
  if (code3 == null || code3 === '') {
    return {
      field: 'currency',
      code: 'CURRENCY_REQUIRED',
      message: "The shop's currency is not known yet (import the catalogue): give a currency",
    };
  }
  return { code3 };
}

function skuNotFound(skuId: string): CostError {
  return { field: 'skuId', code: 'SKU_NOT_FOUND', message: `No SKU ${skuId.slice(0, 40)}` };
}

function refused(error: CostError): SetUnitCostResult {
  return { skuId: null, errors: [error] };
}
