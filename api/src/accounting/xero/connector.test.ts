// The Xero connector against the Xero simulator over real HTTP: the fixture documents pushed and
// allocated, contacts, partial batches, exactly-once pushes after lost answers and forgotten
// keys, the call limits on a shared hand-moved clock, configuration failures, and a standard
// app's refresh tokens, which Xero rotates.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import {
  ConnectorConfigurationError,
  ConnectorParkedError,
  ConnectorUnavailableError,
  type AccountingConnector,
  type PushOutcome,
} from '../connector.ts';
import { buildCreditNote, buildInvoice } from '../documents.ts';
import { fixtureOrder, fixtureRefund, fixtureSettings } from '../test-support.ts';
import type { CreditNoteDocument, InvoiceDocument } from '../types.ts';
import { type XeroConnectorOptions, createXeroConnector } from './connector.ts';
import {
  type XeroSimulator,
  type XeroSimulatorOptions,
  startXeroSimulator,
} from './simulator/server.ts';

type Json = Record<string, unknown>;

const invoice1041 = buildInvoice(fixtureOrder('#1041'), fixtureSettings).document;
const invoice1042 = buildInvoice(fixtureOrder('#1042'), fixtureSettings).document;
const creditNote1041 = buildCreditNote(
  fixtureRefund('1012345600001'),
  fixtureOrder('#1041'),
  1,
  fixtureSettings,
).document;

/** A clock shared by the simulator and the connector; sleeping moves it instead of waiting. */
function manualClock(startIso = '2025-10-06T09:00:00Z') {
  const clock = {
    ms: Date.parse(startIso),
    now: () => clock.ms,
    date: () => new Date(clock.ms),
    sleep: async (delayMs: number) => {
      const untilMs = clock.ms + delayMs;
      await new Promise((resolve) => setImmediate(resolve));
      clock.ms = Math.max(clock.ms, untilMs);
    },
  };
  return clock;
}

interface Setup {
  sim: XeroSimulator;
  connector: AccountingConnector;
  clock: ReturnType<typeof manualClock>;
  logLines: string[];
}

const opened: { sim: XeroSimulator; connector?: AccountingConnector }[] = [];

afterEach(async () => {
  for (const { sim, connector } of opened.splice(0)) {
    await connector?.close();
    await sim.close();
  }
});

async function setup(
  simOptions: XeroSimulatorOptions = {},
  connectorOptions: Partial<XeroConnectorOptions> = {},
): Promise<Setup> {
  const clock = manualClock();
  const sim = await startXeroSimulator({ now: clock.date, ...simOptions });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const connector = createXeroConnector({
    apiUrl: sim.apiUrl,
    identityUrl: sim.identityUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    logger,
    now: clock.now,
    sleep: clock.sleep,
    ...connectorOptions,
  });
  opened.push({ sim, connector });
  return { sim, connector, clock, logLines };
}

/** The invoice of another order of the same customer. */
function anotherInvoice(orderNumber: number, change: Partial<InvoiceDocument> = {}) {
  return {
    ...invoice1041,
    number: `SHP-${orderNumber}`,
    orderId: `59123456${orderNumber}`,
    orderName: `#${orderNumber}`,
    reference: `Shopify #${orderNumber}`,
    ...change,
  };
}

function creditNoteToPush(
  invoicePlatformId: string,
  document: CreditNoteDocument = creditNote1041,
) {
  return { document, invoice: { document: invoice1041, platformId: invoicePlatformId } };
}

