/**
 * An accounting platform in memory, behind the AccountingConnector interface, for tests of the
 * push queue: it keeps the documents it was given, adopts a document it already holds (same
 * kind, number and total) as a real connector does after a lost answer, applies credit notes,
 * and can be told to answer the next call with each failure a platform can give. It checks
 * nothing of a document's content: that is the real connectors' and simulators' work.
 */
import {
  ConnectorConfigurationError,
  ConnectorParkedError,
  ConnectorUnavailableError,
  type AccountingConnector,
  type AccountingPlatform,
  type AllocationOutcome,
  type CreditNoteToPush,
  type PushOutcome,
} from './connector.ts';
import type { AccountingDocument, InvoiceDocument } from './types.ts';

/** A document as the fake platform holds it. */
export interface FakePlatformDocument {
  platformId: string;
  kind: AccountingDocument['kind'];
  number: string;
  totalMinor: number;
  document: AccountingDocument;
  /** Credit notes: what has been applied to the invoice so far. */
  allocatedMinor: number;
}

/** What the next call answers instead of succeeding. */
export type FakeFailure =
  | { kind: 'unavailable'; retryAfterMs: number }
  | { kind: 'parked'; until: Date }
  | { kind: 'configuration'; message: string }
  /** The platform keeps the documents, then the answer is lost (an exception instead). */
  | { kind: 'lost-answer' }
  /** The platform refuses documents with this number, with its own words. */
  | { kind: 'refuse'; number: string; reason: string }
  /** The platform refuses to apply the credit note with this number to its invoice. */
  | { kind: 'refuse-allocation'; number: string; reason: string };

export interface FakeCall {
  method: 'pushInvoices' | 'pushCreditNotes' | 'allocate';
  numbers: string[];
  /** The documents as sent, for pushes. */
  documents?: AccountingDocument[];
}

export class FakeAccountingPlatform implements AccountingConnector {
  readonly documents = new Map<string, FakePlatformDocument>();
  readonly calls: FakeCall[] = [];
  /** Added to the platform's total of the next documents pushed (a platform that rounds). */
  totalDifferenceMinor = 0;
  private readonly failures: FakeFailure[] = [];
  private sequence = 0;
  private hold: { reached: () => void; released: Promise<void> } | null = null;

  constructor(
    readonly platform: AccountingPlatform = 'xero',
    readonly batchSizeMax = 50,
  ) {}

  /** Queues a failure for the next call (refusals apply to the next push holding the number). */
  failNext(failure: FakeFailure): void {
    this.failures.push(failure);
  }

  /**
   * Keeps the next push in flight once the platform has dealt with its documents, until
   * `release` is called: `reached` settles when the call is there.
   */
  holdNextPush(): { reached: Promise<void>; release: () => void } {
    let reached = () => {};
    let release = () => {};
    const reachedPromise = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.hold = { reached, released };
    return { reached: reachedPromise, release };
  }

  /** The documents of one kind the platform holds, by number. */
  numbers(kind: AccountingDocument['kind']): string[] {
    return [...this.documents.values()]
      .filter((document) => document.kind === kind)
      .map((document) => document.number)
      .sort();
  }

  /** Money paid on the platform against the invoice with this number, which it owes no more. */
  recordPayment(invoiceNumber: string, amountMinor: number): void {
    const invoice = [...this.documents.values()].find(
      (held) => held.kind === 'invoice' && held.number === invoiceNumber,
    );
    if (invoice === undefined) {
      throw new Error(`no invoice ${invoiceNumber} to pay`);
    }
    this.allocations.push({ invoiceId: invoice.platformId, amountMinor });
  }

  pushInvoices(invoices: InvoiceDocument[]): Promise<PushOutcome[]> {
    return this.push('pushInvoices', invoices);
  }

  pushCreditNotes(creditNotes: CreditNoteToPush[]): Promise<PushOutcome[]> {
    for (const { invoice } of creditNotes) {
      if (!this.documents.has(invoice.platformId)) {
        throw new Error(`credit note pushed for invoice ${invoice.platformId}, which is unknown`);
      }
    }
    return this.push(
      'pushCreditNotes',
      creditNotes.map((each) => each.document),
    );
  }

