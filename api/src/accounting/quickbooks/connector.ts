/**
 * The QuickBooks Online adapter behind the accounting connector interface. An invoice becomes
 * a QuickBooks Invoice and a credit note a CreditMemo, for a customer found (or created) by its
 * Shopify reference, with one item per SKU found (or created) by name, and applied to its
 * invoice with a zero-amount Payment linking both.
 *
 * Exactly once: a document is first looked for by its number (DocNumber); found with the same
 * total it is adopted, found with another total it is refused for a person to look at. Only then
 * is it created, with a `requestid` derived from its body, so a retry after a lost answer is
 * answered with what the first attempt created; and if another worker created it in between,
 * QuickBooks's duplicate-number fault (6140) leads back to the lookup and the adoption.
 *
 * Leaves out: QuickBooks's `/batch` endpoint (one document per call, so `batchSizeMax` is 1;
 * batching would save calls but QuickBooks answers a batch's items with separate faults, and one
 * call per document keeps the requestid per document); updating a document already pushed; and
 * companies that do not charge VAT (`GlobalTaxCalculation: NotApplicable`).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

import type { Logger } from 'pino';

import { toMinorUnits } from '../../shopify/money.ts';
import {
  type AccountingConnector,
  type AllocationOutcome,
  type CreditNoteToPush,
  type PushOutcome,
} from '../connector.ts';
import type { AccountingDocument, InvoiceDocument } from '../types.ts';
import { type QboJson, type QboResult, QuickBooksClient, describeFault, textOf } from './client.ts';
import {
  type QboRef,
  type QboReferences,
  type QboRequest,
  type QboSalesDocument,
  qboApplyCreditRequest,
  qboCreditMemoRequest,
  qboInvoiceRequest,
  requestIdOf,
  skusOf,
} from './documents.ts';

/**
 * Where lines post in the company, by QuickBooks id; null means "find it by its usual name"
 * (`quickBooksMappingNames`). Tax codes are company-specific ids (query TaxCode).
 */
export interface QuickBooksMapping {
  taxCodes: {
    /** Lines Shopify charged VAT on: UK standard rate, "20.0% S". */
    taxed: string | null;
    /** Lines with no tax at all (exports, zero-rated goods): "0.0% Z". */
    untaxed: string | null;
    /** Rounding and money-only adjustments, outside VAT: "No VAT". */
    outOfScope: string | null;
  };
  /** The item delivery lines are sold as. */
  shippingItem: string | null;
  /** The item of lines without a SKU; new SKU items earn into its income account. */
  otherItem: string | null;
}

export const quickBooksMappingNames = {
  taxed: '20.0% S',
  untaxed: '0.0% Z',
  outOfScope: 'No VAT',
  shippingItem: 'Shipping',
  otherItem: 'Sales',
};

export interface QuickBooksConnectorOptions {
  /** https://quickbooks.api.intuit.com (or the sandbox, or a simulator). */
  apiUrl: string;
  /** https://oauth.platform.intuit.com */
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The company id (realmId) the consent was given for. */
  realmId: string;
  logger: Logger;
  mapping: () => Promise<QuickBooksMapping>;
  now?: () => Date;
  /** How waits within the limits pass; tests move their clock instead. */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Called with each new refresh token; Intuit retires the old one. */
  saveRefreshToken?: (token: string) => Promise<void>;
  /** The API's minor version; 75 is the lowest Intuit still serves. */
  minorVersion?: number;
  requestTimeoutMs?: number;
}

/** A document QuickBooks (or this adapter) will not take as it is; reported, not thrown. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

type SalesEntity = 'Invoice' | 'CreditMemo';

interface ResolvedMapping {
  taxCodes: QboReferences['taxCodes'];
  shippingItem: QboRef;
  otherItem: QboRef;
}

/** Creates the QuickBooks Online connector; it holds tokens and lookups in memory only. */
export function createQuickBooksConnector(
  options: QuickBooksConnectorOptions,
): AccountingConnector {
  return new QuickBooksConnector(options);
}

class QuickBooksConnector implements AccountingConnector {
  readonly platform = 'quickbooks' as const;
  readonly batchSizeMax = 1;

  private readonly client: QuickBooksClient;
  private readonly logger: Logger;
  private readonly customers = new Map<string, QboRef>();
  private readonly items = new Map<string, QboRef>();
  private resolved: { key: string; mapping: ResolvedMapping } | undefined;

  constructor(private readonly options: QuickBooksConnectorOptions) {
    this.logger = options.logger.child({ platform: 'quickbooks', realmId: options.realmId });
    this.client = new QuickBooksClient({
      ...options,
      logger: this.logger,
      now: options.now ?? (() => new Date()),
      sleep: options.sleep ?? ((ms) => sleepFor(ms)),
      fetch: options.fetch ?? fetch,
      minorVersion: options.minorVersion ?? 75,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    });
  }

