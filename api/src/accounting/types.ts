/**
 * Accounting documents as Quartermaster sees them before any accounting platform does: an
 * invoice per confirmed order and a credit note per refund, in the currency the customer paid,
 * every amount an integer of minor units. Storage, pushing and per-platform shapes live
 * elsewhere (xero/documents.ts maps these to Xero's request bodies).
 */

/** Where a document's lines post and which tax type they carry, per shop. */
export interface AccountingSettings {
  /** The shop's myshopify domain, e.g. `hearth-loom-test.myshopify.com`; names the source. */
  shopDomain: string;
  /** IANA zone (`iana_timezone`) in which a document's date is the order's or refund's day. */
  shopTimeZone: string;
  /** ISO 4217 currency of the shop (Shopify's `shop_money`), the ledger's base currency. */
  shopCurrency: string;
  /** `SHP-{order_number}`; placeholders: `{order_number}`, `{order_name}`, `{order_id}`. */
  invoiceNumberPattern: string;
  /** `SHP-{order_number}-R{refund_number}`; adds `{refund_number}` and `{refund_id}`. */
  creditNoteNumberPattern: string;
  accounts: {
    /** Goods, custom lines (gift wrap) and tips. UK default chart: 200 Sales. */
    sales: string;
    /** Delivery charged and refunded. UK default chart: 260 Other Revenue. */
    shipping: string;
    /** The explicit line that meets Shopify's total when line arithmetic cannot. UK: 860. */
    rounding: string;
    /** Money refunded beyond the lines (`refund_discrepancy`, money-only refunds). */
    refundAdjustments: string;
    /** Money the merchant keeps from a refund (a restocking fee). */
    restockingFees: string;
    /**
     * Gift cards sold are a liability, not a sale. Without a code, an order selling one is
     * refused rather than booked to sales.
     */
    giftCards?: string;
  };
  taxTypes: {
    /** Lines on which Shopify charged tax. UK standard-rated VAT: `OUTPUT2`. */
    taxed: string;
    /** Lines with no tax lines at all (exports, zero-rated goods): `ZERORATEDOUTPUT`. */
    untaxed: string;
    /** Rounding and money-only lines, outside the scope of tax: `NONE`. */
    outOfScope: string;
  };
  /** A tracking category set on goods lines by the order's `source_name` (web, pos, ...). */
  channelTracking?: { category: string; optionBySourceName: Record<string, string> };
  /** Words after a credited line's description, by `restock_type`. */
  restockLabels: Record<string, string>;
}

/** The United Kingdom defaults the brief of the accounting feature names. */
export const ukDefaultAccounts = {
  sales: '200',
  shipping: '260',
  rounding: '860',
  refundAdjustments: '200',
  restockingFees: '200',
} as const;

export const ukDefaultTaxTypes = {
  taxed: 'OUTPUT2',
  untaxed: 'ZERORATEDOUTPUT',
  outOfScope: 'NONE',
} as const;

export const defaultRestockLabels: Record<string, string> = {
  return: 'returned, restocked',
  cancel: 'cancelled, restocked',
  legacy_restock: 'restocked',
  no_restock: 'not restocked',
};

/** What a line is for; decides its account and how platforms present it. */
export type DocumentLineKind =
  'goods' | 'gift-card' | 'shipping' | 'tip' | 'refund-adjustment' | 'restocking-fee' | 'rounding';

export interface TrackingOption {
  category: string;
  option: string;
}

/**
 * One line. Amounts are minor units of the document's currency; `lineTotalMinor` is
 * `quantity * unitAmountMinor - discountAmountMinor` exactly, and includes tax when the
 * document's amounts include tax. `taxAmountMinor` is Shopify's figure, never recomputed.
 */
export interface DocumentLine {
  kind: DocumentLineKind;
  description: string;
  /** The SKU as Shopify sent it, trimmed; null for a blank SKU or a line with no product. */
  sku: string | null;
  quantity: number;
  unitAmountMinor: number;
  discountAmountMinor: number;
  lineTotalMinor: number;
  taxAmountMinor: number;
  /** Whether Shopify charged tax on the line at all (tax lines present or tax not zero). */
  taxCharged: boolean;
  accountCode: string;
  taxType: string;
  tracking: TrackingOption[];
  /** The Shopify object the line comes from, for tracing (`line_item:147...`, `refund:1`). */
  sourceRef: string;
}

/** Who the document is for. Every personal field may be missing (redacted or a guest). */
export interface DocumentCustomer {
  /** `SHOPIFY-{customer id}`, or `SHOPIFY-GUEST` for an order without a customer. */
  reference: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    postalCode: string | null;
    country: string | null;
  } | null;
}

/** Foreign units per one unit of the shop currency, as an exact decimal string (`1.1650`). */
export interface ExchangeRate {
  baseCurrency: string;
  rate: string;
}

/** Fields every document shares. Totals: `totalMinor = subtotalMinor + taxMinor`. */
interface DocumentBase {
  number: string;
  reference: string;
  /** `YYYY-MM-DD` in the shop's time zone. */
  date: string;
  currency: string;
  /** Null when the customer paid in the shop currency. */
  exchangeRate: ExchangeRate | null;
  amountsIncludeTax: boolean;
  customer: DocumentCustomer;
  lines: DocumentLine[];
  /** Net of tax, whichever way the lines are expressed. */
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
  /** The rounding line's amount (0 when there is none); also reported as an alert. */
  roundingMinor: number;
  shopDomain: string;
  orderId: string;
  orderName: string;
}

export interface InvoiceDocument extends DocumentBase {
  kind: 'invoice';
  dueDate: string;
}

export interface CreditNoteDocument extends DocumentBase {
  kind: 'credit-note';
  refundId: string;
  /** The invoice this credit note reduces, by number. */
  invoiceNumber: string;
}

export type AccountingDocument = InvoiceDocument | CreditNoteDocument;

/** Something a person should look at although the document is correct and complete. */
export interface AccountingAlert {
  /**
   * PLATFORM_TOTAL_DIFFERS: the platform's total is not ours; `amountMinor` = theirs - ours.
   * CREDIT_NOT_FULLY_APPLIED: a credit note's invoice owed less than it credits; `amountMinor`
   * is the credit left unapplied on the platform.
   */
  code: 'ROUNDING_LINE_ADDED' | 'PLATFORM_TOTAL_DIFFERS' | 'CREDIT_NOT_FULLY_APPLIED';
  message: string;
  amountMinor: number;
}

export interface BuiltDocument<T extends AccountingDocument> {
  document: T;
  alerts: AccountingAlert[];
}

export type AccountingDocumentErrorCode =
  | 'CURRENCY_MIXED'
  | 'TAX_MISMATCH'
  | 'TOTAL_MISMATCH'
  | 'UNKNOWN_LINE_ITEM'
  | 'SHIPPING_TAX_UNKNOWN'
  | 'NOTHING_CREDITED'
  | 'TIP_CURRENCY_UNKNOWN'
  | 'GIFT_CARD_ACCOUNT_MISSING'
  | 'NUMBER_PATTERN_INVALID'
  | 'AMOUNT_INVALID';

/**
 * A document that cannot be built faithfully. Retrying does not help: a person must look at
 * the order (the message says which figure disagrees with which, and `field` where).
 */
export class AccountingDocumentError extends Error {
  override name = 'AccountingDocumentError';

  constructor(
    readonly code: AccountingDocumentErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