  allocate(creditNote: CreditNoteToPush & { platformId: string }): Promise<AllocationOutcome> {
    this.calls.push({ method: 'allocate', numbers: [creditNote.document.number] });
    this.throwQueuedFailure();
    const refusal = this.failures.find(
      (failure) =>
        failure.kind === 'refuse-allocation' && failure.number === creditNote.document.number,
    );
    if (refusal !== undefined && refusal.kind === 'refuse-allocation') {
      this.failures.splice(this.failures.indexOf(refusal), 1);
      return Promise.resolve({ status: 'refused', reason: refusal.reason, details: null });
    }
    const held = this.documents.get(creditNote.platformId);
    const invoice = this.documents.get(creditNote.invoice.platformId);
    if (held === undefined || invoice === undefined) {
      return Promise.resolve({ status: 'refused', reason: 'unknown document', details: null });
    }

    const owedMinor = invoice.totalMinor - this.allocatedTo(invoice.platformId);
    const amountMinor = Math.min(owedMinor, held.totalMinor - held.allocatedMinor);
    if (amountMinor <= 0) {
      return Promise.resolve({ status: 'not_needed' });
    }
    held.allocatedMinor += amountMinor;
    this.allocations.push({ invoiceId: invoice.platformId, amountMinor });
    return Promise.resolve({ status: 'allocated', allocatedMinor: amountMinor });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private readonly allocations: { invoiceId: string; amountMinor: number }[] = [];

  private allocatedTo(invoiceId: string): number {
    return this.allocations
      .filter((allocation) => allocation.invoiceId === invoiceId)
      .reduce((sum, allocation) => sum + allocation.amountMinor, 0);
  }

  private async push(
    method: 'pushInvoices' | 'pushCreditNotes',
    documents: AccountingDocument[],
  ): Promise<PushOutcome[]> {
    this.calls.push({ method, numbers: documents.map((document) => document.number), documents });
    const refusals = this.takeRefusals(documents);
    const lostAnswer = this.failures[0]?.kind === 'lost-answer';
    if (lostAnswer) {
      this.failures.shift();
    } else {
      this.throwQueuedFailure();
    }

    const outcomes = documents.map((document): PushOutcome => {
      const refusal = refusals.get(document.number);
      if (refusal !== undefined) {
        return { status: 'refused', reason: refusal, details: { number: document.number } };
      }
      const held = this.adoptOrCreate(document);
      if (typeof held === 'string') {
        return { status: 'refused', reason: held, details: { number: document.number } };
      }
      return {
        status: 'pushed',
        platformId: held.platformId,
        platformNumber: held.number,
        platformTotalMinor: held.totalMinor + this.totalDifferenceMinor,
      };
    });
    const hold = this.hold;
    if (hold !== null) {
      this.hold = null;
      hold.reached();
      await hold.released;
    }
    if (lostAnswer) {
      throw new Error('the connection closed before the answer arrived');
    }
    return outcomes;
  }

  private adoptOrCreate(document: AccountingDocument): FakePlatformDocument | string {
    const same = [...this.documents.values()].find(
      (held) => held.kind === document.kind && held.number === document.number,
    );
    if (same !== undefined) {
      return same.totalMinor === document.totalMinor
        ? same
        : `number ${document.number} is already used by another document`;
    }

    this.sequence += 1;
    const held: FakePlatformDocument = {
      platformId: `fake-${this.sequence}`,
      kind: document.kind,
      number: document.number,
      totalMinor: document.totalMinor,
      document,
      allocatedMinor: 0,
    };
    this.documents.set(held.platformId, held);
    return held;
  }

  private takeRefusals(documents: AccountingDocument[]): Map<string, string> {
    const refusals = new Map<string, string>();
    for (const failure of [...this.failures]) {
      if (
        failure.kind === 'refuse' &&
        documents.some((document) => document.number === failure.number)
      ) {
        refusals.set(failure.number, failure.reason);
        this.failures.splice(this.failures.indexOf(failure), 1);
      }
    }
    return refusals;
  }

  private throwQueuedFailure(): void {
    const failure = this.failures[0];
    if (
      failure === undefined ||
      failure.kind === 'refuse' ||
      failure.kind === 'refuse-allocation' ||
      failure.kind === 'lost-answer'
    ) {
      return;
    }
    this.failures.shift();
    switch (failure.kind) {
      case 'unavailable':
        throw new ConnectorUnavailableError('the platform answered 503', failure.retryAfterMs);
      case 'parked':
        throw new ConnectorParkedError('the daily call limit is reached', failure.until);
      case 'configuration':
        throw new ConnectorConfigurationError(failure.message);
    }
  }
}
