// Invoices and credit notes as Xero checks and computes them: the contact found or created by
// id, number or name; account codes and tax types from the organisation's settings; line
// amounts rounded to 2 decimals, tax per line (an explicit TaxAmount taken as given) and then
// summed; unique numbers for sales documents; a CurrencyRate for foreign currencies; create-only
// PUT and create-or-update POST; per-element answers with `summarizeErrors=false`.
// Messages quoted by the fixtures are Xero's; the others are paraphrases in Xero's style, since
// clients must match on ErrorNumber/Type/StatusAttributeString, never on text.
// Leaves out: ACCPAY specifics (duplicate bill numbers are allowed, which this follows), items,
// payments, branding themes, rounding lines Xero adds for some tax-inclusive totals, and
// fetching an exchange rate when CurrencyRate is missing (real Xero looks one up; the simulator
// refuses so a client always sends the rate it booked).
import { randomUUID } from 'node:crypto';

import { divideRounded, fineScale, sum, toUnits } from './money.ts';
import type {
  AccountSetting,
  ContactRecord,
  DocumentKind,
  DocumentRecord,
  DocumentStatus,
  LineAmountType,
  LineRecord,
  XeroSimulatorStore,
} from './store.ts';

/** Xero's longest line description, in characters (UTF-16 code units, as .NET counts). */
export const descriptionLengthMax = 4000;

/** The organisation's settings the checks read. */
export interface OrganisationSettings {
  accounts: AccountSetting[];
  /** Tax type → rate in percent (OUTPUT2 → 20). */
  taxRates: Record<string, number>;
  /** Currencies enabled for the organisation, the base currency included. */
  currencies: string[];
  baseCurrency: string;
  /** Elements accepted in one PUT or POST. */
  elementsPerCallMax: number;
}

export interface DocumentCall {
  store: XeroSimulatorStore;
  settings: OrganisationSettings;
  method: 'PUT' | 'POST';
  summarizeErrors: boolean;
  /** 4 when the call asked for `unitdp=4`; unit amounts are rounded to this many decimals. */
  unitDecimals: 2 | 4;
  providerName: string;
}

export interface JsonAnswer {
  status: number;
  body: unknown;
}

interface KindSpec {
  collection: 'Invoices' | 'CreditNotes';
  idField: 'InvoiceID' | 'CreditNoteID';
  numberField: 'InvoiceNumber' | 'CreditNoteNumber';
  label: string;
  types: readonly string[];
  uniqueNumberTypes: readonly string[];
  discountsAllowed: boolean;
}

export const kindSpecs: Record<DocumentKind, KindSpec> = {
  invoice: {
    collection: 'Invoices',
    idField: 'InvoiceID',
    numberField: 'InvoiceNumber',
    label: 'Invoice',
    types: ['ACCREC', 'ACCPAY'],
    uniqueNumberTypes: ['ACCREC'],
    discountsAllowed: true,
  },
  creditNote: {
    collection: 'CreditNotes',
    idField: 'CreditNoteID',
    numberField: 'CreditNoteNumber',
    label: 'Credit Note',
    types: ['ACCRECCREDIT', 'ACCPAYCREDIT'],
    uniqueNumberTypes: ['ACCRECCREDIT'],
    discountsAllowed: false,
  },
};

const zeroId = '00000000-0000-0000-0000-000000000000';
const lineAmountTypes: readonly LineAmountType[] = ['Exclusive', 'Inclusive', 'NoTax'];
const creatableStatuses: readonly DocumentStatus[] = ['DRAFT', 'SUBMITTED', 'AUTHORISED'];
/** 100 % as a scale-4 percentage. */
const wholePercent = 1_000_000n;

type Element = Record<string, unknown>;

type ContactPlan = { existing: ContactRecord } | { create: Omit<ContactRecord, 'ContactID'> };

interface DocumentPlan {
  existing: DocumentRecord | undefined;
  contact: ContactPlan;
  fields: Omit<DocumentRecord, 'id' | 'contactId' | 'allocatedCents' | 'updatedMs'>;
}

type Checked = { element: Element; errors: string[]; plan?: DocumentPlan };

