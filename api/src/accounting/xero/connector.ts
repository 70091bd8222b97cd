/**
 * The Xero adapter of the accounting connector: invoices and credit notes pushed in batches of
 * up to 50 with `summarizeErrors=false`, each to its customer's contact (contacts.ts), and credit
 * notes allocated to their invoices, over the client in client.ts. Request bodies and
 * per-document Idempotency-Keys come from the pure mapping in documents.ts.
 *
 * Exactly once: a batch carries a key derived from its documents' keys, so a retry after a lost
 * answer replays Xero's first answer. Once Xero has forgotten the key, it refuses the repeated
 * number instead; every refused document is then looked up by number and the one found is taken
 * as the push's result when its currency and total match, and refused with both totals when
 * they do not. Allocation reads what the credit note is already allocated to before allocating.
 *
 * Leaves out: updating or voiding a pushed document (a pushed document is frozen), payments and
 * cash refunds of credit left over after allocation, and attachments.
 */
import { createHash } from 'node:crypto';

import type {
  AccountingConnector,
  AllocationOutcome,
  CreditNoteToPush,
  PushOutcome,
} from '../connector.ts';
import type { Logger } from '../../platform/logger.ts';
import { currencyExponent } from '../../shopify/money.ts';
import type { AccountingDocument } from '../types.ts';
import {
  type DocumentAnswer,
  documentsOf,
  idOf,
  isRefused,
  messagesOf,
  minorOf,
  numberOf,
  validationElementsOf,
  whereText,
} from './answers.ts';
import { XeroClient, type XeroClientOptions } from './client.ts';
import { type ContactResolution, XeroContacts } from './contacts.ts';
import { xeroAllocationRequest, xeroCreditNoteRequest, xeroInvoiceRequest } from './documents.ts';

export type XeroConnectorOptions = XeroClientOptions;

/** Xero takes at most 50 elements in one PUT. */
export const xeroBatchSizeMax = 50;

/**
 * Sends of one batch: after a whole-call ValidationException Xero saved nothing, so the
 * documents it did not fault are sent again without the faulted ones, once.
 */
const sendsPerBatchMax = 2;

interface DocumentKind {
  collection: 'Invoices' | 'CreditNotes';
  /** Xero's Type of the sales documents Quartermaster pushes. */
  type: 'ACCREC' | 'ACCRECCREDIT';
  label: 'invoice' | 'credit note';
  /** The GET finding documents of this kind by their numbers. */
  lookupPath(numbers: string[]): string;
}

const invoiceKind: DocumentKind = {
  collection: 'Invoices',
  type: 'ACCREC',
  label: 'invoice',
  lookupPath: (numbers) =>
    `/api.xro/2.0/Invoices?InvoiceNumbers=${numbers.map(encodeURIComponent).join(',')}`,
};

const creditNoteKind: DocumentKind = {
  collection: 'CreditNotes',
  type: 'ACCRECCREDIT',
  label: 'credit note',
  lookupPath: (numbers) => {
    const where = numbers.map((number) => `CreditNoteNumber==${whereText(number)}`).join(' OR ');
    return `/api.xro/2.0/CreditNotes?where=${encodeURIComponent(where)}`;
  },
};

/** One document ready to send: the mapping's element and key. */
interface PushItem {
  document: AccountingDocument;
  element: Record<string, unknown>;
  idempotencyKey: string;
}

/** Why Xero did not take a document, before it is looked up by number. */
interface Refusal {
  messages: string[];
  details: unknown;
}

