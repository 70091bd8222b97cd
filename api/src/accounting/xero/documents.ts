/**
 * Xero's request bodies for accounting documents: `PUT /Invoices` (ACCREC), `PUT /CreditNotes`
 * (ACCRECCREDIT) and `PUT /CreditNotes/{id}/Allocations`, each with its Idempotency-Key.
 * Pure mapping: sending, OAuth, rate limits and reading Xero's answers belong to the client.
 * Item codes are never sent: Xero's tracked inventory would become a second stock ledger.
 */
import { createHash } from 'node:crypto';

import { canonicalJson } from '../../platform/canonical-json.ts';
import { currencyExponent } from '../../shopify/money.ts';
import type {
  AccountingDocument,
  CreditNoteDocument,
  DocumentCustomer,
  DocumentLine,
  InvoiceDocument,
} from '../types.ts';

/** One request to Xero: where it goes, its Idempotency-Key header and its JSON body. */
export interface XeroRequest<Body> {
  method: 'PUT';
  /** Path and query under `https://api.xero.com`. */
  path: string;
  idempotencyKey: string;
  body: Body;
}

export interface XeroContact {
  Name: string;
  ContactNumber: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  Addresses?: XeroAddress[];
}

export interface XeroAddress {
  AddressType: 'POBOX';
  AddressLine1?: string;
  AddressLine2?: string;
  City?: string;
  PostalCode?: string;
  Country?: string;
}

export interface XeroLineItem {
  Description: string;
  Quantity: number;
  UnitAmount: number;
  AccountCode: string;
  TaxType: string;
  LineAmount: number;
  DiscountAmount?: number;
  TaxAmount?: number;
  Tracking?: { Name: string; Option: string }[];
}

interface XeroDocumentFields {
  Contact: XeroContact;
  Date: string;
  LineAmountTypes: 'Inclusive' | 'Exclusive';
  Reference: string;
  CurrencyCode: string;
  CurrencyRate?: number;
  Status: 'AUTHORISED';
  LineItems: XeroLineItem[];
}

export interface XeroInvoice extends XeroDocumentFields {
  Type: 'ACCREC';
  DueDate: string;
  InvoiceNumber: string;
}

export interface XeroCreditNote extends XeroDocumentFields {
  Type: 'ACCRECCREDIT';
  CreditNoteNumber: string;
}

export interface XeroAllocation {
  Invoice: { InvoiceID: string };
  Amount: number;
  Date: string;
}

/** The `PUT /Invoices` request creating the invoice. */
export function xeroInvoiceRequest(
  invoice: InvoiceDocument,
): XeroRequest<{ Invoices: XeroInvoice[] }> {
  const body = {
    Invoices: [
      {
        Type: 'ACCREC' as const,
        DueDate: invoice.dueDate,
        InvoiceNumber: invoice.number,
        ...documentFields(
          invoice,
          xeroContact(invoice.customer),
          invoice.lines.map((line) => invoiceLine(line, invoice)),
        ),
      },
    ],
  };
  return {
    method: 'PUT',
    path: '/api.xro/2.0/Invoices?summarizeErrors=false',
    idempotencyKey: idempotencyKey(scopeOf(invoice, `order:${invoice.orderId}:invoice`), body),
    body,
  };
}

/** The `PUT /CreditNotes` request creating the credit note. */
export function xeroCreditNoteRequest(
  creditNote: CreditNoteDocument,
): XeroRequest<{ CreditNotes: XeroCreditNote[] }> {
  const lines = creditNote.lines.map((line) => creditNoteLine(line, creditNote));
  const body = {
    CreditNotes: [
      {
        Type: 'ACCRECCREDIT' as const,
        CreditNoteNumber: creditNote.number,
        // The invoice already made the full contact; the credit note only has to find it.
        ...documentFields(
          creditNote,
          { ContactNumber: creditNote.customer.reference, Name: creditNote.customer.name },
          lines,
        ),
      },
    ],
  };
  return {
    method: 'PUT',
    path: '/api.xro/2.0/CreditNotes?summarizeErrors=false',
    idempotencyKey: idempotencyKey(
      scopeOf(creditNote, `refund:${creditNote.refundId}:creditnote`),
      body,
    ),
    body,
  };
}

/**
 * The request applying a credit note to its invoice, both known by the ids Xero gave them.
 * It never allocates more than the invoice still owes (`amountDueMinor`, when known): the
 * rest stays a credit to be refunded as cash. Null when the invoice owes nothing.
 */
export function xeroAllocationRequest(
  creditNote: CreditNoteDocument,
  xeroIds: { creditNoteId: string; invoiceId: string },
  amountDueMinor: number = creditNote.totalMinor,
): XeroRequest<{ Allocations: XeroAllocation[] }> | null {
  const amountMinor = Math.min(creditNote.totalMinor, amountDueMinor);
  if (amountMinor <= 0) {
    return null;
  }

  const body = {
    Allocations: [
      {
        Invoice: { InvoiceID: xeroIds.invoiceId },
        Amount: decimal(amountMinor, creditNote.currency),
        Date: creditNote.date,
      },
    ],
  };
  return {
    method: 'PUT',
    path: `/api.xro/2.0/CreditNotes/${encodeURIComponent(xeroIds.creditNoteId)}/Allocations`,
    idempotencyKey: idempotencyKey(
      scopeOf(creditNote, `refund:${creditNote.refundId}:allocation`),
      body,
    ),
    body,
  };
}

