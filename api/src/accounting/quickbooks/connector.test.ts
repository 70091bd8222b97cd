// The QuickBooks Online connector against the simulator over real HTTP: the fixture invoice as
// sent, credit memo and credit applied to the penny, exactly once across lost answers and
// existing documents, QuickBooks's limits kept and its 429 respected, EUR with its rate, and
// the errors the push queue acts on.
import { readFileSync } from 'node:fs';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ConnectorConfigurationError, ConnectorUnavailableError } from '../connector.ts';
import { buildCreditNote, buildInvoice } from '../documents.ts';
import { fixtureOrder, fixtureRefund, fixtureSettings, withoutNotes } from '../test-support.ts';
import {
  type QuickBooksConnectorOptions,
  type QuickBooksMapping,
  createQuickBooksConnector,
} from './connector.ts';
import {
  type QuickBooksSimulator,
  type QuickBooksSimulatorOptions,
  createQuickBooksSimulator,
} from './simulator/server.ts';

type Json = Record<string, unknown>;

const fixtureBody = (
  JSON.parse(readFileSync(new URL('./qbo-invoice-request.json', import.meta.url), 'utf8')) as {
    request: { body: Json };
  }
).request.body;

/** Every id looked up by its usual name. */
const byName: QuickBooksMapping = {
  taxCodes: { taxed: null, untaxed: null, outOfScope: null },
  shippingItem: null,
  otherItem: null,
};

/** The fixture company: customer 58, items 31 to 33, Shipping 40 and Sales 41. */
const fixtureCompany: QuickBooksSimulatorOptions = {
  customers: [{ Id: '58', DisplayName: 'Imogen Fairweather', Notes: 'SHOPIFY-7712345600101' }],
  items: [
    ...['HL-CUSH-LIN-SAGE', 'HL-CNDL-SOY-FIG', 'HL-MUG-STONE-BLU'].map((name, index) => ({
      Id: String(31 + index),
      Name: name,
      Type: 'NonInventory',
      IncomeAccountRef: { value: '79' },
    })),
    { Id: '40', Name: 'Shipping', Type: 'Service', IncomeAccountRef: { value: '80' } },
    { Id: '41', Name: 'Sales', Type: 'Service', IncomeAccountRef: { value: '79', name: 'Sales' } },
  ],
};

const invoice1041 = () => buildInvoice(fixtureOrder('#1041'), fixtureSettings).document;
const invoice1042 = () => buildInvoice(fixtureOrder('#1042'), fixtureSettings).document;
const creditNote1041 = () =>
  buildCreditNote(fixtureRefund('1012345600001'), fixtureOrder('#1041'), 1, fixtureSettings)
    .document;

/** A clock tests move by hand; waiting moves it. */
function manualClock(startIso = '2025-10-01T11:00:00Z') {
  let ms = Date.parse(startIso);
  return {
    now: () => new Date(ms),
    advance: (byMs: number) => void (ms += byMs),
    sleep: (byMs: number) => {
      ms += byMs;
      return Promise.resolve();
    },
  };
}

const started: QuickBooksSimulator[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function setUp(
  simulatorOptions: QuickBooksSimulatorOptions = {},
  connectorOptions: Partial<QuickBooksConnectorOptions> = {},
) {
  const clock = manualClock();
  const sim = await createQuickBooksSimulator({
    ...fixtureCompany,
    now: clock.now,
    ...simulatorOptions,
  });
  started.push(sim);

  const savedTokens: string[] = [];
  const connector = createQuickBooksConnector({
    apiUrl: sim.apiUrl,
    oauthUrl: sim.oauthUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    refreshToken: [...sim.refreshTokens][0] ?? '',
    realmId: sim.realmId,
    logger: pino({ level: 'silent' }),
    mapping: () => Promise.resolve(byName),
    now: clock.now,
    sleep: clock.sleep,
    saveRefreshToken: (token) => {
      savedTokens.push(token);
      return Promise.resolve();
    },
    ...connectorOptions,
  });
  return { sim, clock, connector, savedTokens };
}

function postsTo(sim: QuickBooksSimulator, entity: string) {
  return sim.requests.filter(
    (request) => request.method === 'POST' && request.path.endsWith(`/${entity}`),
  );
}

/** A fetch that hides what the query endpoint finds for statements matching `hidden`. */
function hidingQueries(hidden: RegExp, times: number): typeof fetch {
  let left = times;
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const statement = url.searchParams.get('query') ?? '';
    const response = await fetch(input, init);
    if (left > 0 && hidden.test(statement)) {
      left -= 1;
      return Response.json({ QueryResponse: {}, time: new Date().toISOString() });
    }
    return response;
  };
}

