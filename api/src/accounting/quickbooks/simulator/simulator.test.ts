// The QuickBooks Online simulator over real HTTP: token refresh and expiry, the fixture invoice
// with QuickBooks's totals, requestid replays, SyncToken, the fault shapes, duplicate numbers,
// throttling on an injected clock, the query subset and applying a credit memo.
import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import {
  type QuickBooksSimulator,
  type QuickBooksSimulatorOptions,
  createQuickBooksSimulator,
} from './server.ts';

type Json = Record<string, unknown>;

const fixtureBody = (
  JSON.parse(readFileSync(new URL('../qbo-invoice-request.json', import.meta.url), 'utf8')) as {
    request: { body: Json };
  }
).request.body;

const started: QuickBooksSimulator[] = [];

/** A clock tests move by hand. */
function manualClock(startIso = '2025-10-01T11:00:00Z') {
  let ms = Date.parse(startIso);
  return { now: () => new Date(ms), advance: (byMs: number) => void (ms += byMs) };
}

/** The company the fixture invoice refers to: customer 58, items 31 to 33 and 40. */
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
  ],
};

async function simulator(options: QuickBooksSimulatorOptions = {}) {
  const sim = await createQuickBooksSimulator({ ...fixtureCompany, ...options });
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function refresh(sim: QuickBooksSimulator, refreshToken: string, secret = sim.clientSecret) {
  const response = await fetch(`${sim.oauthUrl}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${sim.clientId}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function accessToken(sim: QuickBooksSimulator): Promise<string> {
  const [refreshToken = ''] = [...sim.refreshTokens];
  return String((await refresh(sim, refreshToken)).body['access_token']);
}

interface Answer {
  status: number;
  body: Json;
}

/** Calls `/v3/company/{realmId}/{path}` with minorversion 75 and any extra query. */
async function call(
  sim: QuickBooksSimulator,
  token: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
): Promise<Answer> {
  const query = new URLSearchParams({ minorversion: '75', ...options.query });
  const response = await fetch(`${sim.apiUrl}/v3/company/${sim.realmId}/${path}?${query}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const invoiceOf = (answer: Answer) => answer.body['Invoice'] as Json;

function faultOf(answer: Answer) {
  return answer.body['Fault'] as { Error: Json[]; type: string };
}

describe('OAuth', () => {
  it('rotates the refresh token and refuses the old one', async () => {
    // Given the simulator's seeded refresh token
    const sim = await simulator();
    const [seeded = ''] = [...sim.refreshTokens];

    // When it is used twice
    const first = await refresh(sim, seeded);
    const second = await refresh(sim, seeded);

    // Then the first use answers a one-hour token and a new refresh token; the second is refused
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(first.body['refresh_token']).not.toBe(seeded);
    expect(second).toStrictEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(sim, String(first.body['refresh_token']), 'wrong')).status).toBe(401);
  });

  it('refuses an access token after its hour with Intuit’s authentication fault', async () => {
    // Given a token handed out now
    const clock = manualClock();
    const sim = await simulator({ now: clock.now });
    const token = await accessToken(sim);
    expect((await call(sim, token, 'invoice/1')).status).toBe(400);

    // When an hour passes
    clock.advance(3600 * 1000);
    const answer = await call(sim, token, 'query', { query: { query: 'select * from Item' } });

    // Then the call is refused with 401 and the gateway's lower-case fault
    expect(answer.status).toBe(401);
    expect(answer.body['fault']).toStrictEqual({
      error: [
        {
          message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          detail: 'Token expired',
          code: '3200',
        },
      ],
      type: 'AUTHENTICATION',
    });
  });
});

describe('invoices', () => {
  it('totals the fixture invoice as QuickBooks does, keeping the VAT sent', async () => {
    // Given the fixture company
    const sim = await simulator();
    const token = await accessToken(sim);

    // When the fixture body is posted
    const answer = await call(sim, token, 'invoice', {
      body: fixtureBody,
      query: { requestid: 'r-1041' },
    });

    // Then the invoice totals 107.10 with 17.85 VAT on 89.25 at 20%, open in full
    const invoice = invoiceOf(answer);
    expect(answer.status).toBe(200);
    expect(invoice).toMatchObject({
      DocNumber: 'SHP-1041',
      SyncToken: '0',
      TotalAmt: 107.1,
      Balance: 107.1,
      CustomerRef: { value: '58', name: 'Imogen Fairweather' },
      TxnTaxDetail: {
        TotalTax: 17.85,
        TaxLine: [
          {
            Amount: 17.85,
            DetailType: 'TaxLineDetail',
            TaxLineDetail: {
              TaxRateRef: { value: '10' },
              PercentBased: true,
              TaxPercent: 20,
              NetAmountTaxable: 89.25,
            },
          },
        ],
      },
    });
  });

  it('works out the tax itself when no TotalTax is sent', async () => {
    // Given two tax-exclusive lines of 10.00 and 5.55 at 20%
    const sim = await simulator();
    const token = await accessToken(sim);
    const line = (amount: number) => ({
      DetailType: 'SalesItemLineDetail',
      Amount: amount,
      SalesItemLineDetail: { ItemRef: { value: '40' }, TaxCodeRef: { value: '6' } },
    });

    // When the invoice is posted without TxnTaxDetail
    const answer = await call(sim, token, 'invoice', {
      body: { CustomerRef: { value: '58' }, Line: [line(10), line(5.55)] },
    });

    // Then the tax is 20% of 15.55 rounded to the penny, 3.11, and the total 18.66
    expect(invoiceOf(answer)).toMatchObject({
      GlobalTaxCalculation: 'TaxExcluded',
      TxnTaxDetail: { TotalTax: 3.11 },
      TotalAmt: 18.66,
    });
  });

  it('answers a repeated requestid with the first answer and creates nothing again', async () => {
    // Given the fixture invoice posted under a requestid
    const sim = await simulator();
    const token = await accessToken(sim);
    const first = await call(sim, token, 'invoice', {
      body: fixtureBody,
      query: { requestid: 'same' },
    });

    // When the same requestid comes again, even with another number
    const again = await call(sim, token, 'invoice', {
      body: { ...fixtureBody, DocNumber: 'SHP-9999' },
      query: { requestid: 'same' },
    });

    // Then the answer is the first one and the company holds one invoice
    expect(again).toStrictEqual(first);
    expect(sim.company.table('Invoice').size).toBe(1);
  });

  it('keeps the invoice and its answer when the connection drops after saving', async () => {
    // Given a fault that saves the invoice and then drops the connection
    const sim = await simulator();
    const token = await accessToken(sim);
    sim.injectFault({ kind: 'disconnect', count: 1, afterCommit: true });

    // When the post fails and is retried with the same requestid
    const lost = call(sim, token, 'invoice', { body: fixtureBody, query: { requestid: 'lost' } });
    await expect(lost).rejects.toThrow();
    const retry = await call(sim, token, 'invoice', {
      body: fixtureBody,
      query: { requestid: 'lost' },
    });

    // Then the retry answers the saved invoice and there is only one
    expect(retry.status).toBe(200);
    expect(sim.company.table('Invoice').size).toBe(1);
    expect(invoiceOf(retry)['Id']).toBe([...sim.company.table('Invoice').keys()][0]);
  });

  it('refuses an update with a stale SyncToken', async () => {
    // Given an invoice updated once (SyncToken 0 → 1)
    const sim = await simulator();
    const token = await accessToken(sim);
    const created = invoiceOf(await call(sim, token, 'invoice', { body: fixtureBody }));
    const update = { ...fixtureBody, Id: created['Id'], PrivateNote: 'first edit' };
    const updated = await call(sim, token, 'invoice', { body: { ...update, SyncToken: '0' } });
    expect(invoiceOf(updated)['SyncToken']).toBe('1');

    // When another update still carries SyncToken 0
    const stale = await call(sim, token, 'invoice', {
      body: { ...update, SyncToken: '0', PrivateNote: 'second edit' },
    });

    // Then QuickBooks's stale object fault is answered and the first edit stays
    expect(stale.status).toBe(400);
    expect(faultOf(stale).type).toBe('ValidationFault');
    expect(faultOf(stale).Error[0]).toMatchObject({
      Message: 'Stale Object Error',
      code: '5010',
      element: 'SyncToken',
    });
    expect(sim.company.get('Invoice', String(created['Id']))?.['PrivateNote']).toBe('first edit');
  });

  it('answers an unknown item with a validation fault in QuickBooks’s shape', async () => {
    // Given the fixture body with an item the company does not have
    const sim = await simulator();
    const token = await accessToken(sim);
    const lines = fixtureBody['Line'] as Json[];
    const line = lines[0] as { SalesItemLineDetail: Json };
    const body = {
      ...fixtureBody,
      Line: [
        {
          ...line,
          SalesItemLineDetail: { ...line.SalesItemLineDetail, ItemRef: { value: '999' } },
        },
      ],
    };

    // When it is posted
    const answer = await call(sim, token, 'invoice', { body });

    // Then the answer is 400 with Fault.Error[] and a time, and nothing is created
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body).sort()).toStrictEqual(['Fault', 'time']);
    expect(faultOf(answer)).toStrictEqual({
      Error: [
        {
          Message: 'Invalid Reference Id',
          Detail: 'Invalid Reference Id : Line[0] Item 999 does not exist',
          code: '2500',
          element: 'Line[0]',
        },
      ],
      type: 'ValidationFault',
    });
    expect(sim.company.table('Invoice').size).toBe(0);
  });

  it('refuses an amount that is not quantity times unit price', async () => {
    // Given a line of 2 × 18.00 claiming 36.01
    const sim = await simulator();
    const token = await accessToken(sim);
    const [line] = fixtureBody['Line'] as Json[];

    // When it is posted
    const answer = await call(sim, token, 'invoice', {
      body: { ...fixtureBody, Line: [{ ...line, Amount: 36.01 }] },
    });

    // Then QuickBooks's amount calculation fault is answered
    expect(faultOf(answer).Error[0]).toMatchObject({ code: '6070', element: 'Line[0]' });
  });

  it('refuses a repeated DocNumber when the company says so, and takes it when not', async () => {
    // Given the fixture invoice already in two companies, one that allows repeats
    const strict = await simulator();
    const lenient = await simulator({ refuseDuplicateDocNumber: false });
    const answers = [];
    for (const sim of [strict, lenient]) {
      const token = await accessToken(sim);
      await call(sim, token, 'invoice', { body: fixtureBody });

      // When it is posted again under another requestid
      answers.push(await call(sim, token, 'invoice', { body: fixtureBody }));
    }

    // Then the strict company refuses with 6140 and the other makes a second invoice
    expect(faultOf(answers[0] as Answer).Error[0]).toMatchObject({
      Message: 'Duplicate Document Number Error',
      code: '6140',
    });
    expect(strict.company.table('Invoice').size).toBe(1);
    expect(lenient.company.table('Invoice').size).toBe(2);
  });

  it('refuses an invoice in a currency other than the customer’s', async () => {
    // Given the GBP customer 58
    const sim = await simulator();
    const token = await accessToken(sim);

    // When a EUR invoice is posted for it
    const answer = await call(sim, token, 'invoice', {
      body: { ...fixtureBody, CurrencyRef: { value: 'EUR' }, ExchangeRate: 0.858369 },
    });

    // Then it is refused on CurrencyRef
    expect(faultOf(answer).Error[0]).toMatchObject({ code: '6000', element: 'CurrencyRef' });
  });
});