export function isObject(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Midnight UTC of a `YYYY-MM-DD[THH:mm:ss]` or `/Date(ms…)/` value, or undefined. */
export function parseXeroDate(value: unknown): number | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }

  const wrapped = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value);
  if (wrapped) {
    return Number(wrapped[1]);
  }

  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+)?$/.exec(value);
  if (!match) {
    return undefined;
  }

  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  return back === value.slice(0, 10) ? ms : undefined;
}

function planContact(value: unknown, store: XeroSimulatorStore, errors: string[]): ContactPlan {
  const contact = isObject(value) ? value : {};
  const contactId = text(contact['ContactID']);
  const contactNumber = text(contact['ContactNumber']);
  const name = text(contact['Name']);

  if (contactId) {
    const existing = store.contacts.get(contactId);
    if (!existing) {
      errors.push(`The contact with ContactID '${contactId}' could not be found.`);
    }
    return existing
      ? { existing }
      : { create: { Name: '', ContactStatus: 'ACTIVE', updatedMs: 0 } };
  }

  const existing =
    (contactNumber ? store.contactByNumber(contactNumber) : undefined) ??
    (name ? store.contactByName(name) : undefined);
  if (existing) {
    return { existing };
  }

  if (!name) {
    errors.push('A Contact must be specified for this type of transaction');
  }
  return { create: newContactFields(contact, store.nowMs()) };
}

/** The fields of a contact created from a document's or a Contacts call's element. */
export function newContactFields(
  contact: Element,
  nowMs: number,
): Omit<ContactRecord, 'ContactID'> {
  const optional = (key: string): Record<string, string> => {
    const value = text(contact[key]);
    return value ? { [key]: value } : {};
  };

  return {
    ...optional('ContactNumber'),
    Name: (text(contact['Name']) ?? '').trim(),
    ...optional('FirstName'),
    ...optional('LastName'),
    ...optional('EmailAddress'),
    ...(Array.isArray(contact['Addresses']) ? { Addresses: contact['Addresses'] } : {}),
    ContactStatus: 'ACTIVE',
    updatedMs: nowMs,
  };
}

interface LineContext {
  kind: DocumentKind;
  lineAmountTypes: LineAmountType;
  settings: OrganisationSettings;
  unitDecimals: 2 | 4;
  approved: boolean;
}

function amountField(line: Element, key: string, scale: number, errors: string[], where: string) {
  const value = line[key];
  if (value === undefined || value === null) {
    return undefined;
  }

  const units = toUnits(value, scale);
  if (units === undefined) {
    errors.push(`${key} ${JSON.stringify(value)} on ${where} is not a number.`);
  }
  return units;
}