describe('pushing invoices and credit memos', () => {
  it('sends the fixture body for #1041 and answers QuickBooks’s total to the penny', async () => {
    // Given the fixture company, every id found by its name
    const { sim, connector } = await setUp();

    // When the invoice of #1041 is pushed
    const outcomes = await connector.pushInvoices([invoice1041()]);

    // Then it was sent as the fixture says, with minorversion and a requestid, and is 107.10
    const [post] = postsTo(sim, 'invoice');
    expect(JSON.parse(post?.bodyText ?? '{}')).toStrictEqual(withoutNotes(fixtureBody));
    expect(post?.query['minorversion']).toBe('75');
    expect(post?.query['requestid']).toMatch(/^i5912345678901-/);
    expect(outcomes).toStrictEqual([
      {
        status: 'pushed',
        platformId: expect.any(String),
        platformNumber: 'SHP-1041',
        platformTotalMinor: 10710,
      },
    ]);
  });

  it('credits the refund and applies it to the invoice, once', async () => {
    // Given the invoice of #1041 pushed
    const { sim, connector } = await setUp();
    const invoice = invoice1041();
    const [pushedInvoice] = await connector.pushInvoices([invoice]);
    const invoiceId = pushedInvoice?.status === 'pushed' ? pushedInvoice.platformId : '';

    // When its refund's credit note is pushed and allocated, and allocated again
    const toPush = {
      document: creditNote1041(),
      invoice: { document: invoice, platformId: invoiceId },
    };
    const [pushedCredit] = await connector.pushCreditNotes([toPush]);
    const creditId = pushedCredit?.status === 'pushed' ? pushedCredit.platformId : '';
    const allocation = await connector.allocate({ ...toPush, platformId: creditId });
    const again = await connector.allocate({ ...toPush, platformId: creditId });

    // Then the memo is 27.00, the invoice owes 80.10, and only one payment was made
    expect(pushedCredit).toMatchObject({
      status: 'pushed',
      platformNumber: 'SHP-1041-R1',
      platformTotalMinor: 2700,
    });
    expect(allocation).toStrictEqual({ status: 'allocated', allocatedMinor: 2700 });
    expect(again).toStrictEqual({ status: 'allocated', allocatedMinor: 2700 });
    expect(sim.company.get('Invoice', invoiceId)?.['Balance']).toBe(80.1);
    expect(sim.company.table('Payment').size).toBe(1);
  });

  it('answers not_needed when the invoice owes nothing', async () => {
    // Given the invoice of #1041 pushed and paid in full in QuickBooks
    const { sim, connector } = await setUp();
    const invoice = invoice1041();
    const [pushed] = await connector.pushInvoices([invoice]);
    const invoiceId = pushed?.status === 'pushed' ? pushed.platformId : '';
    const stored = sim.company.get('Invoice', invoiceId);
    if (stored) {
      stored['Balance'] = 0;
    }

    // When the credit note is pushed and allocated
    const toPush = {
      document: creditNote1041(),
      invoice: { document: invoice, platformId: invoiceId },
    };
    const [credit] = await connector.pushCreditNotes([toPush]);
    const creditId = credit?.status === 'pushed' ? credit.platformId : '';
    const allocation = await connector.allocate({ ...toPush, platformId: creditId });

    // Then nothing is applied and the credit stays with the customer
    expect(allocation).toStrictEqual({ status: 'not_needed' });
    expect(sim.company.table('Payment').size).toBe(0);
  });

  it('invoices the EUR order for a EUR customer at GBP per EUR', async () => {
    // Given a company that does not know the Irish customer or the order's SKUs
    const { sim, connector } = await setUp();

    // When the invoice of #1042 is pushed
    const [outcome] = await connector.pushInvoices([invoice1042()]);

    // Then a EUR customer and non-inventory items were made, and the invoice is 129.85 EUR,
    // 111.46 GBP at home: Shopify's shop_money total
    const id = outcome?.status === 'pushed' ? outcome.platformId : '';
    const stored = sim.company.get('Invoice', id);
    expect(outcome).toMatchObject({ status: 'pushed', platformTotalMinor: 12985 });
    expect(stored).toMatchObject({
      CurrencyRef: { value: 'EUR' },
      ExchangeRate: 0.858369,
      HomeTotalAmt: 111.46,
    });
    const customerId = (stored?.['CustomerRef'] as Json)['value'] as string;
    expect(sim.company.get('Customer', customerId)?.['CurrencyRef']).toStrictEqual({
      value: 'EUR',
    });
    expect(
      [...sim.company.table('Item').values()].find((item) => item['Name'] === 'HL-VASE-GLS-AMB'),
    ).toMatchObject({ Type: 'NonInventory', IncomeAccountRef: { value: '79', name: 'Sales' } });
  });

  it('leaves a customer of the same name alone and makes one with the reference', async () => {
    // Given an Imogen Fairweather in QuickBooks who is another Shopify customer
    const { sim, connector } = await setUp({
      customers: [{ Id: '58', DisplayName: 'Imogen Fairweather', Notes: 'SHOPIFY-77123456001019' }],
    });

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then it is for a new customer named with the order's customer reference
    const id = outcome?.status === 'pushed' ? outcome.platformId : '';
    expect(sim.company.get('Invoice', id)?.['CustomerRef']).toStrictEqual({
      value: expect.not.stringMatching(/^58$/),
      name: 'Imogen Fairweather (SHOPIFY-7712345600101)',
    });
  });

  it('credits the EUR refund in euros and applies it to the EUR invoice', async () => {
    // Given the EUR invoice of #1042 pushed
    const { sim, connector } = await setUp();
    const invoice = invoice1042();
    const [pushedInvoice] = await connector.pushInvoices([invoice]);
    const invoiceId = pushedInvoice?.status === 'pushed' ? pushedInvoice.platformId : '';

    // When the refund of the vase is credited and applied
    const creditNote = buildCreditNote(
      fixtureRefund('1012345600002'),
      fixtureOrder('#1042'),
      1,
      fixtureSettings,
    ).document;
    const toPush = { document: creditNote, invoice: { document: invoice, platformId: invoiceId } };
    const [pushedCredit] = await connector.pushCreditNotes([toPush]);
    const creditId = pushedCredit?.status === 'pushed' ? pushedCredit.platformId : '';
    const allocation = await connector.allocate({ ...toPush, platformId: creditId });

    // Then the memo is 34.95 EUR for the invoice's customer and the invoice owes 94.90 EUR
    expect(pushedCredit).toMatchObject({ status: 'pushed', platformTotalMinor: 3495 });
    expect(sim.company.get('CreditMemo', creditId)).toMatchObject({
      CurrencyRef: { value: 'EUR' },
      ExchangeRate: 0.858369,
      CustomerRef: sim.company.get('Invoice', invoiceId)?.['CustomerRef'],
    });
    expect(allocation).toStrictEqual({ status: 'allocated', allocatedMinor: 3495 });
    expect(sim.company.get('Invoice', invoiceId)?.['Balance']).toBe(94.9);
  });

  it('refuses to apply credit to an invoice QuickBooks does not have', async () => {
    // Given a pushed credit memo whose invoice id is unknown to QuickBooks
    const { connector } = await setUp();
    const toPush = {
      document: creditNote1041(),
      invoice: { document: invoice1041(), platformId: '999' },
    };
    const [credit] = await connector.pushCreditNotes([toPush]);
    const creditId = credit?.status === 'pushed' ? credit.platformId : '';

    // When it is allocated
    const allocation = await connector.allocate({ ...toPush, platformId: creditId });

    // Then the allocation is refused, naming the missing invoice
    expect(allocation).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining('Invoice 999'),
    });
  });
});