describe('throttling', () => {
  it('answers 429 past 10 calls in a second and lets calls through a second later', async () => {
    // Given ten calls at one instant
    const clock = manualClock();
    const sim = await simulator({ now: clock.now });
    const token = await accessToken(sim);
    const statement = { query: { query: 'select * from Item' } };
    for (let index = 0; index < 10; index += 1) {
      expect((await call(sim, token, 'query', statement)).status).toBe(200);
    }

    // When the eleventh comes in the same second, and another a second later
    const refused = await call(sim, token, 'query', statement);
    clock.advance(1000);
    const later = await call(sim, token, 'query', statement);

    // Then the eleventh is the throttle fault and the later one is answered
    expect(refused.status).toBe(429);
    expect(faultOf(refused)).toStrictEqual({
      Error: [
        {
          Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          Detail: 'The request limit was reached. Try again later',
          code: '3001',
          element: '',
        },
      ],
      type: 'SERVICE',
    });
    expect(later.status).toBe(200);
  });

  it('answers 429 once the minute’s calls are spent, until the minute has passed', async () => {
    // Given a minute limit of 20 (500 in QuickBooks) and 20 calls spread over 19 seconds
    const clock = manualClock();
    const sim = await simulator({ now: clock.now, limits: { perMinuteMax: 20 } });
    const token = await accessToken(sim);
    const statement = { query: { query: 'select * from Item' } };
    for (let index = 0; index < 20; index += 1) {
      expect((await call(sim, token, 'query', statement)).status).toBe(200);
      clock.advance(1000);
    }

    // When one more comes at 20 s, and another once the first call is a minute old
    const refused = await call(sim, token, 'query', statement);
    clock.advance(40_000);
    const later = await call(sim, token, 'query', statement);

    // Then the first is refused and the second answered
    expect(refused.status).toBe(429);
    expect(later.status).toBe(200);
  });
});

