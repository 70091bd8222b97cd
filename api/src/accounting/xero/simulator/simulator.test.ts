// The Xero simulator over real HTTP: tokens, tenant checks, the fixture invoices and credit note
// with Xero's totals, the fixture validation answers, per-element results, idempotent replays,
// the three rate limits on an injected clock, credit-note allocation, contacts and faults.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { type XeroSimulator, type XeroSimulatorOptions, startXeroSimulator } from './server.ts';

type Json = Record<string, unknown>;

interface FixtureRequest {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: Json;
  expected_xero_totals: Record<string, number | string>;
}

const fixtureFolder = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../../tests/fixtures',
);
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(fixtureFolder, name), 'utf8')) as T;

const invoiceRequests = fixture<{ requests: FixtureRequest[] }>('xero-invoice-request.json');
const creditNoteRequests = fixture<{ requests: FixtureRequest[] }>('xero-credit-note-request.json');
const validationErrors = fixture<
  Record<string, { request: { url: string; body: Json }; response: Json }>
>('xero-validation-error.json');
const rateLimit429 = fixture<Record<string, { headers: Record<string, string> }>>(
  'xero-rate-limit-429.json',
);

const [gbpInvoice, eurInvoice] = invoiceRequests.requests as [FixtureRequest, FixtureRequest];
const [createCreditNote, allocateToInvoice] = creditNoteRequests.requests as [
  FixtureRequest,
  FixtureRequest,
];
const tenantId = '00000000-0000-0000-0000-0000000a11ce';

const started: XeroSimulator[] = [];

/** A clock tests move by hand. */
function manualClock(startIso = '2025-10-01T11:00:00Z') {
  let ms = Date.parse(startIso);
  return { now: () => new Date(ms), advance: (byMs: number) => void (ms += byMs) };
}