function planLine(value: unknown, index: number, context: LineContext, errors: string[]) {
  const where = `line ${index + 1}`;
  const line = isObject(value) ? value : {};
  const before = errors.length;

  const quantity = amountField(line, 'Quantity', fineScale, errors, where) ?? 10_000n;
  const unitRounded = amountField(line, 'UnitAmount', context.unitDecimals, errors, where);
  const unitAmount =
    unitRounded === undefined
      ? null
      : unitRounded * 10n ** BigInt(fineScale - context.unitDecimals);
  const givenLineAmount = amountField(line, 'LineAmount', 2, errors, where);
  const givenTax = amountField(line, 'TaxAmount', 2, errors, where);
  const discountAmount = amountField(line, 'DiscountAmount', 2, errors, where);
  const discountRate = amountField(line, 'DiscountRate', fineScale, errors, where);

  const hasDiscount = discountAmount !== undefined || discountRate !== undefined;
  if (hasDiscount && !kindSpecs[context.kind].discountsAllowed) {
    errors.push(
      `Discounts are not accepted on credit notes (${where}); send the discounted price.`,
    );
  }
  if (discountAmount !== undefined && discountRate !== undefined) {
    errors.push(`DiscountAmount and DiscountRate cannot both be given (${where}).`);
  }

  const accountCode = text(line['AccountCode']);
  const account = context.settings.accounts.find((entry) => entry.code === accountCode);
  if (accountCode && !account) {
    errors.push(`Account code '${accountCode}' is not a valid account for this line.`);
  }
  if (account?.system === true) {
    errors.push(
      `Account code '${account.code}' is a system account (${account.name}) and cannot be ` +
        `used on ${where}.`,
    );
  }
  const description = line['Description'];
  if (typeof description === 'string' && description.length > descriptionLengthMax) {
    errors.push(
      `The description on ${where} is ${description.length} characters long; it must not ` +
        `be longer than ${descriptionLengthMax} characters.`,
    );
  }
  if (!accountCode && context.approved) {
    errors.push(`An account code must be given on ${where} of an approved document.`);
  }

  const givenTaxType = text(line['TaxType']);
  if (givenTaxType && context.settings.taxRates[givenTaxType] === undefined) {
    errors.push(`Tax type '${givenTaxType}' is not valid for this transaction.`);
  }
  if (errors.length > before) {
    return undefined;
  }

  let lineAmountCents = givenLineAmount ?? 0n;
  let discountCents = 0n;
  if (unitAmount !== null) {
    // Scale 4 × scale 4 = scale 8; to cents divides by 10^6.
    const gross = quantity * unitAmount;
    const grossCents = divideRounded(gross, 1_000_000n);
    const rate = discountRate ?? 0n;
    const computed =
      discountRate === undefined
        ? grossCents - (discountAmount ?? 0n)
        : divideRounded(gross * (wholePercent - rate), 1_000_000n * wholePercent);

    if (givenLineAmount !== undefined && givenLineAmount !== computed) {
      errors.push(
        `The LineAmount on ${where} (${formatCents(givenLineAmount)}) does not equal Quantity ` +
          `× UnitAmount less the discount (${formatCents(computed)}).`,
      );
      return undefined;
    }
    lineAmountCents = computed;
    discountCents = grossCents - computed;
  }

  const noTax = context.lineAmountTypes === 'NoTax';
  const taxType = noTax ? 'NONE' : (givenTaxType ?? account?.taxType ?? 'NONE');
  const ratePercent = toUnits(context.settings.taxRates[taxType] ?? 0, fineScale) ?? 0n;
  const computedTax =
    context.lineAmountTypes === 'Exclusive'
      ? divideRounded(lineAmountCents * ratePercent, wholePercent)
      : divideRounded(lineAmountCents * ratePercent, wholePercent + ratePercent);
  const taxCents = noTax ? 0n : (givenTax ?? computedTax);

  const record: LineRecord = {
    LineItemID: randomUUID(),
    ...(typeof line['Description'] === 'string' ? { Description: line['Description'] } : {}),
    quantity,
    unitAmount,
    ...(accountCode ? { AccountCode: accountCode } : {}),
    TaxType: taxType,
    lineAmountCents,
    taxCents,
    discountCents,
    ...(discountRate === undefined ? {} : { DiscountRate: Number(line['DiscountRate']) }),
    ...(Array.isArray(line['Tracking']) ? { Tracking: line['Tracking'] } : {}),
  };
  return record;
}

function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const digits = (negative ? -cents : cents).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

function findExisting(
  kind: DocumentKind,
  element: Element,
  call: DocumentCall,
  errors: string[],
): DocumentRecord | undefined {
  const spec = kindSpecs[kind];
  const documents = call.store.documents(kind);
  const id = text(element[spec.idField]);

  if (id) {
    const found = documents.get(id);
    if (!found) {
      errors.push(`${spec.label} with ${spec.idField} '${id}' could not be found.`);
    } else if (call.method === 'PUT') {
      errors.push(`${spec.label} '${id}' already exists; PUT only creates (POST updates).`);
    }
    return call.method === 'POST' ? found : undefined;
  }

  const number = text(element[spec.numberField]);
  if (call.method !== 'POST' || !number) {
    return undefined;
  }
  return [...documents.values()].find(
    (document) =>
      document.number === number &&
      spec.uniqueNumberTypes.includes(document.type) &&
      document.status !== 'DELETED' &&
      document.status !== 'VOIDED',
  );
}

function checkStatus(
  kind: DocumentKind,
  status: unknown,
  existing: DocumentRecord | undefined,
  errors: string[],
): DocumentStatus {
  const label = kindSpecs[kind].label;
  const wanted = (text(status) ?? existing?.status ?? 'DRAFT') as DocumentStatus;

  if (!existing) {
    if (!creatableStatuses.includes(wanted)) {
      errors.push(`${label} not of valid status for creation`);
    }
    return wanted;
  }

  if (existing.allocatedCents > 0n) {
    errors.push(
      'This document cannot be edited as it has a payment or credit note allocated to it.',
    );
  }

  const unapproved = existing.status === 'DRAFT' || existing.status === 'SUBMITTED';
  const allowed: readonly DocumentStatus[] = unapproved
    ? ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED']
    : existing.status === 'AUTHORISED'
      ? ['AUTHORISED', 'VOIDED']
      : [];
  if (!allowed.includes(wanted)) {
    errors.push(`${label} not of valid status for modification`);
  }
  return wanted;
}