describe('queries', () => {
  it('finds a display name with a quote in it and answers none as empty', async () => {
    // Given a customer named O'Brien
    const sim = await simulator({
      customers: [{ Id: '70', DisplayName: "Niamh O'Brien", CurrencyRef: { value: 'EUR' } }],
    });
    const token = await accessToken(sim);
    const select = (statement: string) =>
      call(sim, token, 'query', { query: { query: statement } });

    // When it is looked up, and a name nobody has
    const found = await select("select * from Customer where DisplayName = 'Niamh O\\'Brien'");
    const none = await select("select * from Customer where DisplayName = 'Nobody'");
    const broken = await select('select Id from Customer');

    // Then the first answers the customer, the second an empty QueryResponse, the third a fault
    expect(found.body['QueryResponse']).toMatchObject({
      Customer: [{ Id: '70', DisplayName: "Niamh O'Brien" }],
      startPosition: 1,
      maxResults: 1,
    });
    expect(none.body['QueryResponse']).toStrictEqual({});
    expect(broken.status).toBe(400);
    expect(faultOf(broken).Error[0]).toMatchObject({ code: '4000' });
  });
});

describe('applying credit', () => {
  it('moves a credit memo onto its invoice with a zero payment', async () => {
    // Given the fixture invoice and a 27.00 credit memo for the same customer
    const sim = await simulator();
    const token = await accessToken(sim);
    const invoice = invoiceOf(await call(sim, token, 'invoice', { body: fixtureBody }));
    const [mug] = fixtureBody['Line'] as Json[];
    const memoAnswer = await call(sim, token, 'creditmemo', {
      body: {
        ...fixtureBody,
        DocNumber: 'SHP-1041-R1',
        Line: [mug, mug].map((line) => ({
          ...line,
          Amount: 11.25,
          SalesItemLineDetail: {
            ItemRef: { value: '33' },
            Qty: 1,
            UnitPrice: 11.25,
            TaxCodeRef: { value: '6' },
          },
        })),
        TxnTaxDetail: { TotalTax: 4.5 },
      },
    });
    const memo = memoAnswer.body['CreditMemo'] as Json;
    expect(memo['TotalAmt']).toBe(27);

    // When 27.00 is applied, and then 1.00 more than is left
    const link = (amount: number) => ({
      CustomerRef: { value: '58' },
      TotalAmt: 0,
      Line: [
        { Amount: amount, LinkedTxn: [{ TxnId: invoice['Id'], TxnType: 'Invoice' }] },
        { Amount: amount, LinkedTxn: [{ TxnId: memo['Id'], TxnType: 'CreditMemo' }] },
      ],
    });
    const applied = await call(sim, token, 'payment', { body: link(27) });
    const tooMuch = await call(sim, token, 'payment', { body: link(1) });

    // Then the invoice owes 80.10, the memo has no credit left, and the second is refused
    expect(applied.status).toBe(200);
    expect(invoiceOf(await call(sim, token, `invoice/${String(invoice['Id'])}`))['Balance']).toBe(
      80.1,
    );
    expect(sim.company.get('CreditMemo', String(memo['Id']))?.['RemainingCredit']).toBe(0);
    expect(tooMuch.status).toBe(400);
  });
});