describe('exactly once', () => {
  it('creates one invoice when the answer is lost and QuickBooks’s query lags', async () => {
    // Given a connection that drops after QuickBooks saved the invoice
    const hide = hidingQueries(/from Invoice where DocNumber/, 2);
    const { sim, connector } = await setUp({}, { fetch: hide });
    sim.injectFault({ kind: 'disconnect', count: 1, afterCommit: true, entity: 'invoice' });
    const first = connector.pushInvoices([invoice1041()]);
    await expect(first).rejects.toBeInstanceOf(ConnectorUnavailableError);

    // When the push is retried and the lookup by number does not yet see it
    const [retry] = await connector.pushInvoices([invoice1041()]);

    // Then the requestid answers the invoice saved the first time, and there is one
    const [saved] = [...sim.company.table('Invoice').values()];
    expect(retry).toMatchObject({ status: 'pushed', platformId: saved?.['Id'] });
    expect(sim.company.table('Invoice').size).toBe(1);
    expect(postsTo(sim, 'invoice')).toHaveLength(2);
  });

  it('adopts an invoice with the same number and total instead of creating one', async () => {
    // Given SHP-1041 already in QuickBooks with the same total (a push whose answer was lost)
    const { sim, connector } = await setUp();
    const existing = sim.company.save('Invoice', fixtureBody).body as { Invoice: Json };

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then the existing one is answered and nothing was posted
    expect(outcome).toMatchObject({ status: 'pushed', platformId: existing.Invoice['Id'] });
    expect(postsTo(sim, 'invoice')).toHaveLength(0);
  });

  it('adopts after the duplicate number fault when the lookup missed it', async () => {
    // Given SHP-1041 in QuickBooks and a first lookup that does not see it
    const hide = hidingQueries(/from Invoice where DocNumber/, 1);
    const { sim, connector } = await setUp({}, { fetch: hide });
    const existing = sim.company.save('Invoice', fixtureBody).body as { Invoice: Json };

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then QuickBooks refused the second with 6140 and the first was adopted
    expect(postsTo(sim, 'invoice').map((post) => post.status)).toStrictEqual([400]);
    expect(outcome).toMatchObject({ status: 'pushed', platformId: existing.Invoice['Id'] });
    expect(sim.company.table('Invoice').size).toBe(1);
  });

  it('refuses when the number exists with another total', async () => {
    // Given SHP-1041 in QuickBooks for a different amount
    const { sim, connector } = await setUp();
    const [firstLine] = fixtureBody['Line'] as Json[];
    sim.company.save('Invoice', {
      ...fixtureBody,
      Line: [firstLine],
      TxnTaxDetail: { TotalTax: 7.2 },
    });

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then it is refused for a person, naming both totals, and nothing is posted
    expect(outcome?.status).toBe('refused');
    expect(outcome?.status === 'refused' ? outcome.reason : '').toMatch(/43\.2 GBP, not 10710/);
    expect(postsTo(sim, 'invoice')).toHaveLength(0);
  });

  it('answers QuickBooks’s own words when it refuses a document', async () => {
    // Given a mapping naming a tax code the company does not have
    const mapping = { ...byName, taxCodes: { ...byName.taxCodes, taxed: '999' } };
    const { connector } = await setUp({}, { mapping: () => Promise.resolve(mapping) });

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then the outcome is refused with the fault's detail and the fault itself
    expect(outcome).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining('TaxCode 999 does not exist'),
      details: { type: 'ValidationFault' },
    });
  });

  it('refuses a document whose settings name an item the company does not have', async () => {
    // Given a mapping naming a shipping item the company does not have
    const mapping = { ...byName, shippingItem: '999' };
    const { sim, connector } = await setUp({}, { mapping: () => Promise.resolve(mapping) });

    // When the invoice of #1041 is pushed
    const [outcome] = await connector.pushInvoices([invoice1041()]);

    // Then the document is refused, naming the item, for a person to fix the setting and retry
    expect(outcome).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining('settings name item 999'),
    });
    expect(postsTo(sim, 'invoice')).toHaveLength(0);
  });
});

