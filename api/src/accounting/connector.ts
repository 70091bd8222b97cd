/**
 * The one interface the push queue sees, whichever accounting platform the shop uses. An
 * adapter (Xero, QuickBooks Online) turns Quartermaster's documents into the platform's calls,
 * keeps within the platform's limits, and answers per document: pushed, or refused with the
 * platform's own words. Anything else it throws, as one of the errors below, so the queue knows
 * whether to wait, park, or try again.
 */
import type { CreditNoteDocument, InvoiceDocument } from './types.ts';

export type AccountingPlatform = 'xero' | 'quickbooks';

/** Where a document now lives on the platform. */
export interface PlatformDocument {
  platformId: string;
  /** The number the platform shows (normally the document's own number). */
  platformNumber: string;
  /** The platform's total, in minor units of the document's currency. */
  platformTotalMinor: number;
}

export type PushOutcome =
  | ({ status: 'pushed' } & PlatformDocument)
  | {
      /**
       * The platform refused the document as it is (a validation error): retrying the same
       * body cannot help; a person must fix the mapping or the settings first.
       */
      status: 'refused';
      reason: string;
      details: unknown;
    };

/** A credit note to push, with where its invoice lives on the same platform. */
export interface CreditNoteToPush {
  document: CreditNoteDocument;
  invoice: { document: InvoiceDocument; platformId: string };
}

export type AllocationOutcome =
  | { status: 'allocated'; allocatedMinor: number }
  /**
   * The invoice owes nothing any more: the credit stays on the customer's account, which the
   * queue puts to finance, as it does any part of a credit note `allocated` did not apply.
   */
  | { status: 'not_needed' }
  | { status: 'refused'; reason: string; details: unknown };

export interface AccountingConnector {
  readonly platform: AccountingPlatform;

  /** How many documents one push call takes at most (Xero: 50 per request). */
  readonly batchSizeMax: number;

  /**
   * Creates the invoices, or finds those a previous attempt already created (same number and
   * total), so that a retry after a crash never makes a second one. One outcome per invoice,
   * in the same order.
   */
  pushInvoices(invoices: InvoiceDocument[]): Promise<PushOutcome[]>;

  /** As pushInvoices, for credit notes; allocation is a separate step. */
  pushCreditNotes(creditNotes: CreditNoteToPush[]): Promise<PushOutcome[]>;

  /** Applies a pushed credit note to its invoice, never more than the invoice still owes. */
  allocate(creditNote: CreditNoteToPush & { platformId: string }): Promise<AllocationOutcome>;

  /** Ends timers and open connections. */
  close(): Promise<void>;
}

/**
 * The platform cannot take calls now (a 429, a 5xx, a network failure). Nothing was refused:
 * the same call is to be made again after `retryAfterMs`.
 */
export class ConnectorUnavailableError extends Error {
  override name = 'ConnectorUnavailableError';

  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The platform will take no more calls until `until` (Xero's daily limit): the whole queue
 * for this platform waits, and a person is told.
 */
export class ConnectorParkedError extends Error {
  override name = 'ConnectorParkedError';

  constructor(
    message: string,
    readonly until: Date,
  ) {
    super(message);
  }
}

/**
 * The connection itself is wrong (bad credentials, a revoked consent, no organisation): no
 * document can be pushed until the configuration is fixed.
 */
export class ConnectorConfigurationError extends Error {
  override name = 'ConnectorConfigurationError';
}