async function simulator(options: XeroSimulatorOptions = {}): Promise<XeroSimulator> {
  const sim = await startXeroSimulator({ tenantId, ...options });
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function grant(sim: XeroSimulator, form: Record<string, string>, secret = sim.clientSecret) {
  const response = await fetch(`${sim.identityUrl}/connect/token`, {
    method: 'POST',
    headers: {
      Authorization: basic(sim.clientId, secret),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function accessToken(sim: XeroSimulator): Promise<string> {
  const { body } = await grant(sim, { grant_type: 'client_credentials' });
  return String(body['access_token']);
}

interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string | null;
  tenant?: string | null;
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** Calls the Accounting API at `path` (relative to the API base, or a fixture's full URL). */
async function call(sim: XeroSimulator, token: string, path: string, options: CallOptions = {}) {
  const relative = path.replace(/^https:\/\/api\.xero\.com/, '');
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    ...options.headers,
  };
  const bearer = options.token === undefined ? token : options.token;
  const tenant = options.tenant === undefined ? tenantId : options.tenant;
  headers['Authorization'] = bearer === null ? '' : `Bearer ${bearer}`;
  headers['xero-tenant-id'] = tenant ?? '';
  if (tenant === null) {
    delete headers['xero-tenant-id'];
  }

  const response = await fetch(`${sim.apiUrl}${relative}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const answer: Answer = {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
  return answer;
}

/** Sends a fixture request as written, with its headers (bar the placeholder token). */
function send(sim: XeroSimulator, token: string, request: FixtureRequest, body = request.body) {
  const { Authorization: _placeholder, ...headers } = request.headers;
  return call(sim, token, request.url, { method: 'PUT', body, headers });
}

function first(answer: Answer, collection: string): Json {
  const items = answer.body[collection] as Json[];
  return items[0] ?? {};
}

describe('xero simulator: identity and access', () => {
  it('grants a client-credentials token and refuses a wrong secret as Xero does', async () => {
    const sim = await simulator();

    const granted = await grant(sim, { grant_type: 'client_credentials' });
    const refused = await grant(sim, { grant_type: 'client_credentials' }, 'wrong-secret');

    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ expires_in: 1800, token_type: 'Bearer' });
    expect(granted.body['access_token']).toEqual(expect.any(String));
    expect(granted.body['scope']).toContain('accounting.transactions');
    expect(refused).toEqual({ status: 400, body: { error: 'invalid_client' } });
  });

  it('accepts a client secret holding a colon, split at the first colon', async () => {
    const sim = await simulator({ clientSecret: 'half:other-half' });

    const granted = await grant(sim, { grant_type: 'client_credentials' });
    const truncated = await grant(sim, { grant_type: 'client_credentials' }, 'half');

    expect(granted.status).toBe(200);
    expect(truncated).toEqual({ status: 400, body: { error: 'invalid_client' } });
  });

  it('rotates a refresh token and refuses it the second time', async () => {
    const sim = await simulator({ refreshToken: 'rt-seed' });

    const first = await grant(sim, { grant_type: 'refresh_token', refresh_token: 'rt-seed' });
    const again = await grant(sim, { grant_type: 'refresh_token', refresh_token: 'rt-seed' });
    const next = String(first.body['refresh_token']);
    const rotated = await grant(sim, { grant_type: 'refresh_token', refresh_token: next });

    expect(first.status).toBe(200);
    expect(first.body['refresh_token']).not.toBe('rt-seed');
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect(rotated.status).toBe(200);
  });

  it('lists the organisation under /connections', async () => {
    const sim = await simulator({ organisationName: 'Hearth & Loom Ltd' });
    const token = await accessToken(sim);

    const answer = await call(sim, token, '/connections', { tenant: null });

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      expect.objectContaining({
        tenantId,
        tenantType: 'ORGANISATION',
        tenantName: 'Hearth & Loom Ltd',
      }),
    ]);
  });

  it('lists every organisation the connection was granted, serving only its own', async () => {
    const other = { tenantId: '22222222-2222-4222-8222-222222222222', name: 'Loom Outlet Ltd' };
    const sim = await simulator({ otherOrganisations: [other] });
    const token = await accessToken(sim);

    const answer = await call(sim, token, '/connections', { tenant: null });
    const otherCall = await call(sim, token, '/api.xro/2.0/Invoices', { tenant: other.tenantId });

    expect(answer.body).toEqual([
      expect.objectContaining({ tenantId, tenantName: 'Hearth & Loom Ltd' }),
      expect.objectContaining({ tenantId: other.tenantId, tenantName: 'Loom Outlet Ltd' }),
    ]);
    expect(otherCall.status).toBe(403);
  });

  it('refuses a missing, unknown or expired token with 401 and a bad tenant with 403', async () => {
    const clock = manualClock();
    const sim = await simulator({ now: clock.now });
    const token = await accessToken(sim);
    const put = { method: 'PUT', body: gbpInvoice.body };

    const noToken = await call(sim, token, '/api.xro/2.0/Invoices', { ...put, token: null });
    const unknown = await call(sim, token, '/api.xro/2.0/Invoices', { ...put, token: 'forged' });
    const noTenant = await call(sim, token, '/api.xro/2.0/Invoices', { ...put, tenant: null });
    const otherTenant = await call(sim, token, '/api.xro/2.0/Invoices', {
      ...put,
      tenant: '11111111-1111-1111-1111-111111111111',
    });
    clock.advance(1800 * 1000);
    const expired = await call(sim, token, '/api.xro/2.0/Invoices', put);

    expect(noToken.status).toBe(401);
    expect(noToken.body).toMatchObject({ Title: 'Unauthorized', Status: 401 });
    expect(unknown.body['Detail']).toBe('AuthenticationUnsuccessful');
    expect(expired.status).toBe(401);
    expect(String(expired.body['Detail'])).toMatch(/^TokenExpired/);
    for (const refused of [noTenant, otherTenant]) {
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        Title: 'Forbidden',
        Detail: 'AuthenticationUnsuccessful',
      });
    }
    expect(sim.store.invoices.size).toBe(0);
    expect(sim.store.contacts.size).toBe(0);
  });
});

describe('xero simulator: invoices', () => {
  it('accepts the fixture invoices and answers Xero’s totals', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);

    const gbp = await send(sim, token, gbpInvoice);
    const eur = await send(sim, token, eurInvoice);

    expect(gbp.status).toBe(200);
    expect(gbp.body).toMatchObject({ Status: 'OK', ProviderName: 'Quartermaster' });
    const gbpAnswer = first(gbp, 'Invoices');
    expect(gbpAnswer).toMatchObject({
      ...gbpInvoice.expected_xero_totals,
      AmountDue: 107.1,
      InvoiceNumber: 'SHP-1041',
      Status: 'AUTHORISED',
      StatusAttributeString: 'OK',
      HasErrors: false,
      Date: `/Date(${Date.UTC(2025, 8, 30)}+0000)/`,
    });
    expect(gbpAnswer['InvoiceID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(gbpAnswer['UpdatedDateUTC']).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    expect((gbpAnswer['LineItems'] as Json[]).map((line) => line['TaxAmount'])).toEqual([
      7.2, 2.7, 7.2, 0.75,
    ]);

    const { base_currency_equivalent_GBP: _gbp, ...eurTotals } = eurInvoice.expected_xero_totals;
    expect(first(eur, 'Invoices')).toMatchObject({ ...eurTotals, CurrencyRate: 1.165 });
    expect(sim.store.invoices.size).toBe(2);
    expect(sim.store.contacts.size).toBe(2);
  });

  it('finds invoices by number, id and where filter', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const created = first(await send(sim, token, gbpInvoice), 'Invoices');
    await send(sim, token, eurInvoice);

    const byNumber = await call(sim, token, '/api.xro/2.0/Invoices?InvoiceNumbers=SHP-1042');
    const byId = await call(sim, token, `/api.xro/2.0/Invoices/${String(created['InvoiceID'])}`);
    const where = encodeURIComponent(
      'Reference.StartsWith("Shopify #1041") AND Status=="AUTHORISED"',
    );
    const byWhere = await call(sim, token, `/api.xro/2.0/Invoices?where=${where}`);
    const badWhere = await call(sim, token, '/api.xro/2.0/Invoices?where=Total%3E3');

    expect((byNumber.body['Invoices'] as Json[]).map((invoice) => invoice['Total'])).toEqual([
      129.85,
    ]);
    expect(first(byId, 'Invoices')['InvoiceNumber']).toBe('SHP-1041');
    expect((byWhere.body['Invoices'] as Json[]).map((invoice) => invoice['InvoiceNumber'])).toEqual(
      ['SHP-1041'],
    );
    expect(badWhere.status).toBe(400);
    expect(badWhere.body['Type']).toBe('QueryParseException');
  });

  it('reproduces the fixture ValidationException and stores nothing', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const { request, response } = validationErrors['http_400_summarize_errors_default']!;

    const answer = await call(sim, token, request.url, { method: 'PUT', body: request.body });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(response);
    expect(sim.store.invoices.size).toBe(0);
    expect(sim.store.contacts.size).toBe(0);
  });

  it('refuses a second SHP-1041 without an idempotency key, as in the fixture', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const { request, response } = validationErrors['http_400_duplicate_invoice_number']!;
    await send(sim, token, gbpInvoice);

    const answer = await call(sim, token, request.url, { method: 'PUT', body: request.body });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(response);
    expect(sim.store.invoices.size).toBe(1);
  });

  it('answers a partial failure as 200 with a status for each element', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const { request, response } = validationErrors['http_200_summarize_errors_false_partial']!;
    const [expectedOk, expectedError] = response['Invoices'] as [Json, Json];

    const answer = await call(sim, token, request.url, { method: 'PUT', body: request.body });

    expect(answer.status).toBe(200);
    const [ok, failed] = answer.body['Invoices'] as [Json, Json];
    const pick = (invoice: Json, keys: string[]) =>
      Object.fromEntries(keys.map((key) => [key, invoice[key]]));
    const totals = [
      'StatusAttributeString',
      'HasErrors',
      'SubTotal',
      'TotalTax',
      'Total',
      'AmountDue',
    ];
    expect(pick(ok, totals)).toEqual(pick(expectedOk, totals));
    const errorKeys = ['InvoiceID', 'StatusAttributeString', 'HasErrors', 'InvoiceNumber'];
    expect(pick(failed, errorKeys)).toEqual(pick(expectedError, errorKeys));
    expect(failed['ValidationErrors']).toEqual(
      expect.arrayContaining(expectedError['ValidationErrors'] as Json[]),
    );
    expect([...sim.store.invoices.values()].map((invoice) => invoice.number)).toEqual(['SHP-1044']);
  });

  it('computes exclusive and no-tax lines, rounding each line to the penny', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const line = { Description: 'Tea towel', Quantity: 3, UnitAmount: 9.99, AccountCode: '200' };
    const invoice = (lineAmountTypes: string, number: string) => ({
      Type: 'ACCREC',
      Contact: { Name: 'Walk-in customer' },
      Date: '2025-10-01',
      InvoiceNumber: number,
      LineAmountTypes: lineAmountTypes,
      LineItems: [
        { ...line, TaxType: 'OUTPUT2' },
        { ...line, Quantity: 1 },
      ],
    });

    const answer = await call(sim, token, '/api.xro/2.0/Invoices', {
      method: 'PUT',
      body: { Invoices: [invoice('Exclusive', 'T-1'), invoice('NoTax', 'T-2')] },
    });

    const [exclusive, noTax] = answer.body['Invoices'] as [Json, Json];
    // 29.97 × 20 % = 5.994 → 5.99; 9.99 × 20 % = 1.998 → 2.00 (the account's OUTPUT2).
    expect(exclusive).toMatchObject({
      SubTotal: 39.96,
      TotalTax: 7.99,
      Total: 47.95,
      Status: 'DRAFT',
    });
    expect(noTax).toMatchObject({ SubTotal: 39.96, TotalTax: 0, Total: 39.96 });
    expect((noTax['LineItems'] as Json[]).map((entry) => entry['TaxType'])).toEqual([
      'NONE',
      'NONE',
    ]);
  });

  it('refuses a wrong line total, a currency without a rate and a discounted credit', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const base = { Type: 'ACCREC', Contact: { Name: 'Someone' }, Date: '2025-10-01' };
    const line = { Quantity: 2, UnitAmount: 5, AccountCode: '200', TaxType: 'OUTPUT2' };

    const wrongTotal = await call(sim, token, '/api.xro/2.0/Invoices', {
      method: 'PUT',
      body: { Invoices: [{ ...base, LineItems: [{ ...line, LineAmount: 10.01 }] }] },
    });
    const noRate = await call(sim, token, '/api.xro/2.0/Invoices', {
      method: 'PUT',
      body: { Invoices: [{ ...base, CurrencyCode: 'EUR', LineItems: [line] }] },
    });
    const discounted = await call(sim, token, '/api.xro/2.0/CreditNotes', {
      method: 'PUT',
      body: {
        CreditNotes: [
          { ...base, Type: 'ACCRECCREDIT', LineItems: [{ ...line, DiscountRate: 10 }] },
        ],
      },
    });

    for (const answer of [wrongTotal, noRate, discounted]) {
      expect(answer.status).toBe(400);
      expect(answer.body['Type']).toBe('ValidationException');
    }
    const messageOf = (answer: Answer) =>
      String(
        ((answer.body['Elements'] as Json[])[0]?.['ValidationErrors'] as Json[])[0]?.['Message'],
      );
    expect(messageOf(wrongTotal)).toContain('10.00');
    expect(messageOf(noRate)).toContain('CurrencyRate');
    expect(messageOf(discounted)).toContain('credit notes');
    expect(sim.store.invoices.size + sim.store.creditNotes.size + sim.store.contacts.size).toBe(0);
  });
});

describe('xero simulator: chart of accounts and descriptions', () => {
  const base = { Type: 'ACCREC', Contact: { Name: 'Someone' }, Date: '2025-10-01' };
  const line = { Quantity: 1, UnitAmount: 5, TaxType: 'NONE' };

  async function invoiceWith(sim: XeroSimulator, token: string, lineItem: Json) {
    return call(sim, token, '/api.xro/2.0/Invoices', {
      method: 'PUT',
      body: { Invoices: [{ ...base, LineItems: [lineItem] }] },
    });
  }

  function messagesOf(answer: Answer): string[] {
    const element = (answer.body['Elements'] as Json[] | undefined)?.[0];
    return ((element?.['ValidationErrors'] ?? []) as Json[]).map((error) =>
      String(error['Message']),
    );
  }

  it('takes lines on the accounts of the UK demo company a shop may map', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);

    for (const code of ['090', '200', '260', '310', '400', '429', '835', '860', '880']) {
      const answer = await invoiceWith(sim, token, { ...line, AccountCode: code });

      expect({ code, status: answer.status }).toEqual({ code, status: 200 });
    }
  });

  it('refuses an unknown account and a system account, each on its element', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);

    const unknown = await invoiceWith(sim, token, { ...line, AccountCode: '4999' });
    const system = await invoiceWith(sim, token, { ...line, AccountCode: '820' });

    expect([unknown.status, system.status]).toEqual([400, 400]);
    expect(messagesOf(unknown)).toEqual([
      "Account code '4999' is not a valid account for this line.",
    ]);
    expect(messagesOf(system)).toEqual([
      "Account code '820' is a system account (VAT) and cannot be used on line 1.",
    ]);
    expect(sim.store.invoices.size).toBe(0);
  });

  it('refuses a line description over 4000 characters and takes one of 4000', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const withDescription = (length: number) => ({
      ...line,
      AccountCode: '200',
      Description: 'x'.repeat(length),
    });

    const tooLong = await invoiceWith(sim, token, withDescription(4001));
    const longest = await invoiceWith(sim, token, withDescription(4000));

    expect(tooLong.status).toBe(400);
    expect(tooLong.body['Type']).toBe('ValidationException');
    expect(messagesOf(tooLong)).toEqual([
      'The description on line 1 is 4001 characters long; it must not be longer than 4000 ' +
        'characters.',
    ]);
    expect(longest.status).toBe(200);
    expect(sim.store.invoices.size).toBe(1);
  });
});

describe('xero simulator: idempotency and faults', () => {
  it('replays the first answer for a repeated key and body, creating one invoice', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);

    const firstAnswer = await send(sim, token, gbpInvoice);
    const replay = await send(sim, token, gbpInvoice);
    const changed = await send(sim, token, gbpInvoice, { ...gbpInvoice.body, extra: true });

    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(firstAnswer.body);
    expect(changed.status).toBe(400);
    expect(String(changed.body['Detail'])).toContain('different request');
    expect(sim.store.invoices.size).toBe(1);
  });

  it('keeps the invoice made before a lost answer, so a retry with the key gets it', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    sim.injectFault({ kind: 'http-500', count: 1, afterCommit: true });

    const lost = await send(sim, token, gbpInvoice);
    const retried = await send(sim, token, gbpInvoice);

    expect(lost.status).toBe(500);
    expect(retried.status).toBe(200);
    expect(first(retried, 'Invoices')['InvoiceNumber']).toBe('SHP-1041');
    expect(sim.store.invoices.size).toBe(1);
  });

  it('aims a fault at one method and path, leaving other calls alone', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    sim.injectFault({ kind: 'http-503', count: 1, method: 'PUT', path: '/api.xro/2.0/invoices' });

    const listed = await call(sim, token, '/api.xro/2.0/Contacts');
    const put = await send(sim, token, gbpInvoice);
    const putAgain = await send(sim, token, gbpInvoice);

    expect([listed.status, put.status, putAgain.status]).toEqual([200, 503, 200]);
    expect(sim.store.invoices.size).toBe(1);
  });

  it('fails the next calls with 503 and holds a timed-out call, storing nothing', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    sim.injectFault({ kind: 'http-503', count: 2 });
    sim.injectFault({ kind: 'timeout', count: 1 });

    const statuses = [
      (await send(sim, token, gbpInvoice)).status,
      (await send(sim, token, gbpInvoice)).status,
    ];
    const timedOut = call(sim, token, gbpInvoice.url, {
      method: 'PUT',
      body: gbpInvoice.body,
      signal: AbortSignal.timeout(200),
    });

    expect(statuses).toEqual([503, 503]);
    await expect(timedOut).rejects.toThrow();
    expect(sim.store.invoices.size).toBe(0);
    const apiRequests = sim.store.requests.filter((request) => request.host === 'api');
    expect(apiRequests.map((request) => request.status)).toEqual([503, 503, 0]);
    expect(apiRequests[0]?.headers['idempotency-key']).toBe(gbpInvoice.headers['Idempotency-Key']);
    expect((await send(sim, token, gbpInvoice)).status).toBe(200);
  });
});

describe('xero simulator: rate limits', () => {
  const problemHeaders = (answer: Answer) => ({
    status: answer.status,
    problem: answer.headers.get('X-Rate-Limit-Problem'),
    retryAfter: answer.headers.get('Retry-After'),
    minuteRemaining: answer.headers.get('X-MinLimit-Remaining'),
    dayRemaining: answer.headers.get('X-DayLimit-Remaining'),
  });

  it('refuses the 61st call in a minute with Retry-After until the window frees', async () => {
    const clock = manualClock();
    const sim = await simulator({ now: clock.now });
    const token = await accessToken(sim);
    for (let index = 0; index < 59; index += 1) {
      await call(sim, token, '/api.xro/2.0/Contacts');
      clock.advance(500);
    }
    const sixtieth = await call(sim, token, '/api.xro/2.0/Contacts');

    const refused = await call(sim, token, '/api.xro/2.0/Contacts');
    clock.advance(1000);
    const afterOldestLeft = await call(sim, token, '/api.xro/2.0/Contacts');

    expect(sixtieth.headers.get('X-MinLimit-Remaining')).toBe('0');
    expect(Object.keys(rateLimit429['minute_limit']!.headers)).toEqual(
      expect.arrayContaining(['Retry-After', 'X-Rate-Limit-Problem', 'X-MinLimit-Remaining']),
    );
    // The first call was 29.5 s ago: it leaves the window in 30.5 s.
    expect(problemHeaders(refused)).toEqual({
      status: 429,
      problem: 'minute',
      retryAfter: '31',
      minuteRemaining: '0',
      dayRemaining: '4940',
    });
    expect(afterOldestLeft.status).toBe(429);
    clock.advance(30_000);
    expect((await call(sim, token, '/api.xro/2.0/Contacts')).status).toBe(200);
  });

  it('refuses calls over the day limit with "day" even once the minute has passed', async () => {
    const clock = manualClock();
    const sim = await simulator({ now: clock.now, rateLimits: { dayMax: 3 } });
    const token = await accessToken(sim);
    for (let index = 0; index < 3; index += 1) {
      await call(sim, token, '/api.xro/2.0/Invoices');
    }
    clock.advance(1_200_000);

    const refused = await call(sim, token, '/api.xro/2.0/Invoices');
    const putRefused = await send(sim, token, gbpInvoice);

    expect(problemHeaders(refused)).toEqual({
      status: 429,
      problem: 'day',
      retryAfter: String(24 * 3600 - 1200),
      minuteRemaining: '60',
      dayRemaining: '0',
    });
    expect(putRefused.status).toBe(429);
    expect(sim.store.invoices.size).toBe(0);
  });

  it('refuses a sixth call while five are in flight with problem "concurrent"', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    sim.injectFault({ kind: 'delay', count: 5, delayMs: 300 });

    const slow = Array.from({ length: 5 }, () => call(sim, token, '/api.xro/2.0/Contacts'));
    while (sim.inFlight() < 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const refused = await call(sim, token, '/api.xro/2.0/Contacts');
    const answers = await Promise.all(slow);

    expect(problemHeaders(refused)).toMatchObject({ status: 429, problem: 'concurrent' });
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await call(sim, token, '/api.xro/2.0/Contacts')).status).toBe(200);
  });
});

describe('xero simulator: credit notes and allocations', () => {
  it('allocates the fixture credit note to its invoice and refuses over-allocation', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const invoice = first(await send(sim, token, gbpInvoice), 'Invoices');
    const creditNote = first(await send(sim, token, createCreditNote), 'CreditNotes');
    const creditNoteId = String(creditNote['CreditNoteID']);
    const allocationUrl = allocateToInvoice.url.replace('<CreditNoteID>', creditNoteId);
    const allocation = (amount: number) => ({
      Allocations: [
        { Invoice: { InvoiceID: invoice['InvoiceID'] }, Amount: amount, Date: '2025-10-06' },
      ],
    });

    const tooMuch = await call(sim, token, allocationUrl, {
      method: 'PUT',
      body: allocation(27.01),
    });
    const allocated = await send(
      sim,
      token,
      { ...allocateToInvoice, url: allocationUrl },
      allocation(27),
    );
    const again = await call(sim, token, allocationUrl, { method: 'PUT', body: allocation(1) });
    const unknown = await call(sim, token, '/api.xro/2.0/CreditNotes/nope/Allocations', {
      method: 'PUT',
      body: allocation(1),
    });

    expect(creditNote).toMatchObject({
      ...createCreditNote.expected_xero_totals,
      RemainingCredit: 27,
    });
    expect(tooMuch.status).toBe(400);
    expect(JSON.stringify(tooMuch.body)).toContain(
      'Credit Note cannot be allocated as amount is greater than amount outstanding',
    );
    expect(allocated.status).toBe(200);
    expect(first(allocated, 'Allocations')).toMatchObject({ Amount: 27 });
    expect(again.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(sim.store.allocations).toHaveLength(1);

    const invoiceAfter = first(
      await call(sim, token, `/api.xro/2.0/Invoices/${String(invoice['InvoiceID'])}`),
      'Invoices',
    );
    const creditAfter = first(
      await call(sim, token, `/api.xro/2.0/CreditNotes/${creditNoteId}`),
      'CreditNotes',
    );
    expect(invoiceAfter).toMatchObject({
      AmountDue: 80.1,
      AmountCredited: 27,
      Status: 'AUTHORISED',
    });
    expect(creditAfter).toMatchObject({ RemainingCredit: 0, Status: 'PAID' });
  });
});

describe('xero simulator: contacts', () => {
  it('creates contacts, finds them by name or email and refuses a duplicate name', async () => {
    const sim = await simulator();
    const token = await accessToken(sim);
    const contact = { Name: 'Imogen Fairweather', EmailAddress: 'imogen.fairweather@example.com' };

    const created = await call(sim, token, '/api.xro/2.0/Contacts', {
      method: 'PUT',
      body: { Contacts: [contact] },
    });
    const duplicate = await call(sim, token, '/api.xro/2.0/Contacts', {
      method: 'PUT',
      body: { Contacts: [{ Name: 'imogen fairweather' }] },
    });
    const byName = await call(
      sim,
      token,
      `/api.xro/2.0/Contacts?where=${encodeURIComponent('Name=="Imogen Fairweather"')}`,
    );
    const byEmail = await call(
      sim,
      token,
      `/api.xro/2.0/Contacts?where=${encodeURIComponent(
        'EmailAddress=="IMOGEN.FAIRWEATHER@example.com"',
      )}`,
    );
    const none = await call(
      sim,
      token,
      `/api.xro/2.0/Contacts?where=${encodeURIComponent('Name=="X"')}`,
    );

    const contactId = first(created, 'Contacts')['ContactID'];
    expect(created.status).toBe(200);
    expect(duplicate.status).toBe(400);
    expect(first(byName, 'Contacts')['ContactID']).toBe(contactId);
    expect(first(byEmail, 'Contacts')['ContactID']).toBe(contactId);
    expect(none.body['Contacts']).toEqual([]);
    expect(sim.store.contacts.size).toBe(1);

    // An invoice naming the contact uses it rather than creating a second one.
    await send(sim, token, gbpInvoice);
    expect(sim.store.contacts.size).toBe(1);
  });
});