function checkDocument(
  kind: DocumentKind,
  given: unknown,
  call: DocumentCall,
  numbersInCall: Set<string>,
): Checked {
  const spec = kindSpecs[kind];
  const errors: string[] = [];
  if (!isObject(given)) {
    return { element: {}, errors: [`Each element of ${spec.collection} must be an object.`] };
  }

  const existing = findExisting(kind, given, call, errors);
  const element = existing ? { ...existing.source, ...given } : given;
  const { settings, store } = call;

  const type = text(element['Type']) ?? '';
  if (!spec.types.includes(type)) {
    errors.push(`${spec.label} Type must be one of ${spec.types.join(', ')}.`);
  }

  const status = checkStatus(kind, element['Status'], existing, errors);
  const contact = planContact(element['Contact'], store, errors);

  const dateMs = element['Date'] === undefined ? todayMs(store) : parseXeroDate(element['Date']);
  const dueDateMs = element['DueDate'] === undefined ? null : parseXeroDate(element['DueDate']);
  if (dateMs === undefined) {
    errors.push(`Date '${String(element['Date'])}' is not a valid date.`);
  }
  if (dueDateMs === undefined) {
    errors.push(`DueDate '${String(element['DueDate'])}' is not a valid date.`);
  }

  const lineTypes = (text(element['LineAmountTypes']) ?? 'Exclusive') as LineAmountType;
  if (!lineAmountTypes.includes(lineTypes)) {
    errors.push(`LineAmountTypes must be one of ${lineAmountTypes.join(', ')}.`);
  }

  const currency = checkCurrency(element, settings, errors);
  const number = text(element[spec.numberField]) ?? null;
  if (number && spec.uniqueNumberTypes.includes(type)) {
    const taken = [...store.documents(kind).values()].some(
      (document) =>
        document.number === number && document.id !== existing?.id && document.status !== 'DELETED',
    );
    if (taken || numbersInCall.has(number)) {
      errors.push(`${spec.label} # must be unique.`);
    }
  }

  const givenLines = Array.isArray(element['LineItems']) ? element['LineItems'] : [];
  const approved = status === 'AUTHORISED';
  if (approved && givenLines.length === 0) {
    errors.push(`An approved ${spec.label.toLowerCase()} must have at least one line item.`);
  }

  const context = {
    kind,
    lineAmountTypes: lineTypes,
    settings,
    unitDecimals: call.unitDecimals,
    approved,
  };
  const lines = givenLines.map((line, index) => planLine(line, index, context, errors));

  if (errors.length > 0 || dateMs === undefined || dueDateMs === undefined) {
    return { element: given, errors };
  }

  const validLines = lines.filter((line): line is LineRecord => line !== undefined);
  const lineTotalCents = sum(validLines.map((line) => line.lineAmountCents));
  const totalTaxCents = sum(validLines.map((line) => line.taxCents));
  const inclusive = lineTypes === 'Inclusive';
  const totalCents = inclusive ? lineTotalCents : lineTotalCents + totalTaxCents;
  if (totalCents < 0n) {
    return {
      element: given,
      errors: [`The ${spec.label.toLowerCase()} total cannot be negative.`],
    };
  }

  if (number && spec.uniqueNumberTypes.includes(type)) {
    numbersInCall.add(number);
  }

  const fields = {
    kind,
    type,
    number,
    reference: text(element['Reference']) ?? null,
    dateMs,
    dueDateMs,
    status,
    lineAmountTypes: lineTypes,
    currencyCode: currency.code,
    currencyRate: currency.rate,
    lines: validLines,
    subTotalCents: totalCents - totalTaxCents,
    totalTaxCents,
    totalCents,
    source: element,
  };
  return { element: given, errors, plan: { existing, contact, fields } };
}

function todayMs(store: XeroSimulatorStore): number {
  const now = store.nowMs();
  return now - (now % 86_400_000);
}

