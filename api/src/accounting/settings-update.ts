/**
 * Changing the accounting settings from the admin: a partial update, every field checked first
 * and every problem answered with the field it concerns, so a form can show them all at once.
 * Nothing is written unless every given field is acceptable. The checks mirror what pushing
 * needs: an account code the platforms accept, a tax type, and numbering patterns that make a
 * different number for every order and refund.
 */
import type { Queryable } from '../platform/transaction.ts';

export interface SettingsPatch {
  invoiceTrigger?: 'orders/paid' | 'orders/create' | null;
  invoiceNumberPattern?: string | null;
  creditNoteNumberPattern?: string | null;
  salesAccount?: string | null;
  shippingAccount?: string | null;
  roundingAccount?: string | null;
  refundAdjustmentAccount?: string | null;
  restockingFeeAccount?: string | null;
  giftCardAccount?: string | null;
  taxedTaxType?: string | null;
  untaxedTaxType?: string | null;
  outOfScopeTaxType?: string | null;
  quickbooksTaxedTaxCode?: string | null;
  quickbooksUntaxedTaxCode?: string | null;
  quickbooksShippingItem?: string | null;
  quickbooksOtherItem?: string | null;
}

export const settingsErrorCodes = ['REQUIRED', 'TOO_LONG', 'PATTERN_INVALID'] as const;
export type SettingsErrorCode = (typeof settingsErrorCodes)[number];

export interface SettingsProblem {
  field: keyof SettingsPatch;
  code: SettingsErrorCode;
  message: string;
}

/** Xero caps account codes at 10 characters; QuickBooks numbers its accounts shorter still. */
export const accountCodeLengthMax = 10;
const taxTypeLengthMax = 50;
const patternLengthMax = 60;
const quickbooksIdLengthMax = 50;

const columnOf: Record<keyof SettingsPatch, string> = {
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

const requiredAccounts = [
  'salesAccount',
  'shippingAccount',
  'roundingAccount',
  'refundAdjustmentAccount',
  'restockingFeeAccount',
] as const;
const taxTypes = ['taxedTaxType', 'untaxedTaxType', 'outOfScopeTaxType'] as const;
/** Blank clears them: gift cards then have no account, QuickBooks ids are found by name. */
const clearable = [
  'giftCardAccount',
  'quickbooksTaxedTaxCode',
  'quickbooksUntaxedTaxCode',
  'quickbooksShippingItem',
  'quickbooksOtherItem',
] as const;

const orderPlaceholders = ['{order_number}', '{order_name}', '{order_id}'];
const refundPlaceholders = ['{refund_number}', '{refund_id}'];
const invoicePlaceholders = new Set(orderPlaceholders);
const creditNotePlaceholders = new Set([...orderPlaceholders, ...refundPlaceholders]);

/** The values to store, trimmed, or every problem with them. */
export function checkSettingsPatch(patch: SettingsPatch): {
  values: Partial<Record<keyof SettingsPatch, string | null>>;
  problems: SettingsProblem[];
} {
  const values: Partial<Record<keyof SettingsPatch, string | null>> = {};
  const problems: SettingsProblem[] = [];
  const given = (field: keyof SettingsPatch) => patch[field] !== undefined;

  if (given('invoiceTrigger')) {
    if (patch.invoiceTrigger == null) {
      problems.push(required('invoiceTrigger', 'the invoice trigger'));
    } else {
      values.invoiceTrigger = patch.invoiceTrigger;
    }
  }
  for (const field of requiredAccounts) {
    if (given(field)) {
      checkText(field, patch[field], accountCodeLengthMax, 'an account code', values, problems);
    }
  }
  for (const field of taxTypes) {
    if (given(field)) {
      checkText(field, patch[field], taxTypeLengthMax, 'a tax type', values, problems);
    }
  }
  for (const field of clearable) {
    const text = patch[field]?.trim() ?? '';
    if (!given(field)) {
      continue;
    }
    const lengthMax = field === 'giftCardAccount' ? accountCodeLengthMax : quickbooksIdLengthMax;
    if (text.length > lengthMax) {
      problems.push(tooLong(field, lengthMax));
    } else {
      values[field] = text === '' ? null : text;
    }
  }
  if (given('invoiceNumberPattern')) {
    checkPattern('invoiceNumberPattern', patch.invoiceNumberPattern, values, problems);
  }
  if (given('creditNoteNumberPattern')) {
    checkPattern('creditNoteNumberPattern', patch.creditNoteNumberPattern, values, problems);
  }
  return { values, problems };
}

function checkText(
  field: keyof SettingsPatch,
  value: string | null | undefined,
  lengthMax: number,
  what: string,
  values: Partial<Record<keyof SettingsPatch, string | null>>,
  problems: SettingsProblem[],
): void {
  const text = value?.trim() ?? '';
  if (text === '') {
    problems.push(required(field, what));
  } else if (text.length > lengthMax) {
    problems.push(tooLong(field, lengthMax));
  } else {
    values[field] = text;
  }
}

function checkPattern(
  field: 'invoiceNumberPattern' | 'creditNoteNumberPattern',
  value: string | null | undefined,
  values: Partial<Record<keyof SettingsPatch, string | null>>,
  problems: SettingsProblem[],
): void {
  const pattern = value?.trim() ?? '';
  const isCreditNote = field === 'creditNoteNumberPattern';
  const known = isCreditNote ? creditNotePlaceholders : invoicePlaceholders;
  const unknown = (pattern.match(/\{[^}]*\}/g) ?? []).filter((part) => !known.has(part));

  const fault =
    pattern === ''
      ? 'is required'
      : pattern.length > patternLengthMax
        ? `must be at most ${patternLengthMax} characters`
        : unknown.length > 0
          ? `has ${unknown.join(', ')}, which is not a placeholder here ` +
            `(use ${[...known].join(', ')})`
          : !orderPlaceholders.some((placeholder) => pattern.includes(placeholder))
            ? 'must contain {order_number}, {order_name} or {order_id} so that each order differs'
            : isCreditNote &&
                !refundPlaceholders.some((placeholder) => pattern.includes(placeholder))
              ? 'must contain {refund_number} or {refund_id} so that each refund differs'
              : null;
  if (fault === null) {
    values[field] = pattern;
    return;
  }
  const code = pattern === '' ? 'REQUIRED' : 'PATTERN_INVALID';
  const label = isCreditNote ? 'Credit note number pattern' : 'Invoice number pattern';
  problems.push({ field, code, message: `${label} ${fault}` });
}

function required(field: keyof SettingsPatch, what: string): SettingsProblem {
  return { field, code: 'REQUIRED', message: `${field} needs ${what}; it cannot be blank` };
}

function tooLong(field: keyof SettingsPatch, lengthMax: number): SettingsProblem {
  return { field, code: 'TOO_LONG', message: `${field} must be at most ${lengthMax} characters` };
}

/** Stores the checked values and who changed them; the caller checked them first. */
export async function storeSettings(
  db: Queryable,
  values: Partial<Record<keyof SettingsPatch, string | null>>,
  actor: string,
): Promise<void> {
  const entries = Object.entries(values) as [keyof SettingsPatch, string | null][];
  const assignments = entries.map(([field], index) => `${columnOf[field]} = $${index + 2}`);
  await db.query(
    `UPDATE accounting_settings
     SET ${[...assignments, 'updated_at = now()', 'updated_by = $1'].join(', ')}
     WHERE id = 1`,
    [actor, ...entries.map(([, value]) => value)],
  );
}