export function createXeroConnector(options: XeroConnectorOptions): AccountingConnector {
  const logger = options.logger.child({ platform: 'xero' });
  const client = new XeroClient(options);
  const contacts = new XeroContacts(client, logger);
  const pusher = new DocumentPusher(client, contacts, logger);

  return {
    platform: 'xero',
    batchSizeMax: xeroBatchSizeMax,

    pushInvoices: (invoices) =>
      pusher.push(
        invoiceKind,
        invoices.map((invoice) => {
          const request = xeroInvoiceRequest(invoice);
          const [element] = request.body.Invoices;
          return {
            document: invoice,
            element: { ...element },
            idempotencyKey: request.idempotencyKey,
          };
        }),
      ),

    pushCreditNotes: (creditNotes) =>
      pusher.push(
        creditNoteKind,
        creditNotes.map(({ document }) => {
          const request = xeroCreditNoteRequest(document);
          const [element] = request.body.CreditNotes;
          return { document, element: { ...element }, idempotencyKey: request.idempotencyKey };
        }),
      ),

    allocate: (creditNote) => allocate(client, logger, creditNote),

    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

class DocumentPusher {
  constructor(
    private readonly client: XeroClient,
    private readonly contacts: XeroContacts,
    private readonly logger: Logger,
  ) {}

  async push(kind: DocumentKind, items: PushItem[]): Promise<PushOutcome[]> {
    if (items.length > xeroBatchSizeMax) {
      throw new RangeError(
        `${items.length} ${kind.label}s in one push; Xero takes ${xeroBatchSizeMax} at most`,
      );
    }
    if (items.length === 0) {
      return [];
    }

    const contacts = await this.contacts.resolve(items.map((item) => item.document.customer));
    const outcomes: (PushOutcome | undefined)[] = items.map((item) => {
      const contact = contacts.get(item.document.customer.reference);
      return contact && 'refused' in contact
        ? { status: 'refused', reason: contact.reason, details: contact.details }
        : undefined;
    });

    const refusals = new Map<number, Refusal>();
    let pending = items.flatMap((_, index) => (outcomes[index] ? [] : [index]));
    for (let send = 1; pending.length > 0; send += 1) {
      const answered = await this.send(kind, pending, items, contacts);
      answered.pushed.forEach((outcome, index) => (outcomes[index] = outcome));
      answered.refused.forEach((refusal, index) => refusals.set(index, refusal));
      pending = answered.unsaved;

      if (send >= sendsPerBatchMax) {
        const messages = [`Xero refused the whole batch ${send} times without faulting it`];
        pending.forEach((index) => refusals.set(index, { messages, details: undefined }));
        pending = [];
      }
    }

    await this.settleRefusals(kind, items, refusals, outcomes);
    const settled = outcomes.map((outcome, index) => {
      if (!outcome) {
        throw new Error(`the ${kind.label} at ${index} of the push was left without an outcome`);
      }
      return outcome;
    });

    const pushedCount = settled.filter((outcome) => outcome.status === 'pushed').length;
    const refusedCount = settled.length - pushedCount;
    this.logger.info({ kind: kind.label, pushedCount, refusedCount }, 'xero push done');
    return settled;
  }

  /** One PUT of the pending documents; what Xero made, refused, and left unsaved. */
  private async send(
    kind: DocumentKind,
    pending: number[],
    items: PushItem[],
    contacts: Map<string, ContactResolution>,
  ) {
    const sent = pending.map((index) => {
      const item = items[index] as PushItem;
      const contact = contacts.get(item.document.customer.reference);
      if (!contact || 'refused' in contact) {
        throw new Error(`no contact was resolved for ${item.document.number}`);
      }
      return { index, item, contactId: contact.contactId };
    });

    const answer = await this.client.call({
      method: 'PUT',
      path: `/api.xro/2.0/${kind.collection}?summarizeErrors=false`,
      body: {
        [kind.collection]: sent.map(({ item, contactId }) => ({
          ...item.element,
          Contact: { ContactID: contactId },
        })),
      },
      idempotencyKey: batchKey(
        kind,
        sent.map(({ item, contactId }) => [item.idempotencyKey, contactId]),
      ),
      operation: `push ${kind.label}s`,
    });

    const pushed = new Map<number, PushOutcome>();
    const refused = new Map<number, Refusal>();
    const unsaved: number[] = [];
    // Xero answers element for element in the order sent; an answer of another length is
    // read as a refusal of all, which the lookup by number then settles.
    const inOrder = <T>(list: T[] | undefined) => (list?.length === sent.length ? list : undefined);
    const elements = answer.status === 200 ? documentsOf(answer.body, kind.collection) : undefined;
    const faulted = answer.status === 400 ? validationElementsOf(answer.body) : undefined;

    sent.forEach(({ index, item }, position) => {
      const element = inOrder(elements)?.[position];
      const fault = inOrder(faulted)?.[position];

      if (element && !isRefused(element)) {
        pushed.set(index, this.pushedOutcome(kind, item.document, element));
      } else if (element) {
        refused.set(index, { messages: messagesOf(element), details: element });
      } else if (fault) {
        const messages = messagesOf(fault);
        if (messages.length > 0) {
          refused.set(index, { messages, details: fault });
        } else {
          unsaved.push(index);
        }
      } else {
        const messages = messagesOf(answer.body);
        const fallback = `Xero answered the ${kind.label}s with HTTP ${answer.status}`;
        refused.set(index, {
          messages: messages.length > 0 ? messages : [fallback],
          details: answer.body,
        });
      }
    });
    return { pushed, refused, unsaved };
  }

  private pushedOutcome(
    kind: DocumentKind,
    document: AccountingDocument,
    element: DocumentAnswer,
  ): PushOutcome {
    const platformId = idOf(element) as string;
    const currency = element.CurrencyCode ?? document.currency;
    const platformTotalMinor =
      element.Total === undefined ? document.totalMinor : minorOf(element.Total, currency);

    // Xero made the document: it is pushed either way, and the queue compares the totals.
    if (platformTotalMinor !== document.totalMinor || currency !== document.currency) {
      this.logger.warn(
        {
          kind: kind.label,
          number: document.number,
          platformId,
          totalMinor: document.totalMinor,
          platformTotalMinor,
          currency,
        },
        'xero total differs from the document total',
      );
    }
    return {
      status: 'pushed',
      platformId,
      platformNumber: numberOf(element) ?? document.number,
      platformTotalMinor,
    };
  }

  /**
   * Looks every refused document up by number, in one call: one found with the same currency
   * and total is this document, made by an earlier attempt; one found that differs is refused
   * with both totals; none found leaves Xero's own refusal.
   */
  private async settleRefusals(
    kind: DocumentKind,
    items: PushItem[],
    refusals: Map<number, Refusal>,
    outcomes: (PushOutcome | undefined)[],
  ): Promise<void> {
    if (refusals.size === 0) {
      return;
    }

    const numbers = [...refusals.keys()].map((index) => (items[index] as PushItem).document.number);
    const existing = await this.findByNumbers(kind, [...new Set(numbers)]);
    const madeNow = new Set(
      outcomes.flatMap((outcome) => (outcome?.status === 'pushed' ? [outcome.platformId] : [])),
    );

    for (const [index, refusal] of refusals) {
      const document = (items[index] as PushItem).document;
      const found = existing.filter((each) => numberOf(each) === document.number);
      outcomes[index] = this.settle(kind, document, refusal, found, madeNow);
    }
  }

  private settle(
    kind: DocumentKind,
    document: AccountingDocument,
    refusal: Refusal,
    found: DocumentAnswer[],
    madeNow: Set<string>,
  ): PushOutcome {
    const live = found.find((each) => each.Status !== 'VOIDED' && each.Status !== 'DELETED');
    const platformId = live === undefined ? undefined : idOf(live);
    const xeroSays =
      refusal.messages.length > 0 ? refusal.messages.join('; ') : 'Xero gave no reason';

    if (!live || platformId === undefined) {
      const voided =
        found.length > 0 ? ` (Xero holds ${document.number} as ${found[0]?.Status})` : '';
      return {
        status: 'refused',
        // Xero's own words: the queue says which platform refused which document.
        reason: `${xeroSays}${voided}`,
        details: refusal.details,
      };
    }
    if (madeNow.has(platformId)) {
      return {
        status: 'refused',
        reason: `${document.number} was given to another ${kind.label} of the same push`,
        details: refusal.details,
      };
    }

    const currency = live.CurrencyCode ?? document.currency;
    const totalMinor = live.Total === undefined ? undefined : minorOf(live.Total, currency);
    if (currency === document.currency && totalMinor === document.totalMinor) {
      this.logger.info(
        { kind: kind.label, number: document.number, platformId },
        'xero already holds the document; taken as pushed',
      );
      return {
        status: 'pushed',
        platformId,
        platformNumber: document.number,
        platformTotalMinor: totalMinor,
      };
    }

    return {
      status: 'refused',
      reason:
        `Xero already holds ${kind.label} ${document.number} (${platformId}) with total ` +
        `${formatMinor(totalMinor, currency)} ${currency}, but this ${kind.label}'s total is ` +
        `${formatMinor(document.totalMinor, document.currency)} ${document.currency}: ` +
        'the document changed after it was pushed; void one of them in Xero or renumber',
      details: { xero: live, refusal: refusal.details },
    };
  }

  private async findByNumbers(kind: DocumentKind, numbers: string[]) {
    const answer = await this.client.call({
      method: 'GET',
      path: kind.lookupPath(numbers),
      operation: `find ${kind.label}s by number`,
    });
    const found = answer.status === 200 ? documentsOf(answer.body, kind.collection) : undefined;
    if (found === undefined) {
      throw new Error(`Xero answered the ${kind.label} lookup with HTTP ${answer.status}`);
    }
    return found.filter((each) => each.Type === undefined || each.Type === kind.type);
  }
}

/**
 * Applies the credit note to its invoice for what the invoice still owes, at most the credit
 * note's total. An allocation already made to this invoice (a retry after a lost answer) is
 * answered as it stands rather than made twice.
 */
async function allocate(
  client: XeroClient,
  logger: Logger,
  toAllocate: CreditNoteToPush & { platformId: string },
): Promise<AllocationOutcome> {
  const { document } = toAllocate;
  const invoiceId = toAllocate.invoice.platformId;

  const creditNote = await fetchOne(client, 'CreditNotes', toAllocate.platformId);
  if (!creditNote) {
    return refusedAllocation(`credit note ${document.number} (${toAllocate.platformId})`);
  }
  const madeMinor = (creditNote.Allocations ?? [])
    .filter((allocation) => allocation.Invoice.InvoiceID === invoiceId && !allocation.IsDeleted)
    .reduce((total, allocation) => total + minorOf(allocation.Amount, document.currency), 0);
  if (madeMinor > 0) {
    logger.info({ number: document.number, madeMinor }, 'xero allocation already made');
    return { status: 'allocated', allocatedMinor: madeMinor };
  }

  const invoice = await fetchOne(client, 'Invoices', invoiceId);
  if (!invoice) {
    return refusedAllocation(`invoice ${toAllocate.invoice.document.number} (${invoiceId})`);
  }
  if (invoice.AmountDue === undefined || creditNote.RemainingCredit === undefined) {
    throw new Error(`Xero answered ${document.number}'s documents without AmountDue or credit`);
  }
  const amountDueMinor = minorOf(invoice.AmountDue, document.currency);
  const remainingMinor = minorOf(creditNote.RemainingCredit, document.currency);
  if (amountDueMinor > 0 && remainingMinor <= 0) {
    return {
      status: 'refused',
      reason:
        `Credit note ${document.number} has no credit left in Xero although it was never ` +
        'allocated to its invoice: it was refunded or allocated by hand; check it in Xero',
      details: creditNote,
    };
  }

  const request = xeroAllocationRequest(
    document,
    { creditNoteId: toAllocate.platformId, invoiceId },
    Math.min(amountDueMinor, remainingMinor),
  );
  if (request === null) {
    logger.info({ number: document.number, invoiceId }, 'xero invoice owes nothing; not allocated');
    return { status: 'not_needed' };
  }

  const answer = await client.call({
    method: request.method,
    path: request.path,
    body: request.body,
    idempotencyKey: request.idempotencyKey,
    operation: 'allocate credit note',
  });
  if (answer.status !== 200) {
    const messages = messagesOf(answer.body);
    return {
      status: 'refused',
      reason:
        `Xero refused to allocate ${document.number} to its invoice: ` +
        (messages.length > 0 ? messages.join('; ') : `HTTP ${answer.status}`),
      details: answer.body,
    };
  }

  const [allocation] = request.body.Allocations;
  const allocatedMinor = minorOf(allocation?.Amount ?? 0, document.currency);
  logger.info({ number: document.number, invoiceId, allocatedMinor }, 'xero credit allocated');
  return { status: 'allocated', allocatedMinor };
}

async function fetchOne(client: XeroClient, collection: 'Invoices' | 'CreditNotes', id: string) {
  const answer = await client.call({
    method: 'GET',
    path: `/api.xro/2.0/${collection}/${encodeURIComponent(id)}`,
    operation: `read ${collection === 'Invoices' ? 'invoice' : 'credit note'}`,
  });
  if (answer.status === 404) {
    return undefined;
  }

  const [found] = documentsOf(answer.body, collection) ?? [];
  if (answer.status !== 200 || !found) {
    throw new Error(`Xero answered the read of ${collection}/${id} with HTTP ${answer.status}`);
  }
  return found;
}

function refusedAllocation(what: string): AllocationOutcome {
  return {
    status: 'refused',
    reason: `Xero has no ${what}: it was deleted in Xero`,
    details: undefined,
  };
}

/**
 * The batch's Idempotency-Key: the documents' own keys (each a digest of its body) and the
 * contact each goes to, so the same documents to the same contacts send the same key, and a
 * batch that differs in any way sends another.
 */
function batchKey(kind: DocumentKind, parts: [string, string][]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  return `quartermaster:xero:${kind.collection.toLowerCase()}:batch:v1:${digest.slice(0, 43)}`;
}

/** An amount as Xero shows it (`107.10`), written from its digits. */
function formatMinor(amountMinor: number | undefined, currency: string): string {
  if (amountMinor === undefined) {
    return 'an unknown amount';
  }

  const exponent = currencyExponent(currency);
  const digits = Math.abs(amountMinor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${amountMinor < 0 ? '-' : ''}${whole}${fraction}`;
}
