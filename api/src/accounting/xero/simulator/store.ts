// What one simulated Xero organisation holds: contacts, invoices, credit notes, allocations,
// issued tokens, idempotent answers and a log of every request, readable by tests. Records keep
// money as bigint cents and make Xero's answer shapes (dates as `/Date(ms+0000)/`).
// Leaves out: payments, overpayments, items, tracking categories and attachments.
import { fromUnits, centsScale, fineScale } from './money.ts';

export type DocumentKind = 'invoice' | 'creditNote';
export type LineAmountType = 'Exclusive' | 'Inclusive' | 'NoTax';
export type DocumentStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';

/** One chart-of-accounts entry the organisation accepts on lines. */
export interface AccountSetting {
  code: string;
  name: string;
  /** Tax type Xero applies to a line on this account that names none. */
  taxType: string;
  /** A system account (Accounts Receivable, VAT): in the chart, but no line may post to it. */
  system?: boolean;
}

export interface ContactRecord {
  ContactID: string;
  ContactNumber?: string;
  Name: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  Addresses?: unknown[];
  ContactStatus: 'ACTIVE' | 'ARCHIVED';
  updatedMs: number;
}

export interface LineRecord {
  LineItemID: string;
  Description?: string;
  /** Scale 4. */
  quantity: bigint;
  /** Scale 4 (rounded to 2 decimals unless the call asked for `unitdp=4`). */
  unitAmount: bigint | null;
  AccountCode?: string;
  TaxType: string;
  lineAmountCents: bigint;
  taxCents: bigint;
  discountCents: bigint;
  DiscountRate?: number;
  Tracking?: unknown[];
}

export interface DocumentRecord {
  kind: DocumentKind;
  id: string;
  type: string;
  number: string | null;
  reference: string | null;
  contactId: string;
  /** Document date and due date at midnight UTC, in ms. */
  dateMs: number;
  dueDateMs: number | null;
  status: DocumentStatus;
  lineAmountTypes: LineAmountType;
  currencyCode: string;
  currencyRate: number;
  lines: LineRecord[];
  subTotalCents: bigint;
  totalTaxCents: bigint;
  totalCents: bigint;
  /** Credit notes allocated to this invoice, or this credit note allocated to invoices. */
  allocatedCents: bigint;
  updatedMs: number;
  /** The element as last accepted, so a POST can merge a partial update over it. */
  source: Record<string, unknown>;
}

export interface AllocationRecord {
  AllocationID: string;
  creditNoteId: string;
  invoiceId: string;
  amountCents: bigint;
  dateMs: number;
}

/** One HTTP request as received, for assertions. Header names are lower case. */
export interface RequestRecord {
  atMs: number;
  host: 'identity' | 'api';
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bodyText: string;
  status: number;
}

export interface IdempotentAnswer {
  fingerprint: string;
  /** Undefined while the first request is still being answered. */
  status?: number;
  body?: unknown;
}

export interface TokenRecord {
  clientId: string;
  scope: string;
  expiresAtMs: number;
}

function dateOf(ms: number): string {
  return `/Date(${ms}+0000)/`;
}

function dateStringOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

const money = (cents: bigint): number => fromUnits(cents, centsScale);

export class XeroSimulatorStore {
  readonly contacts = new Map<string, ContactRecord>();
  readonly invoices = new Map<string, DocumentRecord>();
  readonly creditNotes = new Map<string, DocumentRecord>();
  readonly allocations: AllocationRecord[] = [];
  readonly requests: RequestRecord[] = [];
  readonly tokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Set<string>();
  readonly idempotentAnswers = new Map<string, IdempotentAnswer>();

  constructor(
    readonly tenantId: string,
    readonly organisationName: string,
    readonly baseCurrency: string,
    readonly nowMs: () => number,
  ) {}

  documents(kind: DocumentKind): Map<string, DocumentRecord> {
    return kind === 'invoice' ? this.invoices : this.creditNotes;
  }

  invoiceByNumber(invoiceNumber: string): DocumentRecord | undefined {
    return [...this.invoices.values()].find((invoice) => invoice.number === invoiceNumber);
  }