  async pushInvoices(invoices: InvoiceDocument[]): Promise<PushOutcome[]> {
    const outcomes: PushOutcome[] = [];
    for (const invoice of invoices) {
      outcomes.push(
        await this.push(invoice, 'Invoice', (references) => qboInvoiceRequest(invoice, references)),
      );
    }
    return outcomes;
  }

  async pushCreditNotes(creditNotes: CreditNoteToPush[]): Promise<PushOutcome[]> {
    const outcomes: PushOutcome[] = [];
    for (const { document } of creditNotes) {
      outcomes.push(
        await this.push(document, 'CreditMemo', (references) =>
          qboCreditMemoRequest(document, references),
        ),
      );
    }
    return outcomes;
  }

  /**
   * Applies what is left of the credit memo, at most what the invoice still owes. A memo whose
   * credit has already been used in part counts as applied: that is this call's own earlier
   * success whose answer was lost, or a person who applied it by hand, and applying it again
   * would take credit the customer no longer has.
   */
  async allocate(
    creditNote: CreditNoteToPush & { platformId: string },
  ): Promise<AllocationOutcome> {
    const document = creditNote.document;
    let memo: QboJson;
    let invoice: QboJson;
    try {
      memo = await this.read('creditmemo', 'CreditMemo', creditNote.platformId);
      invoice = await this.read('invoice', 'Invoice', creditNote.invoice.platformId);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        throw error;
      }
      return { status: 'refused', reason: error.message, details: error.details };
    }

    const remainingMinor = this.minorOf(memo['RemainingCredit'], document.currency);
    const appliedMinor = this.minorOf(memo['TotalAmt'], document.currency) - remainingMinor;
    if (appliedMinor > 0) {
      return { status: 'allocated', allocatedMinor: appliedMinor };
    }

    const amountMinor = Math.min(
      remainingMinor,
      this.minorOf(invoice['Balance'], document.currency),
    );
    if (amountMinor <= 0) {
      return { status: 'not_needed' };
    }

    const customer = memo['CustomerRef'] as QboRef;
    const request = qboApplyCreditRequest(
      document,
      { customer, invoiceId: creditNote.invoice.platformId, creditMemoId: creditNote.platformId },
      amountMinor,
    );
    const result = await this.client.post(
      request.entity,
      { requestid: request.requestId },
      request.body,
    );
    if (!result.ok) {
      return { status: 'refused', reason: describeFault(result.fault), details: result.fault };
    }