describe('limits and errors', () => {
  it('keeps within 10 calls a second on its own, so QuickBooks never throttles', async () => {
    // Given a clock that stands still unless the connector waits
    const { sim, connector } = await setUp();

    // When two invoices needing a dozen calls each are pushed
    await connector.pushInvoices([invoice1041(), invoice1042()]);

    // Then no answer was 429 and no second held more than 10 calls
    const api = sim.requests.filter((request) => request.host === 'api');
    expect(api.length).toBeGreaterThan(20);
    expect(api.filter((request) => request.status === 429)).toHaveLength(0);
    for (const request of api) {
      const sameSecond = api.filter(
        (other) => other.atMs >= request.atMs && other.atMs < request.atMs + 1000,
      );
      expect(sameSecond.length).toBeLessThanOrEqual(10);
    }
  });

  it('counts a call from its answer, so a slow first call cannot crowd the next one', async () => {
    // Given a token refresh that takes 50 ms before the first call goes out
    let advance = (byMs: number) => void byMs;
    const slowTokens: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      if (url.includes('/oauth2/')) {
        advance(50);
      }
      return fetch(input, init);
    };
    const { sim, clock, connector } = await setUp({}, { fetch: slowTokens });
    advance = clock.advance;

    // When two invoices needing a dozen calls each are pushed
    await connector.pushInvoices([invoice1041(), invoice1042()]);

    // Then QuickBooks, counting each call as it arrived, throttled none
    const api = sim.requests.filter((request) => request.host === 'api');
    expect(api.filter((request) => request.status === 429)).toHaveLength(0);
  });

  it('waits 60 seconds after a 429 without calling QuickBooks meanwhile', async () => {
    // Given QuickBooks throttling the next call
    const { sim, clock, connector } = await setUp();
    sim.injectFault({ kind: 'http-429', count: 1 });

    // When a push meets it, another follows at once, and a third after 60 seconds
    const throttled = await connector
      .pushInvoices([invoice1041()])
      .catch((error: unknown) => error);
    const callsAfter429 = sim.requests.length;
    const early = await connector.pushInvoices([invoice1041()]).catch((error: unknown) => error);
    const callsAfterEarly = sim.requests.length;
    clock.advance(60_000);
    const [later] = await connector.pushInvoices([invoice1041()]);

    // Then the first two are unavailable for 60 s, the second made no call, the third pushed
    expect(throttled).toBeInstanceOf(ConnectorUnavailableError);
    expect((throttled as ConnectorUnavailableError).retryAfterMs).toBe(60_000);
    expect(early).toBeInstanceOf(ConnectorUnavailableError);
    expect(callsAfterEarly).toBe(callsAfter429);
    expect(later?.status).toBe('pushed');
  });

  it('reports a 5xx as unavailable and pushes on the retry', async () => {
    // Given QuickBooks failing the next call
    const { sim, connector } = await setUp();
    sim.injectFault({ kind: 'http-503', count: 1 });

    // When a push meets it and is retried
    const failed = await connector.pushInvoices([invoice1041()]).catch((error: unknown) => error);
    const [retry] = await connector.pushInvoices([invoice1041()]);

    // Then the first is unavailable and the retry pushes one invoice
    expect(failed).toBeInstanceOf(ConnectorUnavailableError);
    expect(retry?.status).toBe('pushed');
    expect(sim.company.table('Invoice').size).toBe(1);
  });

  it('saves each rotated refresh token and refreshes when the hour is up', async () => {
    // Given a pushed invoice
    const { sim, clock, connector, savedTokens } = await setUp();
    await connector.pushInvoices([invoice1041()]);
    expect(savedTokens).toHaveLength(1);
    expect(sim.refreshTokens.has(savedTokens[0] ?? '')).toBe(true);

    // When an hour passes and the credit note is pushed
    clock.advance(3600 * 1000);
    await connector.pushCreditNotes([
      { document: creditNote1041(), invoice: { document: invoice1041(), platformId: 'x' } },
    ]);

    // Then the connector refreshed again and saved the newer token
    expect(savedTokens).toHaveLength(2);
    expect(sim.refreshTokens).toStrictEqual(new Set([savedTokens[1]]));
  });

  it('reports a refresh token Intuit does not know as a configuration error', async () => {
    // Given a connector holding a refresh token Intuit never issued
    const { connector } = await setUp({}, { refreshToken: 'revoked' });

    // When it pushes
    const error = await connector.pushInvoices([invoice1041()]).catch((thrown: unknown) => thrown);

    // Then the queue is told the connection itself is wrong
    expect(error).toBeInstanceOf(ConnectorConfigurationError);
    expect((error as Error).message).toContain('invalid_grant');
  });

  it('gets a new access token once when QuickBooks stops accepting the old one', async () => {
    // Given a pushed invoice and access tokens revoked afterwards
    const { sim, connector, savedTokens } = await setUp();
    await connector.pushInvoices([invoice1041()]);
    sim.revokeAccessTokens();

    // When the credit note is pushed
    const [outcome] = await connector.pushCreditNotes([
      { document: creditNote1041(), invoice: { document: invoice1041(), platformId: 'x' } },
    ]);

    // Then a fresh token was fetched and the push went through
    expect(outcome?.status).toBe('pushed');
    expect(savedTokens).toHaveLength(2);
  });
});
