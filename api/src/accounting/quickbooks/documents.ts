/**
 * QuickBooks Online request bodies for accounting documents: `POST /invoice` and
 * `POST /creditmemo`, each with a `requestid` derived from the document and the exact body, and
 * the `POST /payment` that applies a credit memo to its invoice. Pure mapping: the ids of the
 * customer, items and tax codes are found (or created) by the connector and handed in.
 *
 * Discounts are not sent as a DiscountLineDetail: QuickBooks would spread a document discount
 * over the lines by its own rounding, and the VAT per line would stop matching Shopify's. Each
 * line instead carries its discounted net amount, with the unit price worked back from it.
 * Leaves out: `GlobalTaxCalculation: NotApplicable` (companies that do not charge VAT) and
 * QuickBooks's shipping-line feature (`SHIPPING_ITEM_ID`), which UK companies do not have;
 * delivery is an ordinary line on the Shipping item.
 */
import { createHash } from 'node:crypto';

import { canonicalJson } from '../../platform/canonical-json.ts';
import { currencyExponent } from '../../shopify/money.ts';
import type {
  AccountingDocument,
  CreditNoteDocument,
  DocumentLine,
  InvoiceDocument,
} from '../types.ts';

/** A QuickBooks reference to a list entity: its id, and its name for people reading it. */
export interface QboRef {
  value: string;
  name?: string;
}

/** The ids a document's lines and header point at, found in the company beforehand. */
export interface QboReferences {
  customer: QboRef;
  /** The item of each SKU, by the SKU as the document carries it. */
  itemsBySku: Map<string, QboRef>;
  shippingItem: QboRef;
  /** For lines without a SKU: custom lines (gift wrap), adjustments, fees, rounding. */
  otherItem: QboRef;
  taxCodes: { taxed: string; untaxed: string; outOfScope: string };
}

export interface QboSalesItemLine {
  DetailType: 'SalesItemLineDetail';
  Amount: number;
  Description: string;
  SalesItemLineDetail: {
    ItemRef: QboRef;
    Qty?: number;
    UnitPrice?: number;
    TaxCodeRef: { value: string };
    TaxInclusiveAmt?: number;
  };
}

export interface QboSalesDocument {
  DocNumber: string;
  TxnDate: string;
  CustomerRef: QboRef;
  CurrencyRef: { value: string };
  ExchangeRate?: number;
  GlobalTaxCalculation: 'TaxInclusive' | 'TaxExcluded';
  PrivateNote: string;
  BillEmail?: { Address: string };
  Line: QboSalesItemLine[];
  TxnTaxDetail: { TotalTax: number };
}

export interface QboPayment {
  CustomerRef: QboRef;
  TotalAmt: number;
  TxnDate: string;
  CurrencyRef: { value: string };
  ExchangeRate?: number;
  PrivateNote: string;
  Line: { Amount: number; LinkedTxn: { TxnId: string; TxnType: 'Invoice' | 'CreditMemo' }[] }[];
}

/** One request: the entity path under `/v3/company/{realmId}/`, its requestid and body. */
export interface QboRequest<Body> {
  entity: 'invoice' | 'creditmemo' | 'payment';
  requestId: string;
  body: Body;
}

/** The invoice of an order. */
export function qboInvoiceRequest(
  invoice: InvoiceDocument,
  references: QboReferences,
): QboRequest<QboSalesDocument> {
  const note = `Shopify order ${invoice.orderName} (${invoice.orderId})`;
  const body = salesDocument(invoice, references, note);
  return { entity: 'invoice', requestId: requestIdOf(`i${invoice.orderId}`, body), body };
}

/** The credit memo of a refund; applying it to the invoice is a separate payment. */
export function qboCreditMemoRequest(
  creditNote: CreditNoteDocument,
  references: QboReferences,
): QboRequest<QboSalesDocument> {
  const note =
    `Shopify refund ${creditNote.refundId} of order ${creditNote.orderName} ` +
    `(${creditNote.orderId}), against ${creditNote.invoiceNumber}`;
  const body = salesDocument(creditNote, references, note);
  return { entity: 'creditmemo', requestId: requestIdOf(`c${creditNote.refundId}`, body), body };
}

/**
 * The payment that applies `amountMinor` of a credit memo to its invoice: no money moves
 * (TotalAmt 0), the invoice's balance and the memo's remaining credit both fall by the amount.
 */
export function qboApplyCreditRequest(
  creditNote: CreditNoteDocument,
  ids: { customer: QboRef; invoiceId: string; creditMemoId: string },
  amountMinor: number,
): QboRequest<QboPayment> {
  const amount = decimal(amountMinor, creditNote.currency);
  const body: QboPayment = {
    CustomerRef: ids.customer,
    TotalAmt: 0,
    TxnDate: creditNote.date,
    CurrencyRef: { value: creditNote.currency },
    ...exchangeRateOf(creditNote),
    PrivateNote: `Credit ${creditNote.number} applied to ${creditNote.invoiceNumber}`,
    Line: [
      { Amount: amount, LinkedTxn: [{ TxnId: ids.invoiceId, TxnType: 'Invoice' }] },
      { Amount: amount, LinkedTxn: [{ TxnId: ids.creditMemoId, TxnType: 'CreditMemo' }] },
    ],
  };
  return { entity: 'payment', requestId: requestIdOf(`a${creditNote.refundId}`, body), body };
}

