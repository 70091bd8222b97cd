/**
 * The shop's accounting settings: the mapping finance edits (accounts, tax types, number
 * patterns, which webhook confirms an order) and the shop's own facts the documents need
 * (domain, currency, time zone), read together into what the document builder takes.
 * Changing the settings never touches a pushed document; documents not pushed yet are rebuilt
 * with the settings current when they are pushed.
 */
import type { Queryable, Tx } from '../platform/transaction.ts';
import { defaultRestockLabels, type AccountingSettings } from './types.ts';

/** The webhook after which an order is confirmed and invoiced. */
export type InvoiceTrigger = 'orders/paid' | 'orders/create';

export const invoiceTriggers: readonly InvoiceTrigger[] = ['orders/paid', 'orders/create'];

/** The one settings row as finance edits it. */
export interface StoredAccountingSettings {
  invoiceTrigger: InvoiceTrigger;
  invoiceNumberPattern: string;
  creditNoteNumberPattern: string;
  salesAccount: string;
  shippingAccount: string;
  roundingAccount: string;
  refundAdjustmentAccount: string;
  restockingFeeAccount: string;
  /** Null: an order selling a gift card is refused rather than booked to sales. */
  giftCardAccount: string | null;
  taxedTaxType: string;
  untaxedTaxType: string;
  outOfScopeTaxType: string;
  /** QuickBooks ids; null means the connector finds them by name. */
  quickbooksTaxedTaxCode: string | null;
  quickbooksUntaxedTaxCode: string | null;
  quickbooksShippingItem: string | null;
  quickbooksOtherItem: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

/** The fields a person may change; an absent field is left as it is. */
export type AccountingSettingsPatch = Partial<
  Omit<StoredAccountingSettings, 'updatedAt' | 'updatedBy'>
>;

export type AccountingSettingsErrorCode = 'REQUIRED' | 'INVALID' | 'PATTERN_INVALID';

/** One refused field of a patch, named as in the patch. */
export interface AccountingSettingsProblem {
  field: keyof AccountingSettingsPatch;
  code: AccountingSettingsErrorCode;
  message: string;
}

export type UpdateAccountingSettingsResult =
  | { settings: StoredAccountingSettings; errors: [] }
  | { settings: null; errors: AccountingSettingsProblem[] };

/**
 * The shop's facts are not known yet (the catalogue import records them): documents wait,
 * the deliveries that make them are retried.
 */
export class ShopSettingsMissingError extends Error {
  override name = 'ShopSettingsMissingError';
}

const columns: Record<keyof AccountingSettingsPatch, string> = {
  invoiceTrigger: 'invoice_trigger',
  invoiceNumberPattern: 'invoice_number_pattern',
  creditNoteNumberPattern: 'credit_note_number_pattern',
  salesAccount: 'sales_account',
  shippingAccount: 'shipping_account',
  roundingAccount: 'rounding_account',
  refundAdjustmentAccount: 'refund_adjustment_account',
  restockingFeeAccount: 'restocking_fee_account',
  giftCardAccount: 'gift_card_account',
  taxedTaxType: 'taxed_tax_type',
  untaxedTaxType: 'untaxed_tax_type',
  outOfScopeTaxType: 'out_of_scope_tax_type',
  quickbooksTaxedTaxCode: 'quickbooks_taxed_tax_code',
  quickbooksUntaxedTaxCode: 'quickbooks_untaxed_tax_code',
  quickbooksShippingItem: 'quickbooks_shipping_item',
  quickbooksOtherItem: 'quickbooks_other_item',
};

const requiredCodes = [
  'salesAccount',
  'shippingAccount',
  'roundingAccount',
  'refundAdjustmentAccount',
  'restockingFeeAccount',
  'taxedTaxType',
  'untaxedTaxType',
  'outOfScopeTaxType',
] as const;

const optionalCodes = [
  'giftCardAccount',
  'quickbooksTaxedTaxCode',
  'quickbooksUntaxedTaxCode',
  'quickbooksShippingItem',
  'quickbooksOtherItem',
] as const;

/** Codes are short words of a chart of accounts: `200`, `OUTPUT2`, `Sales.Delivery`. */
const codeLengthMax = 60;
const patternLengthMax = 60;
const orderPlaceholders = ['{order_number}', '{order_name}', '{order_id}'];
const refundPlaceholders = ['{refund_number}', '{refund_id}'];
const knownPlaceholders = new Set([...orderPlaceholders, ...refundPlaceholders]);

type SettingsRow = Record<string, unknown> & { updated_at: Date; updated_by: string | null };

/** The settings row as finance edits it. */
export async function readStoredAccountingSettings(
  db: Queryable,
): Promise<StoredAccountingSettings> {
  const found = await db.query<SettingsRow>('SELECT * FROM accounting_settings WHERE id = 1');
  const row = found.rows[0];
  if (row === undefined) {
    throw new Error('accounting_settings has no row: the accounting migration did not run');
  }
  const stored = Object.fromEntries(
    Object.entries(columns).map(([field, column]) => [field, row[column] ?? null]),
  ) as unknown as StoredAccountingSettings;
  return { ...stored, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

/** What the document builder takes: the mapping and the shop's facts, read together. */
export async function readAccountingSettings(
  db: Queryable,
): Promise<{ settings: AccountingSettings; invoiceTrigger: InvoiceTrigger }> {
  const stored = await readStoredAccountingSettings(db);
  const shop = await db.query<{
    shop_domain: string | null;
    currency: string | null;
    time_zone: string | null;
  }>('SELECT shop_domain, currency, time_zone FROM shop_settings WHERE id = 1');
  const facts = shop.rows[0];
  if (!facts?.shop_domain || !facts.currency || !facts.time_zone) {
    throw new ShopSettingsMissingError(
      "the shop's domain, currency and time zone are not known yet: import the catalogue first",
    );
  }

  const settings: AccountingSettings = {
    shopDomain: facts.shop_domain,
    shopTimeZone: facts.time_zone,
    shopCurrency: facts.currency.trim(),
    invoiceNumberPattern: stored.invoiceNumberPattern,
    creditNoteNumberPattern: stored.creditNoteNumberPattern,
    accounts: {
      sales: stored.salesAccount,
      shipping: stored.shippingAccount,
      rounding: stored.roundingAccount,
      refundAdjustments: stored.refundAdjustmentAccount,
      restockingFees: stored.restockingFeeAccount,
      ...(stored.giftCardAccount === null ? {} : { giftCards: stored.giftCardAccount }),
    },
    taxTypes: {
      taxed: stored.taxedTaxType,
      untaxed: stored.untaxedTaxType,
      outOfScope: stored.outOfScopeTaxType,
    },
    restockLabels: { ...defaultRestockLabels },
  };
  return { settings, invoiceTrigger: stored.invoiceTrigger };
}

/**
 * Changes the settings, all or nothing: every refused field is answered at once and nothing is
 * written. `actor` is who made the change, kept with the row.
 */
export async function updateAccountingSettings(
  tx: Tx,
  patch: AccountingSettingsPatch,
  actor: string,
): Promise<UpdateAccountingSettingsResult> {
  const { values, errors } = checkPatch(patch);
  if (errors.length > 0) {
    return { settings: null, errors };
  }

  const fields = Object.keys(values) as (keyof AccountingSettingsPatch)[];
  const assignments = fields.map((field, index) => `${columns[field]} = $${index + 2}`);
  await tx.query(
    `UPDATE accounting_settings
     SET ${[...assignments, 'updated_at = now()', 'updated_by = $1'].join(', ')}
     WHERE id = 1`,
    [actor, ...fields.map((field) => values[field])],
  );
  return { settings: await readStoredAccountingSettings(tx), errors: [] };
}

function checkPatch(patch: AccountingSettingsPatch): {
  values: AccountingSettingsPatch;
  errors: AccountingSettingsProblem[];
} {
  const values: AccountingSettingsPatch = {};
  const errors: AccountingSettingsProblem[] = [];

  if (patch.invoiceTrigger !== undefined) {
    if (invoiceTriggers.includes(patch.invoiceTrigger)) {
      values.invoiceTrigger = patch.invoiceTrigger;
    } else {
      errors.push({
        field: 'invoiceTrigger',
        code: 'INVALID',
        message: `invoiceTrigger must be one of ${invoiceTriggers.join(', ')}`,
      });
    }
  }

  for (const field of requiredCodes) {
    const value = patch[field];
    if (value === undefined) {
      continue;
    }
    const problem = codeProblem(field, value, true);
    if (problem === null) {
      values[field] = value.trim();
    } else {
      errors.push(problem);
    }
  }

  for (const field of optionalCodes) {
    const value = patch[field];
    if (value === undefined) {
      continue;
    }
    const problem = codeProblem(field, value, false);
    if (problem === null) {
      values[field] = value === null || value.trim() === '' ? null : value.trim();
    } else {
      errors.push(problem);
    }
  }

  for (const field of ['invoiceNumberPattern', 'creditNoteNumberPattern'] as const) {
    const value = patch[field];
    if (value === undefined) {
      continue;
    }
    const problem = patternProblem(field, value);
    if (problem === null) {
      values[field] = value.trim();
    } else {
      errors.push(problem);
    }
  }

  return { values, errors };
}

function codeProblem(
  field: keyof AccountingSettingsPatch,
  value: string | null,
  isRequired: boolean,
): AccountingSettingsProblem | null {
  if (value === null || value.trim() === '') {
    return isRequired ? { field, code: 'REQUIRED', message: `${field} must not be blank` } : null;
  }
  if (value.trim().length > codeLengthMax || !/^[\p{L}\p{N}\p{P}\p{S} ]+$/u.test(value.trim())) {
    return {
      field,
      code: 'INVALID',
      message: `${field} must be a code of at most ${codeLengthMax} printable characters`,
    };
  }
  return null;
}

/**
 * A number must differ for every order (and every refund, for credit notes), or the platform
 * refuses the second document as a duplicate number.
 */
function patternProblem(
  field: 'invoiceNumberPattern' | 'creditNoteNumberPattern',
  value: string | null,
): AccountingSettingsProblem | null {
  const pattern = value?.trim() ?? '';
  if (pattern === '') {
    return { field, code: 'REQUIRED', message: `${field} must not be blank` };
  }
  if (pattern.length > patternLengthMax) {
    return {
      field,
      code: 'INVALID',
      message: `${field} must be at most ${patternLengthMax} characters`,
    };
  }

  const allowed =
    field === 'invoiceNumberPattern'
      ? orderPlaceholders
      : [...orderPlaceholders, ...refundPlaceholders];
  const unknown = (pattern.match(/\{[^}]*\}/g) ?? []).find(
    (placeholder) => !allowed.includes(placeholder) || !knownPlaceholders.has(placeholder),
  );
  if (unknown !== undefined) {
    return {
      field,
      code: 'PATTERN_INVALID',
      message: `${field} names ${unknown}, which is not one of ${allowed.join(', ')}`,
    };
  }
  if (!orderPlaceholders.some((placeholder) => pattern.includes(placeholder))) {
    return {
      field,
      code: 'PATTERN_INVALID',
      message:
        `${field} must contain one of ${orderPlaceholders.join(', ')}, ` +
        "so that each order's number differs",
    };
  }
  if (
    field === 'creditNoteNumberPattern' &&
    !refundPlaceholders.some((placeholder) => pattern.includes(placeholder))
  ) {
    return {
      field,
      code: 'PATTERN_INVALID',
      message:
        `${field} must also contain {refund_number} or {refund_id}, ` +
        'so that each refund of an order has its own number',
    };
  }
  return null;
}

/**
 * Where lines post in a QuickBooks company, by QuickBooks id; null means the connector finds
 * the usual one by name.
 */
export interface QuickBooksMappingSettings {
  taxCodes: { taxed: string | null; untaxed: string | null; outOfScope: string | null };
  shippingItem: string | null;
  otherItem: string | null;
}

/** The QuickBooks ids finance set, read afresh so a change reaches the next push. */
export async function readQuickBooksMapping(db: Queryable): Promise<QuickBooksMappingSettings> {
  const stored = await readStoredAccountingSettings(db);
  return {
    taxCodes: {
      taxed: stored.quickbooksTaxedTaxCode,
      untaxed: stored.quickbooksUntaxedTaxCode,
      // Rounding and money-only lines: QuickBooks' "No VAT" code is found by name.
      outOfScope: null,
    },
    shippingItem: stored.quickbooksShippingItem,
    otherItem: stored.quickbooksOtherItem,
  };
}