  contactByName(name: string): ContactRecord | undefined {
    const wanted = name.trim().toLowerCase();
    return [...this.contacts.values()].find(
      (contact) => contact.ContactStatus === 'ACTIVE' && contact.Name.toLowerCase() === wanted,
    );
  }

  contactByNumber(contactNumber: string): ContactRecord | undefined {
    return [...this.contacts.values()].find((contact) => contact.ContactNumber === contactNumber);
  }

  /** Amount still owed on an invoice, or credit still unallocated on a credit note. */
  outstandingCents(document: DocumentRecord): bigint {
    if (document.status === 'VOIDED' || document.status === 'DELETED') {
      return 0n;
    }
    return document.totalCents - document.allocatedCents;
  }

  contactAnswer(contact: ContactRecord): Record<string, unknown> {
    const { updatedMs, ...fields } = contact;
    return { ...fields, UpdatedDateUTC: dateOf(updatedMs) };
  }

  /** A stored invoice or credit note in Xero's answer shape. */
  documentAnswer(document: DocumentRecord): Record<string, unknown> {
    const contact = this.contacts.get(document.contactId);
    const isInvoice = document.kind === 'invoice';
    const allocations = this.allocations
      .filter((allocation) =>
        isInvoice ? allocation.invoiceId === document.id : allocation.creditNoteId === document.id,
      )
      .map((allocation) => this.allocationAnswer(allocation));
    const outstanding = money(this.outstandingCents(document));

    return {
      Type: document.type,
      [isInvoice ? 'InvoiceID' : 'CreditNoteID']: document.id,
      [isInvoice ? 'InvoiceNumber' : 'CreditNoteNumber']: document.number ?? '',
      Reference: document.reference ?? '',
      Contact: contact ? this.contactAnswer(contact) : { ContactID: document.contactId },
      Date: dateOf(document.dateMs),
      DateString: dateStringOf(document.dateMs),
      ...(document.dueDateMs === null
        ? {}
        : { DueDate: dateOf(document.dueDateMs), DueDateString: dateStringOf(document.dueDateMs) }),
      Status: document.status,
      LineAmountTypes: document.lineAmountTypes,
      LineItems: document.lines.map((line) => this.lineAnswer(line)),
      SubTotal: money(document.subTotalCents),
      TotalTax: money(document.totalTaxCents),
      Total: money(document.totalCents),
      CurrencyCode: document.currencyCode,
      CurrencyRate: document.currencyRate,
      ...(isInvoice
        ? {
            AmountDue: outstanding,
            AmountPaid: 0,
            AmountCredited: money(document.allocatedCents),
            CreditNotes: allocations,
          }
        : { RemainingCredit: outstanding, Allocations: allocations }),
      UpdatedDateUTC: dateOf(document.updatedMs),
      HasErrors: false,
    };
  }

  private lineAnswer(line: LineRecord): Record<string, unknown> {
    return {
      LineItemID: line.LineItemID,
      ...(line.Description === undefined ? {} : { Description: line.Description }),
      Quantity: fromUnits(line.quantity, fineScale),
      ...(line.unitAmount === null ? {} : { UnitAmount: fromUnits(line.unitAmount, fineScale) }),
      ...(line.AccountCode === undefined ? {} : { AccountCode: line.AccountCode }),
      TaxType: line.TaxType,
      TaxAmount: money(line.taxCents),
      LineAmount: money(line.lineAmountCents),
      ...(line.discountCents === 0n ? {} : { DiscountAmount: money(line.discountCents) }),
      ...(line.DiscountRate === undefined ? {} : { DiscountRate: line.DiscountRate }),
      Tracking: line.Tracking ?? [],
    };
  }

  allocationAnswer(allocation: AllocationRecord): Record<string, unknown> {
    const invoice = this.invoices.get(allocation.invoiceId);
    const creditNote = this.creditNotes.get(allocation.creditNoteId);
    return {
      AllocationID: allocation.AllocationID,
      Amount: money(allocation.amountCents),
      Date: dateOf(allocation.dateMs),
      Invoice: { InvoiceID: allocation.invoiceId, InvoiceNumber: invoice?.number ?? '' },
      CreditNote: {
        CreditNoteID: allocation.creditNoteId,
        CreditNoteNumber: creditNote?.number ?? '',
      },
      IsDeleted: false,
    };
  }
}

export { dateOf as xeroDate };