    this.logger.info(
      { creditNoteNumber: document.number, amountMinor, invoiceNumber: document.invoiceNumber },
      'quickbooks credit applied',
    );
    return { status: 'allocated', allocatedMinor: amountMinor };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async push(
    document: AccountingDocument,
    entity: SalesEntity,
    build: (references: QboReferences) => QboRequest<QboSalesDocument>,
  ): Promise<PushOutcome> {
    const context = { documentNumber: document.number, entity };
    try {
      const existing = await this.findByNumber(entity, document);
      if (existing) {
        return this.adopt(existing, document, entity);
      }

      const request = build(await this.references(document));
      const result = await this.client.post(
        request.entity,
        { requestid: request.requestId },
        request.body,
      );
      if (result.ok) {
        return this.pushed(result.body[entity] as QboJson, document, entity);
      }
      if (isDuplicateNumber(result)) {
        // Created by another attempt between the lookup and now: the same rule decides.
        const found = await this.findByNumber(entity, document);
        if (found) {
          return this.adopt(found, document, entity);
        }
      }
      throw new Refusal(describeFault(result.fault), result.fault);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        throw error;
      }
      this.logger.warn({ ...context, reason: error.message }, 'quickbooks refused the document');
      return { status: 'refused', reason: error.message, details: error.details };
    }
  }

  private pushed(created: QboJson, document: AccountingDocument, entity: SalesEntity) {
    const platformTotalMinor = this.minorOf(created['TotalAmt'], document.currency);
    const outcome = {
      status: 'pushed' as const,
      platformId: textOf(created['Id']),
      platformNumber: textOf(created['DocNumber'] ?? document.number),
      platformTotalMinor,
    };
    if (platformTotalMinor !== document.totalMinor) {
      this.logger.warn(
        { documentNumber: document.number, platformTotalMinor, totalMinor: document.totalMinor },
        'quickbooks total differs from the document',
      );
    }
    this.logger.info({ documentNumber: document.number, entity, ...outcome }, 'quickbooks pushed');
    return outcome;
  }

  private adopt(found: QboJson, document: AccountingDocument, entity: SalesEntity): PushOutcome {
    const foundTotalMinor = this.minorOf(found['TotalAmt'], document.currency);
    if (foundTotalMinor !== document.totalMinor || refCurrency(found) !== document.currency) {
      throw new Refusal(
        `${entity} ${document.number} already exists in QuickBooks (Id ${textOf(found['Id'])}) ` +
          `with a total of ${textOf(found['TotalAmt'])} ${refCurrency(found)}, not ` +
          `${document.totalMinor} minor units of ${document.currency}: a person must decide ` +
          'which is right',
        { platformId: found['Id'], platformTotal: found['TotalAmt'] },
      );
    }
    this.logger.info({ documentNumber: document.number, entity }, 'quickbooks document adopted');
    return this.pushed(found, document, entity);
  }

  private async findByNumber(entity: SalesEntity, document: AccountingDocument) {
    const rows = await this.client.query(
      `select * from ${entity} where DocNumber = '${quoted(document.number)}'`,
      entity,
    );
    return rows[0];
  }

  private async read(path: string, entity: SalesEntity, id: string): Promise<QboJson> {
    const result = await this.client.get(`${path}/${encodeURIComponent(id)}`);
    if (!result.ok) {
      throw new Refusal(`QuickBooks has no ${entity} ${id}: ${describeFault(result.fault)}`, {
        fault: result.fault,
      });
    }
    return result.body[entity] as QboJson;
  }

  private minorOf(amount: unknown, currency: string): number {
    return toMinorUnits(textOf(amount ?? 0), currency);
  }

  /** The customer, items and tax codes the document's lines refer to, found or created. */
  private async references(document: AccountingDocument): Promise<QboReferences> {
    const mapping = await this.mapping();
    const customer = await this.customer(document);
    const itemsBySku = new Map<string, QboRef>();
    for (const sku of skusOf(document)) {
      itemsBySku.set(sku, await this.item(sku, mapping.otherItem));
    }
    return { customer, itemsBySku, ...mapping };
  }

  /**
   * A setting the company cannot follow refuses the document rather than the connection: finance
   * fixes it in the settings and retries the document, with no restart.
   */
  private async mapping(): Promise<ResolvedMapping> {
    const given = await this.options.mapping();
    const key = JSON.stringify(given);
    if (this.resolved?.key === key) {
      return this.resolved.mapping;
    }

    const names = quickBooksMappingNames;
    const taxCode = async (id: string | null, name: string) =>
      id ?? (await this.findByName('TaxCode', 'Name', name)).value;
    const mapping: ResolvedMapping = {
      taxCodes: {
        taxed: await taxCode(given.taxCodes.taxed, names.taxed),
        untaxed: await taxCode(given.taxCodes.untaxed, names.untaxed),
        outOfScope: await taxCode(given.taxCodes.outOfScope, names.outOfScope),
      },
      shippingItem: await this.itemRef(given.shippingItem, names.shippingItem),
      otherItem: await this.itemRef(given.otherItem, names.otherItem),
    };
    this.resolved = { key, mapping };
    return mapping;
  }

  private async itemRef(id: string | null, name: string): Promise<QboRef> {
    if (id === null) {
      return this.findByName('Item', 'Name', name);
    }
    const rows = await this.client.query(`select * from Item where Id = '${quoted(id)}'`, 'Item');
    const item = rows[0];
    if (!item) {
      throw new Refusal(
        `The QuickBooks settings name item ${id}, which the company does not have`,
        { itemId: id },
      );
    }
    return { value: textOf(item['Id']), name: textOf(item['Name']) };
  }

  private async findByName(entity: string, field: string, name: string): Promise<QboRef> {
    const rows = await this.client.query(
      `select * from ${entity} where ${field} = '${quoted(name)}'`,
      entity,
    );
    const row = rows[0];
    if (!row) {
      throw new Refusal(
        `QuickBooks has no ${entity} named "${name}": choose one in the QuickBooks settings`,
        { entity, name },
      );
    }
    return { value: textOf(row['Id']), name: textOf(row[field]) };
  }

  /**
   * The customer whose Notes carry the Shopify reference, in the document's currency (a
   * QuickBooks customer has one currency). Display names are unique across the company, so a
   * name another customer holds is followed by the reference, then by reference and currency.
   */
  private async customer(document: AccountingDocument): Promise<QboRef> {
    const { customer, currency } = document;
    const key = `${customer.reference}|${currency}`;
    const cached = this.customers.get(key);
    if (cached) {
      return cached;
    }

    const name = displayName(customer.name || customer.reference);
    const candidates = [
      name,
      `${name} (${customer.reference})`,
      `${name} (${customer.reference} ${currency})`,
    ];
    for (const candidate of candidates) {
      const found = await this.client.query(
        `select * from Customer where DisplayName = '${quoted(candidate)}'`,
        'Customer',
      );
      const existing = found[0];
      const ours =
        existing &&
        textOf(existing['Notes'] ?? '')
          .split(/\s+/)
          .includes(customer.reference) &&
        refCurrency(existing) === currency;
      if (existing && !ours) {
        continue;
      }

      const ref = existing
        ? { value: textOf(existing['Id']), name: textOf(existing['DisplayName']) }
        : await this.createCustomer(document, candidate);
      if (ref) {
        this.customers.set(key, ref);
        return ref;
      }
    }
    throw new Refusal(
      `Every QuickBooks display name for ${customer.reference} in ${currency} is taken ` +
        `(${candidates.join('; ')})`,
      { candidates },
    );
  }

  /** Null when the name was taken in the meantime (6240), so the next candidate is tried. */
  private async createCustomer(document: AccountingDocument, name: string): Promise<QboRef | null> {
    const { customer, currency } = document;
    const address = customer.address;
    const body = {
      DisplayName: name,
      ...(customer.firstName ? { GivenName: customer.firstName } : {}),
      ...(customer.lastName ? { FamilyName: customer.lastName } : {}),
      ...(customer.email ? { PrimaryEmailAddr: { Address: customer.email } } : {}),
      ...(address
        ? {
            BillAddr: Object.fromEntries(
              Object.entries({
                Line1: address.line1,
                Line2: address.line2,
                City: address.city,
                PostalCode: address.postalCode,
                Country: address.country,
              }).filter(([, value]) => value),
            ),
          }
        : {}),
      CurrencyRef: { value: currency },
      Notes: customer.reference,
    };
    const result = await this.client.post('customer', { requestid: requestIdOf('k', body) }, body);
    if (result.ok) {
      const created = result.body['Customer'] as QboJson;
      this.logger.info({ customerId: created['Id'], currency }, 'quickbooks customer created');
      return { value: textOf(created['Id']), name: textOf(created['DisplayName']) };
    }
    if (result.errors.some((error) => error.code === '6240')) {
      return null;
    }
    throw new Refusal(
      `QuickBooks refused the customer: ${describeFault(result.fault)}`,
      result.fault,
    );
  }

  /**
   * The item named by the SKU, created as a non-inventory item when missing: QuickBooks's own
   * stock tracking would become a second stock ledger next to Quartermaster's.
   */
  private async item(sku: string, otherItem: QboRef): Promise<QboRef> {
    const name = itemName(sku);
    const cached = this.items.get(name);
    if (cached) {
      return cached;
    }

    const lookup = () =>
      this.client.query(`select * from Item where Name = '${quoted(name)}'`, 'Item');
    let found = (await lookup())[0];
    if (!found) {
      const result = await this.createItem(name, otherItem);
      found = result.ok ? (result.body['Item'] as QboJson) : (await lookup())[0];
      if (!found) {
        const fault = result.ok ? undefined : result.fault;
        throw new Refusal(`QuickBooks refused item ${name}: ${describeFault(fault)}`, fault);
      }
    }

    const ref = { value: textOf(found['Id']), name: textOf(found['Name']) };
    this.items.set(name, ref);
    return ref;
  }

  private async createItem(name: string, otherItem: QboRef): Promise<QboResult> {
    const other = await this.client.get(`item/${encodeURIComponent(otherItem.value)}`);
    const income = other.ok ? (other.body['Item'] as QboJson)['IncomeAccountRef'] : undefined;
    if (!income) {
      throw new Refusal(`Item ${otherItem.value} has no income account to give new SKU items`, {
        itemId: otherItem.value,
      });
    }
    const body = { Name: name, Type: 'NonInventory', IncomeAccountRef: income };
    const result = await this.client.post('item', { requestid: requestIdOf('s', body) }, body);
    if (result.ok) {
      this.logger.info(
        { sku: name, itemId: (result.body['Item'] as QboJson)['Id'] },
        'quickbooks item created',
      );
    }
    return result;
  }
}

function isDuplicateNumber(result: QboResult): boolean {
  return !result.ok && result.errors.some((error) => error.code === '6140');
}

function refCurrency(entity: QboJson): string {
  return textOf((entity['CurrencyRef'] as QboRef | undefined)?.value ?? '');
}

/** A value inside `'...'` in a query: QuickBooks escapes a quote with a backslash. */
function quoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** QuickBooks names hold no colon (it separates sub-customers and sub-items). */
function displayName(name: string): string {
  return name.replace(/:/g, '-').trim().slice(0, 100);
}

function itemName(sku: string): string {
  return sku.replace(/:/g, '-').trim().slice(0, 100);
}