function checkCurrency(
  element: Element,
  settings: OrganisationSettings,
  errors: string[],
): { code: string; rate: number } {
  const code = text(element['CurrencyCode']) ?? settings.baseCurrency;
  const rate = element['CurrencyRate'];

  if (!settings.currencies.includes(code)) {
    errors.push(`The currency '${code}' is not enabled for this organisation.`);
    return { code, rate: 1 };
  }
  if (code === settings.baseCurrency) {
    return { code, rate: 1 };
  }

  if (typeof rate !== 'number' || !(rate > 0)) {
    errors.push(
      `A CurrencyRate greater than zero must be given for ${code}, which is not the ` +
        `organisation's base currency (${settings.baseCurrency}).`,
    );
    return { code, rate: 1 };
  }
  return { code, rate };
}

function commit(kind: DocumentKind, plan: DocumentPlan, store: XeroSimulatorStore): DocumentRecord {
  const nowMs = store.nowMs();
  const contact =
    'existing' in plan.contact
      ? plan.contact.existing
      : (store.contactByName(plan.contact.create.Name) ?? {
          ...plan.contact.create,
          ContactID: randomUUID(),
        });
  store.contacts.set(contact.ContactID, contact);

  const record: DocumentRecord = {
    ...plan.fields,
    id: plan.existing?.id ?? randomUUID(),
    contactId: contact.ContactID,
    allocatedCents: plan.existing?.allocatedCents ?? 0n,
    updatedMs: nowMs,
  };
  store.documents(kind).set(record.id, record);
  return record;
}

/** The envelope Xero wraps every successful Accounting API answer in. */
export function envelope(call: { providerName: string; store: XeroSimulatorStore }, rest: Element) {
  return {
    Id: randomUUID(),
    Status: 'OK',
    ProviderName: call.providerName,
    DateTimeUTC: `/Date(${call.store.nowMs()})/`,
    ...rest,
  };
}

export function validationException(elements: unknown[]): JsonAnswer {
  const body = {
    ErrorNumber: 10,
    Type: 'ValidationException',
    Message: 'A validation exception occurred',
    Elements: elements,
  };
  return { status: 400, body };
}

export function postDataInvalid(message: string): JsonAnswer {
  return {
    status: 400,
    body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: message },
  };
}

/** The elements of a `{ Invoices: [...] }` body, or of a single unwrapped element. */
export function elementsOf(body: unknown, collection: string): unknown[] | undefined {
  if (!isObject(body)) {
    return undefined;
  }
  const wrapped = body[collection];
  if (wrapped === undefined) {
    return [body];
  }
  return Array.isArray(wrapped) ? wrapped : undefined;
}

/** A PUT or POST of invoices or credit notes, answered as Xero answers it. */
export function saveDocuments(kind: DocumentKind, body: unknown, call: DocumentCall): JsonAnswer {
  const spec = kindSpecs[kind];
  const elements = elementsOf(body, spec.collection);
  if (!elements || elements.length === 0) {
    return postDataInvalid(`The body must hold ${spec.collection}: an array of elements.`);
  }
  if (elements.length > call.settings.elementsPerCallMax) {
    const max = call.settings.elementsPerCallMax;
    return postDataInvalid(`No more than ${max} ${spec.collection} may be sent in one call.`);
  }

  const numbersInCall = new Set<string>();
  const checked = elements.map((element) => checkDocument(kind, element, call, numbersInCall));
  const failed = checked.some((entry) => entry.errors.length > 0);

  if (failed && call.summarizeErrors) {
    return validationException(
      checked.map(({ element, errors }) => ({
        ...element,
        HasErrors: errors.length > 0,
        ValidationErrors: errors.map((message) => ({ Message: message })),
      })),
    );
  }

  const answers = checked.map(({ element, errors, plan }) => {
    if (!plan) {
      return {
        ...element,
        [spec.idField]: zeroId,
        StatusAttributeString: 'ERROR',
        HasErrors: true,
        ValidationErrors: errors.map((message) => ({ Message: message })),
      };
    }

    const answer = call.store.documentAnswer(commit(kind, plan, call.store));
    return call.summarizeErrors ? answer : { ...answer, StatusAttributeString: 'OK' };
  });
  return { status: 200, body: envelope(call, { [spec.collection]: answers }) };
}