function documentFields(
  document: AccountingDocument,
  contact: XeroContact,
  lines: XeroLineItem[],
): XeroDocumentFields {
  return {
    Contact: contact,
    Date: document.date,
    LineAmountTypes: document.amountsIncludeTax ? 'Inclusive' : 'Exclusive',
    Reference: document.reference,
    CurrencyCode: document.currency,
    ...(document.exchangeRate === null ? {} : { CurrencyRate: Number(document.exchangeRate.rate) }),
    Status: 'AUTHORISED',
    LineItems: lines,
  };
}

/** The customer as a whole Xero contact: the element that creates it. */
export function xeroContact(customer: DocumentCustomer): XeroContact {
  const address = customer.address;
  return {
    Name: customer.name,
    ...optional('FirstName', customer.firstName),
    ...optional('LastName', customer.lastName),
    ...optional('EmailAddress', customer.email),
    ContactNumber: customer.reference,
    ...(address === null
      ? {}
      : {
          Addresses: [
            {
              AddressType: 'POBOX' as const,
              ...optional('AddressLine1', address.line1),
              ...optional('AddressLine2', address.line2),
              ...optional('City', address.city),
              ...optional('PostalCode', address.postalCode),
              ...optional('Country', address.country),
            },
          ],
        }),
  };
}

function optional<Key extends string>(
  key: Key,
  value: string | null,
): Partial<Record<Key, string>> {
  return value === null ? {} : ({ [key]: value } as Partial<Record<Key, string>>);
}

/**
 * An invoice line with its discount and, wherever Shopify charged tax, Shopify's tax as an
 * explicit TaxAmount, so Xero books that figure instead of computing its own. A line with no
 * tax lines carries a zero-rate tax type and leaves TaxAmount out.
 */
function invoiceLine(line: DocumentLine, document: AccountingDocument): XeroLineItem {
  return {
    Description: xeroDescription(line.description),
    Quantity: line.quantity,
    UnitAmount: decimal(line.unitAmountMinor, document.currency),
    AccountCode: line.accountCode,
    TaxType: line.taxType,
    LineAmount: decimal(line.lineTotalMinor, document.currency),
    ...(line.discountAmountMinor === 0
      ? {}
      : { DiscountAmount: decimal(line.discountAmountMinor, document.currency) }),
    ...taxAmountOf(line, document),
    ...(line.tracking.length === 0
      ? {}
      : {
          Tracking: line.tracking.map((tracking) => ({
            Name: tracking.category,
            Option: tracking.option,
          })),
        }),
  };
}

/**
 * Credit notes take no discount fields, so a line carries its discounted unit price. When the
 * discounted total does not divide by the quantity (3 for 29.00), no unit price in the
 * currency's decimals multiplies back to it; the line then states one unit of the whole
 * amount, with the quantity in its description, so the credited amount stays exact.
 */
function creditNoteLine(line: DocumentLine, document: AccountingDocument): XeroLineItem {
  const dividesEvenly = line.quantity > 0 && line.lineTotalMinor % line.quantity === 0;
  const quantity = dividesEvenly ? line.quantity : 1;
  const description =
    dividesEvenly || line.quantity <= 1
      ? line.description
      : `${line.quantity} × ${line.description}`;
  return {
    Description: xeroDescription(description),
    Quantity: quantity,
    UnitAmount: decimal(line.lineTotalMinor / quantity, document.currency),
    AccountCode: line.accountCode,
    TaxType: line.taxType,
    LineAmount: decimal(line.lineTotalMinor, document.currency),
    ...taxAmountOf(line, document),
  };
}

/** Xero refuses a line description longer than this, counted in UTF-16 code units. */
export const xeroDescriptionLengthMax = 4000;

/**
 * A description Xero takes. A longer one (a long gift note on a custom line) is cut short and
 * ends in "…", so the platform shows it was shortened; the document here keeps all of it, and
 * the amounts do not depend on it.
 */
export function xeroDescription(text: string): string {
  if (text.length <= xeroDescriptionLengthMax) {
    return text;
  }

  const cut = text.slice(0, xeroDescriptionLengthMax - 1);
  // A character outside the Basic Multilingual Plane is two code units: never half of one.
  const whole = /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
  return `${whole}…`;
}

function taxAmountOf(line: DocumentLine, document: AccountingDocument): { TaxAmount?: number } {
  return line.taxCharged ? { TaxAmount: decimal(line.taxAmountMinor, document.currency) } : {};
}

/**
 * Minor units as the JSON number Xero reads. The exact decimal text is built first, so the
 * number is the one nearest to it (2450 pence is 24.5, never 24.499999).
 */
function decimal(amountMinor: number, currency: string): number {
  const exponent = currencyExponent(currency);
  const digits = Math.abs(amountMinor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  const sign = amountMinor < 0 ? '-' : '';
  return Number(exponent === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`);
}

function scopeOf(document: AccountingDocument, what: string): string {
  // Xero allows 128 characters; a handle is cut so that the key always fits.
  const shop = document.shopDomain.replace(/\.myshopify\.com$/i, '').slice(0, 40);
  return `shopify:${shop}:${what}:v1`;
}

/**
 * The key is the document's identity followed by a digest of the exact body sent. Xero answers
 * a repeated key with its first answer without reading the body, so:
 * - a retry of the same request (a timeout after Xero had already created the invoice) gets
 *   the same key and creates nothing twice;
 * - a changed document (the order edited before pushing, an account code corrected) gets a new
 *   key, so Xero judges the new body on its own instead of silently answering with the old
 *   invoice; a duplicate number then comes back as a visible validation error.
 * The identity prefix keeps the key readable in logs and in Xero's history.
 */
function idempotencyKey(scope: string, body: unknown): string {
  const digest = createHash('sha256').update(canonicalJson(body)).digest('base64url');
  return `${scope}:${digest.slice(0, 32)}`;
}
