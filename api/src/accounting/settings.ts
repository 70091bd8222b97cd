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

/**
 * The fields a person may change; an absent field is left as it is, a null or blank one clears
 * an optional field and is refused for a required one.
 */
export type AccountingSettingsPatch = {
  [Field in keyof Omit<StoredAccountingSettings, 'updatedAt' | 'updatedBy'>]?:
    StoredAccountingSettings[Field] | null;
};

export const accountingSettingsErrorCodes = [
  'REQUIRED',
  'TOO_LONG',
  'INVALID',
  'PATTERN_INVALID',
] as const;
export type AccountingSettingsErrorCode = (typeof accountingSettingsErrorCodes)[number];

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

/** Xero caps account codes at 10 characters; QuickBooks numbers its accounts shorter still. */
export const accountCodeLengthMax = 10;
const patternLengthMax = 60;

/**
 * What each kind of code may look like. The platforms refuse anything else only when a
 * document is pushed, so a typo found here saves a failed invoice; the shapes are those the
 * platforms give out (`200`, `SALES`, `4000-1`; `OUTPUT2`, `ZERORATEDOUTPUT`; QuickBooks ids
 * `7`, `TAX`).
 */
const codeKinds = {
  account: {
    lengthMax: accountCodeLengthMax,
    shape: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
    described: 'an account code: letters and digits, with . _ / - between them',
  },
  taxType: {
    lengthMax: 50,
    shape: /^[A-Za-z0-9_]+$/,
    described: 'a tax type as the platform names it: letters, digits and _ (OUTPUT2)',
  },
  quickbooksId: {
    lengthMax: 50,
    shape: /^[A-Za-z0-9_-]+$/,
    described: 'a QuickBooks id: letters, digits, _ and -',
  },
} as const;

type CodeKind = (typeof codeKinds)[keyof typeof codeKinds];

/** Each code field, whether it may be cleared, and its kind. */
const codeFields: readonly {
  field: keyof AccountingSettingsPatch;
  isRequired: boolean;
  kind: CodeKind;
}[] = [
  { field: 'salesAccount', isRequired: true, kind: codeKinds.account },
  { field: 'shippingAccount', isRequired: true, kind: codeKinds.account },
  { field: 'roundingAccount', isRequired: true, kind: codeKinds.account },
  { field: 'refundAdjustmentAccount', isRequired: true, kind: codeKinds.account },
  { field: 'restockingFeeAccount', isRequired: true, kind: codeKinds.account },
  { field: 'taxedTaxType', isRequired: true, kind: codeKinds.taxType },
  { field: 'untaxedTaxType', isRequired: true, kind: codeKinds.taxType },
  { field: 'outOfScopeTaxType', isRequired: true, kind: codeKinds.taxType },
  // Blank clears these: gift cards then have no account, QuickBooks ids are found by name.
  { field: 'giftCardAccount', isRequired: false, kind: codeKinds.account },
  { field: 'quickbooksTaxedTaxCode', isRequired: false, kind: codeKinds.quickbooksId },
  { field: 'quickbooksUntaxedTaxCode', isRequired: false, kind: codeKinds.quickbooksId },
  { field: 'quickbooksShippingItem', isRequired: false, kind: codeKinds.quickbooksId },
  { field: 'quickbooksOtherItem', isRequired: false, kind: codeKinds.quickbooksId },
];

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
  const { values, errors } = checkAccountingSettingsPatch(patch);
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

/** The values to store, trimmed, or every problem with them in the order of the form. */
export function checkAccountingSettingsPatch(patch: AccountingSettingsPatch): {
  values: AccountingSettingsPatch;
  errors: AccountingSettingsProblem[];
} {
  const values: AccountingSettingsPatch = {};
  const errors: AccountingSettingsProblem[] = [];

  if (patch.invoiceTrigger !== undefined) {
    if (patch.invoiceTrigger === null) {
      errors.push({
        field: 'invoiceTrigger',
        code: 'REQUIRED',
        message: 'invoiceTrigger must name the webhook that confirms an order',
      });
    } else if (invoiceTriggers.includes(patch.invoiceTrigger)) {
      values.invoiceTrigger = patch.invoiceTrigger;
    } else {
      errors.push({
        field: 'invoiceTrigger',
        code: 'INVALID',
        message: `invoiceTrigger must be one of ${invoiceTriggers.join(', ')}`,
      });
    }
  }

  for (const { field, isRequired, kind } of codeFields) {
    const value = patch[field];
    if (value === undefined) {
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    const problem = codeProblem(field, text, isRequired, kind);
    if (problem === null) {
      Object.assign(values, { [field]: text === '' ? null : text });
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
      values[field] = (value ?? '').trim();
    } else {
      errors.push(problem);
    }
  }

  return { values, errors };
}

function codeProblem(
  field: keyof AccountingSettingsPatch,
  text: string,
  isRequired: boolean,
  kind: CodeKind,
): AccountingSettingsProblem | null {
  if (text === '') {
    return isRequired ? { field, code: 'REQUIRED', message: `${field} must not be blank` } : null;
  }
  if (text.length > kind.lengthMax) {
    const message = `${field} must be at most ${kind.lengthMax} characters`;
    return { field, code: 'TOO_LONG', message };
  }
  if (!kind.shape.test(text)) {
    return { field, code: 'INVALID', message: `${field} must be ${kind.described}` };
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
      code: 'TOO_LONG',
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
  // A number is shown and searched for in the platform and on the customer's paperwork: plain
  // characters only, so that no two numbers look alike and none carries markup.
  const literal = pattern.replace(/\{[^}]*\}/g, '');
  if (!/^[A-Za-z0-9 ._/#-]*$/.test(literal)) {
    return {
      field,
      code: 'INVALID',
      message: `${field} may hold only letters, digits, spaces and . _ / # - besides placeholders`,
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