function salesDocument(
  document: AccountingDocument,
  references: QboReferences,
  note: string,
): QboSalesDocument {
  return {
    DocNumber: document.number,
    TxnDate: document.date,
    CustomerRef: references.customer,
    CurrencyRef: { value: document.currency },
    ...exchangeRateOf(document),
    GlobalTaxCalculation: document.amountsIncludeTax ? 'TaxInclusive' : 'TaxExcluded',
    PrivateNote: note,
    ...(document.customer.email ? { BillEmail: { Address: document.customer.email } } : {}),
    Line: document.lines.map((line) => salesLine(line, document, references)),
    TxnTaxDetail: { TotalTax: decimal(document.taxMinor, document.currency) },
  };
}

/**
 * A line's net amount (after its discount, before tax) with the unit price that multiplies
 * back to it. When the net amount does not divide by the quantity (10.00 for 3), the unit price
 * carries six decimals, which QuickBooks accepts and which still rounds back to the exact
 * amount for any quantity below 10,000.
 */
function salesLine(
  line: DocumentLine,
  document: AccountingDocument,
  references: QboReferences,
): QboSalesItemLine {
  const netMinor = document.amountsIncludeTax
    ? line.lineTotalMinor - line.taxAmountMinor
    : line.lineTotalMinor;
  const quantityFields =
    line.quantity > 0
      ? { Qty: line.quantity, UnitPrice: unitPrice(netMinor, line.quantity, document.currency) }
      : {};
  return {
    DetailType: 'SalesItemLineDetail',
    Amount: decimal(netMinor, document.currency),
    Description: line.description,
    SalesItemLineDetail: {
      ItemRef: itemOf(line, references),
      ...quantityFields,
      TaxCodeRef: { value: taxCodeOf(line, references) },
      ...(document.amountsIncludeTax
        ? { TaxInclusiveAmt: decimal(line.lineTotalMinor, document.currency) }
        : {}),
    },
  };
}

function itemOf(line: DocumentLine, references: QboReferences): QboRef {
  if (line.kind === 'shipping') {
    return references.shippingItem;
  }
  const item = line.kind === 'goods' && line.sku ? references.itemsBySku.get(line.sku) : undefined;
  return item ?? references.otherItem;
}

/**
 * Taxed where Shopify charged tax; rounding, tips, gift cards sold and money-only lines lie
 * outside VAT.
 */
function taxCodeOf(line: DocumentLine, references: QboReferences): string {
  if (line.taxCharged) {
    return references.taxCodes.taxed;
  }
  const outOfScope =
    line.kind === 'rounding' ||
    line.kind === 'tip' ||
    line.kind === 'gift-card' ||
    line.kind === 'refund-adjustment';
  return outOfScope ? references.taxCodes.outOfScope : references.taxCodes.untaxed;
}

/** SKUs of the goods lines that need an item of their own. */
export function skusOf(document: AccountingDocument): string[] {
  const skus = document.lines
    .filter((line) => line.kind === 'goods' && line.sku)
    .map((line) => line.sku ?? '');
  return [...new Set(skus)];
}

/**
 * QuickBooks records home-currency units per one foreign unit; the document carries the
 * inverse (foreign units per unit of the shop's currency), so it is turned round, to six
 * decimals.
 */
function exchangeRateOf(document: AccountingDocument): { ExchangeRate?: number } {
  if (document.exchangeRate === null) {
    return {};
  }
  const [whole = '0', fraction = ''] = document.exchangeRate.rate.split('.');
  const foreignPerHome = BigInt(whole + fraction);
  const scale = 10n ** BigInt(fraction.length);
  const decimals = 10n ** 6n;
  const homePerForeign = (scale * decimals * 2n + foreignPerHome) / (foreignPerHome * 2n);
  return { ExchangeRate: Number(homePerForeign) / 1e6 };
}

/** A JSON number from minor units, built from its exact decimal text. */
export function decimal(amountMinor: number, currency: string): number {
  const exponent = currencyExponent(currency);
  return Number((amountMinor / 10 ** exponent).toFixed(exponent));
}

/** net / quantity as a number with at most six decimals, rounded half up. */
function unitPrice(netMinor: number, quantity: number, currency: string): number {
  const exponent = currencyExponent(currency);
  if (netMinor % quantity === 0) {
    return decimal(netMinor / quantity, currency);
  }
  const extra = 10n ** BigInt(6 - exponent);
  const sign = netMinor < 0 ? -1n : 1n;
  const magnitude = BigInt(Math.abs(netMinor)) * extra;
  const rounded = (magnitude * 2n + BigInt(quantity)) / (BigInt(quantity) * 2n);
  return Number(sign * rounded) / 1e6;
}

/**
 * `requestid` (at most 50 characters): what the request creates (`i` and the order id for an
 * invoice, `c` and the refund id for a credit memo, `a` for applying it), then a digest of the
 * exact body. A retry of the same body repeats the id, and QuickBooks answers with what the
 * first attempt created; a changed document (an edited order, a corrected tax code) gets a new
 * id, so QuickBooks judges the new body instead of replaying the old answer.
 */
export function requestIdOf(identity: string, body: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(body)).digest('base64url');
  const kept = identity.slice(0, 25);
  return `${kept}-${digest.slice(0, 49 - kept.length)}`;
}