function pushed(outcome: PushOutcome | undefined) {
  if (outcome?.status !== 'pushed') {
    throw new Error(`expected a pushed outcome, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

/** Calls to the API host; without a path, only the organisation's Accounting API calls. */
function apiCalls(sim: XeroSimulator, method?: string, path?: string) {
  return sim.store.requests.filter(
    (request) =>
      request.host === 'api' &&
      (method === undefined || request.method === method) &&
      (path === undefined ? request.path.startsWith('/api.xro/') : request.path === path),
  );
}

const invoicesPath = '/api.xro/2.0/Invoices';

/** What the promise was rejected with; fails the test when it resolves. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

describe('xero connector: the fixture documents', () => {
  it('pushes invoice #1041 and its credit note and allocates the credit', async () => {
    // Given a connected organisation and the fixture invoice and refund of order #1041
    const { sim, connector } = await setup(
      {},
      { tenantId: '00000000-0000-0000-0000-0000000a11ce' },
    );

    // When the invoice and the credit note are pushed and the credit note allocated
    const [invoiceOutcome] = await connector.pushInvoices([invoice1041]);
    const invoice = pushed(invoiceOutcome);
    const [creditOutcome] = await connector.pushCreditNotes([creditNoteToPush(invoice.platformId)]);
    const creditNote = pushed(creditOutcome);
    const allocation = await connector.allocate({
      ...creditNoteToPush(invoice.platformId),
      platformId: creditNote.platformId,
    });

    // Then Xero holds both with the fixture's totals, the invoice owes 80.10, and one contact
    expect(invoice).toMatchObject({ platformNumber: 'SHP-1041', platformTotalMinor: 10710 });
    expect(creditNote).toMatchObject({ platformNumber: 'SHP-1041-R1', platformTotalMinor: 2700 });
    expect(invoice1041.totalMinor).toBe(10710);
    expect(allocation).toEqual({ status: 'allocated', allocatedMinor: 2700 });

    const stored = sim.store.invoices.get(invoice.platformId);
    expect(stored).toMatchObject({ totalCents: 10710n, totalTaxCents: 1785n });
    expect(stored && sim.store.outstandingCents(stored)).toBe(8010n);
    expect(sim.store.creditNotes.get(creditNote.platformId)?.status).toBe('PAID');
    expect(sim.store.contacts.size).toBe(1);
    const [contact] = sim.store.contacts.values();
    expect(contact).toMatchObject({
      Name: 'Imogen Fairweather',
      ContactNumber: 'SHOPIFY-7712345600101',
      EmailAddress: 'imogen.fairweather@example.com',
    });

    // And both documents named the contact by its id, never inline
    const documentPuts = apiCalls(sim, 'PUT').filter((put) =>
      /\/(Invoices|CreditNotes)$/.test(put.path),
    );
    expect(documentPuts).toHaveLength(2);
    for (const put of documentPuts) {
      const body = JSON.parse(put.bodyText) as Record<string, Json[]>;
      const [element] = Object.values(body)[0] ?? [];
      expect(element?.['Contact']).toEqual({ ContactID: contact?.ContactID });
    }
  });

  it('allocates once when asked again after the allocation was made', async () => {
    // Given the fixture credit note allocated to its invoice
    const { sim, connector } = await setup();
    const invoice = pushed((await connector.pushInvoices([invoice1041]))[0]);
    const creditNote = pushed(
      (await connector.pushCreditNotes([creditNoteToPush(invoice.platformId)]))[0],
    );
    const toAllocate = {
      ...creditNoteToPush(invoice.platformId),
      platformId: creditNote.platformId,
    };
    await connector.allocate(toAllocate);

    // When Xero has forgotten the allocation's key and the allocation is asked for again
    sim.store.idempotentAnswers.clear();
    const again = await connector.allocate(toAllocate);

    // Then it answers the allocation made, and Xero holds one
    expect(again).toEqual({ status: 'allocated', allocatedMinor: 2700 });
    expect(sim.store.allocations).toHaveLength(1);
    expect(apiCalls(sim, 'PUT').filter((put) => put.path.endsWith('/Allocations'))).toHaveLength(1);
  });

  it('does not allocate to an invoice that owes nothing', async () => {
    // Given the invoice paid in full before the credit note is allocated
    const { sim, connector } = await setup();
    const invoice = pushed((await connector.pushInvoices([invoice1041]))[0]);
    const creditNote = pushed(
      (await connector.pushCreditNotes([creditNoteToPush(invoice.platformId)]))[0],
    );
    const stored = sim.store.invoices.get(invoice.platformId);
    if (stored) {
      stored.allocatedCents = stored.totalCents;
    }

    // When the credit note is allocated
    const outcome = await connector.allocate({
      ...creditNoteToPush(invoice.platformId),
      platformId: creditNote.platformId,
    });

    // Then nothing is allocated: the credit stays on the customer's account
    expect(outcome).toEqual({ status: 'not_needed' });
    expect(sim.store.allocations).toHaveLength(0);
  });

  it('invoices the EUR order in euros at the booked rate', async () => {
    // Given the fixture order #1042, paid in EUR in a GBP organisation
    const { sim, connector } = await setup();

    // When its invoice is pushed
    const invoice = pushed((await connector.pushInvoices([invoice1042]))[0]);

    // Then Xero holds it in EUR at 1.165 EUR per GBP, with the document's total
    expect(invoice.platformTotalMinor).toBe(invoice1042.totalMinor);
    expect(invoice.platformTotalMinor).toBe(12985);
    expect(sim.store.invoices.get(invoice.platformId)).toMatchObject({
      currencyCode: 'EUR',
      currencyRate: 1.165,
      lineAmountTypes: 'Inclusive',
    });
  });
});

describe('xero connector: contacts', () => {
  it('reuses the contact of a repeated customer', async () => {
    // Given a customer's first invoice pushed
    const { sim, connector } = await setup();
    await connector.pushInvoices([invoice1041]);

    // When two more of the customer's invoices are pushed, one alone and two in one batch
    await connector.pushInvoices([anotherInvoice(1050)]);
    await connector.pushInvoices([anotherInvoice(1051), anotherInvoice(1052)]);

    // Then all four invoices go to the one contact
    expect(sim.store.contacts.size).toBe(1);
    const contactIds = new Set([...sim.store.invoices.values()].map((each) => each.contactId));
    expect(sim.store.invoices.size).toBe(4);
    expect(contactIds.size).toBe(1);
  });

  it('gives a customer whose name another contact holds a contact of its own', async () => {
    // Given a supplier contact already called Imogen Fairweather, with no ContactNumber
    const { sim, connector } = await setup();
    sim.store.contacts.set('supplier', {
      ContactID: 'supplier',
      Name: 'Imogen Fairweather',
      ContactStatus: 'ACTIVE',
      updatedMs: 0,
    });

    // When the customer's invoices are pushed, one after the other
    const first = pushed((await connector.pushInvoices([invoice1041]))[0]);
    const second = pushed((await connector.pushInvoices([anotherInvoice(1050)]))[0]);

    // Then both go to a new contact named with the customer's reference, not to the supplier
    const contactOf = (id: string) => sim.store.invoices.get(id)?.contactId;
    const customerContact = sim.store.contacts.get(contactOf(first.platformId) ?? '');
    expect(customerContact).toMatchObject({
      Name: 'Imogen Fairweather (SHOPIFY-7712345600101)',
      ContactNumber: 'SHOPIFY-7712345600101',
    });
    expect(contactOf(second.platformId)).toBe(customerContact?.ContactID);
    expect(sim.store.contacts.size).toBe(2);
  });
  it('gives two new customers of one name a contact each, pushed in one batch', async () => {
    // Given two customers called Imogen Fairweather, neither known to Xero
    const { sim, connector } = await setup();
    const namesake = { ...invoice1041.customer, reference: 'SHOPIFY-7712345600999' };
    const invoices = [invoice1041, anotherInvoice(1050, { customer: namesake })];

    // When their invoices are pushed together
    const outcomes = await connector.pushInvoices(invoices);

    // Then each has its own contact, the second named with its reference
    const contactOf = (outcome: PushOutcome | undefined) =>
      sim.store.contacts.get(sim.store.invoices.get(pushed(outcome).platformId)?.contactId ?? '');
    expect(contactOf(outcomes[0])?.Name).toBe('Imogen Fairweather');
    expect(contactOf(outcomes[1])).toMatchObject({
      Name: 'Imogen Fairweather (SHOPIFY-7712345600999)',
      ContactNumber: 'SHOPIFY-7712345600999',
    });
  });
});

describe('xero connector: batches', () => {
  it('pushes the valid documents of a batch, refusing the invalid one', async () => {
    // Given three invoices, the second with a line on an account the organisation lacks
    const { sim, connector } = await setup();
    const [first, ...rest] = invoice1041.lines;
    const badAccount = anotherInvoice(1050, {
      lines: first ? [{ ...first, accountCode: '999' }, ...rest] : [],
    });

    // When they are pushed together
    const outcomes = await connector.pushInvoices([invoice1041, badAccount, invoice1042]);

    // Then two are pushed, the second is refused with Xero's message, in one PUT
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['pushed', 'refused', 'pushed']);
    expect(outcomes[1]).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining(
        "Account code '999' is not a valid account for this line.",
      ) as string,
    });
    const puts = apiCalls(sim, 'PUT', invoicesPath);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.query).toEqual({ summarizeErrors: 'false' });
    expect([...sim.store.invoices.values()].map((each) => each.number).sort()).toEqual([
      'SHP-1041',
      'SHP-1042',
    ]);
  });

  it("states Xero's refusal once, in Xero's words, however many lines it names", async () => {
    // Given an invoice whose every line is on an account the organisation lacks
    const { connector } = await setup();
    const badAccount = anotherInvoice(1051, {
      lines: invoice1041.lines.map((line) => ({ ...line, accountCode: '999' })),
    });
    expect(badAccount.lines.length).toBeGreaterThan(1);

    // When it is pushed
    const [outcome] = await connector.pushInvoices([badAccount]);

    // Then the reason is Xero's message once, without a prefix the queue adds itself
    expect(outcome).toMatchObject({
      status: 'refused',
      reason: "Account code '999' is not a valid account for this line.",
    });
  });

  it('maps a whole-call ValidationException per element and sends the others again', async () => {
    // Given Xero answering the batch as a whole (its default, summarizeErrors=true)
    const summarizing: typeof fetch = (input, init) =>
      fetch(urlOf(input).replace('summarizeErrors=false', 'summarizeErrors=true'), init);
    const { sim, connector } = await setup({}, { fetch: summarizing });
    const [first, ...rest] = invoice1041.lines;
    const badAccount = anotherInvoice(1050, {
      lines: first ? [{ ...first, accountCode: '999' }, ...rest] : [],
    });

    // When a valid and an invalid invoice are pushed together
    const outcomes = await connector.pushInvoices([invoice1041, badAccount]);

    // Then the 400 refuses the invalid one with Xero's message; the valid one is sent again
    expect(outcomes[0]?.status).toBe('pushed');
    expect(outcomes[1]).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining("Account code '999'") as string,
    });
    expect(apiCalls(sim, 'PUT', invoicesPath).map((put) => put.status)).toEqual([400, 200]);
    expect(sim.store.invoices.size).toBe(1);
  });
});

describe('xero connector: exactly once', () => {
  it('makes one invoice when the answer to the first push was lost', async () => {
    // Given Xero saving the invoice and then failing the answer
    const { sim, connector } = await setup();
    sim.injectFault({
      kind: 'http-500',
      count: 1,
      afterCommit: true,
      method: 'PUT',
      path: invoicesPath,
    });

    // When the push fails and the queue pushes the same invoice again
    const lost = connector.pushInvoices([invoice1041]);
    await expect(lost).rejects.toBeInstanceOf(ConnectorUnavailableError);
    const retried = pushed((await connector.pushInvoices([invoice1041]))[0]);

    // Then the retry carried the same key, got the invoice first made, and Xero holds one
    const puts = apiCalls(sim, 'PUT', invoicesPath);
    expect(puts.map((put) => put.status)).toEqual([500, 200]);
    expect(puts[1]?.headers['idempotency-key']).toBe(puts[0]?.headers['idempotency-key']);
    expect(puts[0]?.headers['idempotency-key']?.length).toBeLessThanOrEqual(128);
    expect(sim.store.invoices.size).toBe(1);
    expect(sim.store.invoices.has(retried.platformId)).toBe(true);
  });

  it('takes the invoice an earlier attempt made once Xero has forgotten the key', async () => {
    // Given the invoice saved by an attempt whose answer was lost, and the key expired
    const { sim, connector } = await setup();
    sim.injectFault({ kind: 'http-503', count: 1, afterCommit: true, path: invoicesPath });
    await expect(connector.pushInvoices([invoice1041])).rejects.toThrow(ConnectorUnavailableError);
    sim.store.idempotentAnswers.clear();

    // When the same invoice is pushed again
    const [outcome] = await connector.pushInvoices([invoice1041]);

    // Then Xero refused the repeated number, and the invoice it holds is taken as pushed
    const [made] = sim.store.invoices.values();
    expect(outcome).toEqual({
      status: 'pushed',
      platformId: made?.id,
      platformNumber: 'SHP-1041',
      platformTotalMinor: 10710,
    });
    expect(sim.store.invoices.size).toBe(1);
    const lookups = apiCalls(sim, 'GET', invoicesPath);
    expect(lookups.map((lookup) => lookup.query)).toEqual([{ InvoiceNumbers: 'SHP-1041' }]);
  });

  it('refuses a changed document whose number Xero already holds with another total', async () => {
    // Given invoice SHP-1041 pushed, and then the document changed by a penny on its last line
    const { sim, connector } = await setup();
    await connector.pushInvoices([invoice1041]);
    const lines = invoice1041.lines.map((line, index) =>
      index === invoice1041.lines.length - 1
        ? {
            ...line,
            unitAmountMinor: line.unitAmountMinor + 1,
            lineTotalMinor: line.lineTotalMinor + 1,
          }
        : line,
    );
    const changed = { ...invoice1041, lines, totalMinor: invoice1041.totalMinor + 1 };

    // When the changed document is pushed
    const [outcome] = await connector.pushInvoices([changed]);

    // Then it is refused, naming both totals, and Xero still holds one invoice
    expect(outcome).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/107\.10 GBP.*107\.11 GBP/) as string,
    });
    expect(sim.store.invoices.size).toBe(1);
  });

  it('takes a credit note an earlier attempt made, found by its number', async () => {
    // Given the credit note made by an attempt whose answer was lost, the key since expired
    const { sim, connector } = await setup();
    const invoice = pushed((await connector.pushInvoices([invoice1041]))[0]);
    const path = '/api.xro/2.0/CreditNotes';
    sim.injectFault({ kind: 'timeout', count: 1, afterCommit: true, path });
    const fastConnector = createXeroConnector({
      apiUrl: sim.apiUrl,
      identityUrl: sim.identityUrl,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      logger: pino({ level: 'silent' }),
      limits: { timeoutMs: 200 },
    });
    opened.push({ sim, connector: fastConnector });
    const lost = fastConnector.pushCreditNotes([creditNoteToPush(invoice.platformId)]);
    await expect(lost).rejects.toBeInstanceOf(ConnectorUnavailableError);
    sim.store.idempotentAnswers.clear();

    // When it is pushed again
    const [outcome] = await connector.pushCreditNotes([creditNoteToPush(invoice.platformId)]);

    // Then the credit note Xero holds is the push's result
    const [made] = sim.store.creditNotes.values();
    expect(outcome).toMatchObject({ status: 'pushed', platformId: made?.id });
    expect(sim.store.creditNotes.size).toBe(1);
  });
});

describe('xero connector: limits', () => {
  it('spreads over 61 calls a minute by waiting, never meeting a 429', async () => {
    // Given 31 invoices of one customer, one push each (at least 62 calls), Xero slow to
    // answer them, and a count of the calls in flight
    const inFlight = { now: 0, max: 0 };
    const counting: typeof fetch = async (input, init) => {
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      try {
        return await fetch(input, init);
      } finally {
        inFlight.now -= 1;
      }
    };
    const { sim, connector, clock } = await setup({}, { fetch: counting });
    sim.injectFault({ kind: 'delay', delayMs: 20, count: 31, method: 'PUT', path: invoicesPath });
    const startMs = clock.ms;
    const invoices = Array.from({ length: 31 }, (_, index) => anotherInvoice(2000 + index));

    // When they are all pushed concurrently
    const outcomes = await Promise.all(
      invoices.map(async (invoice) => (await connector.pushInvoices([invoice]))[0]),
    );

    // Then every push succeeded, Xero never answered 429, at most 5 calls were in flight, and
    // the calls past the 60th waited for the minute to move on
    expect(outcomes.every((outcome) => outcome?.status === 'pushed')).toBe(true);
    const calls = apiCalls(sim);
    expect(calls.length).toBeGreaterThan(61);
    expect(calls.filter((call) => call.status === 429)).toEqual([]);
    expect(inFlight.max).toBe(5);
    expect(calls[59]?.atMs).toBe(startMs);
    expect(calls[60]?.atMs).toBeGreaterThanOrEqual(startMs + 60_000);
    expect(sim.store.invoices.size).toBe(31);
    expect(sim.store.contacts.size).toBe(1);
  });

  it('waits out a minute 429 it could not foresee and calls again', async () => {
    // Given an organisation whose minute is nearly spent by calls this process did not make
    const { sim, connector, clock } = await setup({ rateLimits: { minuteMax: 2 } });
    const startMs = clock.ms;

    // When an invoice of a new customer is pushed (three calls)
    const invoice = pushed((await connector.pushInvoices([invoice1041]))[0]);

    // Then the third call met a 429, waited Retry-After on the clock, and went through
    expect(sim.store.invoices.has(invoice.platformId)).toBe(true);
    expect(apiCalls(sim).map((call) => call.status)).toEqual([200, 200, 429, 200]);
    expect(clock.ms - startMs).toBeGreaterThanOrEqual(60_000);
  });

  it('parks on the daily limit until Retry-After has passed', async () => {
    // Given an organisation with two calls left today
    const { sim, connector, clock } = await setup({ rateLimits: { dayMax: 2 } });

    // When an invoice of a new customer is pushed (three calls)
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));

    // Then the connector parks until a day after the first call, making no further call
    expect(error).toBeInstanceOf(ConnectorParkedError);
    expect((error as ConnectorParkedError).until.getTime()).toBe(clock.ms + 86_400_000);
    expect(apiCalls(sim).map((call) => call.status)).toEqual([200, 200, 429]);
    expect(sim.store.invoices.size).toBe(0);
  });

  it('answers 5xx as unavailable, retrying nothing itself', async () => {
    // Given Xero failing the next call with 503
    const { sim, connector } = await setup();
    sim.injectFault({ kind: 'http-503', count: 1 });

    // When an invoice is pushed
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));

    // Then the queue is told to try again later, and nothing was made
    expect(error).toBeInstanceOf(ConnectorUnavailableError);
    expect((error as ConnectorUnavailableError).retryAfterMs).toBeGreaterThan(0);
    expect(sim.store.invoices.size).toBe(0);
  });
  it('ends a wait for the minute when closed, as unavailability', async () => {
    // Given a connector allowed one call a minute, on the real clock
    const { sim } = await setup();
    const connector = createXeroConnector({
      apiUrl: sim.apiUrl,
      identityUrl: sim.identityUrl,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      logger: pino({ level: 'silent' }),
      limits: { minuteMax: 1, concurrentMax: 1 },
    });
    opened.push({ sim, connector });

    // When a push needing three calls is under way and the connector closes
    const pushing = failureOf(connector.pushInvoices([invoice1041]));
    while (apiCalls(sim).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await connector.close();

    // Then the push ends at once as unavailable, after one call
    expect(await pushing).toBeInstanceOf(ConnectorUnavailableError);
    expect(apiCalls(sim)).toHaveLength(1);
  });
});

describe('xero connector: connection', () => {
  it('fetches one token for many calls, a new one after a 401, and logs neither', async () => {
    // Given a connector that has pushed once
    const { sim, connector, logLines } = await setup();
    await connector.pushInvoices([invoice1041]);

    // When Xero forgets the token and two more pushes follow
    const firstToken = [...sim.store.tokens.keys()][0];
    sim.store.tokens.clear();
    await connector.pushInvoices([anotherInvoice(1050)]);
    await connector.pushInvoices([anotherInvoice(1051)]);

    // Then two tokens were issued, Basic auth was used, and no secret or token was logged
    const tokenRequests = sim.store.requests.filter((request) => request.host === 'identity');
    expect(tokenRequests).toHaveLength(2);
    expect(tokenRequests[0]?.headers['authorization']).toMatch(/^Basic /);
    expect(apiCalls(sim).filter((call) => call.status === 401)).toHaveLength(1);
    expect(sim.store.invoices.size).toBe(3);
    const logs = logLines.join('\n');
    expect(logs).toContain('xero push done');
    expect(logs).not.toContain(sim.clientSecret);
    expect(logs).not.toContain(firstToken);
    for (const token of sim.store.tokens.keys()) {
      expect(logs).not.toContain(token);
    }
  });

  it('refuses a wrong client secret as a configuration error', async () => {
    // Given a connector with a wrong secret
    const { sim, connector, logLines } = await setup({}, { clientSecret: 'not-the-secret' });

    // When it pushes
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));

    // Then the configuration is blamed, naming the settings to fix, and the secret is not logged
    expect(error).toBeInstanceOf(ConnectorConfigurationError);
    expect((error as Error).message).toContain('XERO_CLIENT_SECRET');
    expect(logLines.join('\n')).not.toContain('not-the-secret');
    expect(apiCalls(sim)).toEqual([]);
  });

  it('asks for XERO_TENANT_ID when the connection reaches two organisations', async () => {
    // Given a connection granted two organisations
    const other = { tenantId: '22222222-2222-4222-8222-222222222222', name: 'Loom Outlet Ltd' };
    const { sim, connector } = await setup({ otherOrganisations: [other] });

    // When it pushes without a tenant id
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));

    // Then the configuration is blamed, naming both organisations and the setting
    expect(error).toBeInstanceOf(ConnectorConfigurationError);
    expect((error as Error).message).toMatch(/2 organisations.*Loom Outlet Ltd.*XERO_TENANT_ID/);
    expect(sim.store.invoices.size).toBe(0);
  });

  it('finds the only organisation of the connection when no tenant id is set', async () => {
    // Given a connection granted one organisation and no tenant id
    const { sim, connector } = await setup();

    // When two pushes are made
    await connector.pushInvoices([invoice1041]);
    await connector.pushInvoices([invoice1042]);

    // Then the organisation was listed once and both pushes went to it
    expect(apiCalls(sim, 'GET', '/connections')).toHaveLength(1);
    const tenants = new Set(
      apiCalls(sim, 'PUT', invoicesPath).map((put) => put.headers['xero-tenant-id']),
    );
    expect([...tenants]).toEqual([sim.tenantId]);
    expect(sim.store.invoices.size).toBe(2);
  });

  it('blames the configuration when Xero refuses the organisation', async () => {
    // Given a tenant id the connection does not reach
    const { sim, connector } = await setup(
      {},
      { tenantId: '33333333-3333-4333-8333-333333333333' },
    );

    // When it pushes
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));

    // Then the configuration is blamed, naming the setting
    expect(error).toBeInstanceOf(ConnectorConfigurationError);
    expect((error as Error).message).toContain('XERO_TENANT_ID');
    expect(sim.store.contacts.size).toBe(0);
  });
});

describe("xero connector: a standard app's refresh token", () => {
  const consentToken = 'xero-consent-refresh-token';

  /** The refresh tokens the connector sent, in order (undefined for another grant). */
  function refreshTokensSent(sim: XeroSimulator) {
    return sim.store.requests
      .filter((request) => request.host === 'identity')
      .map((request) => new URLSearchParams(request.bodyText))
      .map((form) => (form.get('grant_type') === 'refresh_token' ? form.get('refresh_token') : ''));
  }

  /** Every call to the API host, the list of connections included. */
  function apiRequestCount(sim: XeroSimulator | undefined) {
    return sim?.store.requests.filter((request) => request.host === 'api').length ?? 0;
  }

  /** Tokens that must not appear in the logs: refresh tokens given and every access token. */
  function expectNoTokenIn(logLines: string[], sim: XeroSimulator, refreshTokens: string[]) {
    const logs = logLines.join('\n');
    expect(logs).toContain('xero');
    for (const token of [...refreshTokens, ...sim.store.tokens.keys(), sim.clientSecret]) {
      expect(logs).not.toContain(token);
    }
  }

  it('refreshes with the newest token, saving each before its access token is used', async () => {
    // Given a connector holding the consent's refresh token and saving what Xero issues
    const saved: { token: string; apiCallsBefore: number }[] = [];
    const started: { sim?: XeroSimulator } = {};
    const saveRefreshToken = (token: string) => {
      saved.push({ token, apiCallsBefore: apiRequestCount(started.sim) });
      return Promise.resolve();
    };
    const { sim, connector, clock, logLines } = await setup(
      { refreshToken: consentToken },
      { refreshToken: consentToken, saveRefreshToken },
    );
    started.sim = sim;

    // When it pushes, the access token runs out, and it pushes again
    pushed((await connector.pushInvoices([invoice1041]))[0]);
    const apiCallsOfFirstPush = apiRequestCount(sim);
    clock.ms += 1800 * 1000;
    pushed((await connector.pushInvoices([invoice1042]))[0]);

    // Then each refresh used the token the one before issued, each issued token was saved
    // before any call with its access token, and only the newest is still good
    const tokens = saved.map((each) => each.token);
    expect(refreshTokensSent(sim)).toEqual([consentToken, tokens[0]]);
    expect(saved.map((each) => each.apiCallsBefore)).toEqual([0, apiCallsOfFirstPush]);
    expect(sim.store.refreshTokens).toStrictEqual(new Set([tokens[1]]));
    expect(apiCalls(sim, 'GET', '/connections')).toHaveLength(1);
    expect(sim.store.invoices.size).toBe(2);
    expectNoTokenIn(logLines, sim, [consentToken, ...tokens]);
  });

  it('serves the next connector from the saved token and refuses the retired one', async () => {
    // Given a connector that refreshed once and saved the token Xero issued, then closed
    const saved: string[] = [];
    const { sim, connector, clock, logLines } = await setup(
      { refreshToken: consentToken },
      {
        refreshToken: consentToken,
        saveRefreshToken: (token) => Promise.resolve(void saved.push(token)),
      },
    );
    await connector.pushInvoices([invoice1041]);
    await connector.close();
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    const nextConnector = (refreshToken: string) => {
      const next = createXeroConnector({
        apiUrl: sim.apiUrl,
        identityUrl: sim.identityUrl,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        refreshToken,
        saveRefreshToken: (token) => Promise.resolve(void saved.push(token)),
        logger,
        now: clock.now,
        sleep: clock.sleep,
      });
      opened.push({ sim, connector: next });
      return next;
    };

    // When a new connector starts from the saved token, and another from the consent's token
    const fromSaved = nextConnector(saved[0] ?? '');
    const [outcome] = await fromSaved.pushInvoices([invoice1042]);
    const fromConsent = nextConnector(consentToken);
    const apiCallsBefore = apiCalls(sim).length;
    const error: unknown = await failureOf(fromConsent.pushInvoices([anotherInvoice(1050)]));

    // Then the saved token works, and the retired one blames the configuration, asking for a
    // new XERO_REFRESH_TOKEN, without a call to the organisation or a token in the logs
    expect(outcome).toMatchObject({ status: 'pushed' });
    expect(refreshTokensSent(sim)).toEqual([consentToken, saved[0], consentToken]);
    expect(error).toBeInstanceOf(ConnectorConfigurationError);
    expect((error as Error).message).toMatch(/invalid_grant.*XERO_REFRESH_TOKEN/);
    expect((error as Error).message).not.toContain(consentToken);
    expect(apiCalls(sim)).toHaveLength(apiCallsBefore);
    expect(saved).toHaveLength(2);
    expect(sim.store.invoices.size).toBe(2);
    expectNoTokenIn(logLines, sim, [consentToken, ...saved]);
  });

  it('uses no access token whose refresh token it could not save', async () => {
    // Given a connector whose first save fails
    const saved: string[] = [];
    const failedToSave: string[] = [];
    const { sim, connector } = await setup(
      { refreshToken: consentToken },
      {
        refreshToken: consentToken,
        saveRefreshToken: (token) => {
          if (failedToSave.length === 0) {
            failedToSave.push(token);
            return Promise.reject(new Error('the database is away'));
          }
          saved.push(token);
          return Promise.resolve();
        },
      },
    );

    // When it pushes, and pushes again
    const error: unknown = await failureOf(connector.pushInvoices([invoice1041]));
    const apiCallsAfterFailure = apiRequestCount(sim);
    const [outcome] = await connector.pushInvoices([invoice1041]);

    // Then the first push waits without calling Xero's API, and the second refreshes with the
    // token it could not save, saving the one issued for it
    expect(error).toBeInstanceOf(ConnectorUnavailableError);
    expect(apiCallsAfterFailure).toBe(0);
    expect(outcome).toMatchObject({ status: 'pushed' });
    expect(refreshTokensSent(sim)).toEqual([consentToken, failedToSave[0]]);
    expect(sim.store.refreshTokens).toStrictEqual(new Set(saved));
    expect(saved).toHaveLength(1);
  });
});
