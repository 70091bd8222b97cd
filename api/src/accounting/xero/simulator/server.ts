// A local Xero: the identity server (`POST /connect/token`, client-credentials and
// refresh-token grants) and the Accounting API (`/connections`, `/api.xro/2.0/Contacts`,
// `Invoices`, `CreditNotes` and credit-note `Allocations`) on two ports, speaking Xero's JSON,
// status codes and headers, so a client that works here needs only its base URLs changed.
// It checks the bearer token and `xero-tenant-id`, applies Xero's rate limits with an injectable
// clock, honours `Idempotency-Key`, injects faults on demand and records every request.
// Leaves out: the authorisation-code flow and its consent screen (a refresh token is seeded
// instead), JWT access tokens (tokens are opaque), scopes per endpoint, XML, `If-Modified-Since`,
// `order`, and every endpoint not named above (404).
import { createHash, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { readRequestText, requestHeaders } from '../../../platform/http-request.ts';
import { allocateCreditNote, notFound } from './allocations.ts';
import { saveContacts } from './contacts.ts';
import {
  type JsonAnswer,
  type OrganisationSettings,
  envelope,
  kindSpecs,
  saveDocuments,
} from './documents.ts';
import { type RateLimits, RateLimiter, xeroRateLimits } from './limits.ts';
import {
  type AccountSetting,
  type DocumentKind,
  type RequestRecord,
  XeroSimulatorStore,
} from './store.ts';
import { WhereParseError, parseWhere } from './where.ts';

export const xeroSimulatorDefaults = {
  clientId: 'XSIMCLIENT0000000000000000000001',
  clientSecret: 'xero_simulator_client_secret',
  tenantId: '00000000-0000-0000-0000-0000000a11ce',
  organisationName: 'Hearth & Loom Ltd',
  refreshToken: 'xero_simulator_refresh_token',
};

/**
 * The chart of accounts of Xero's UK demo company, so any code a shop may map (a gift card
 * liability, a refunds account) is found as it would be there. Xero keeps system accounts
 * (Accounts Receivable 610, Accounts Payable 800, VAT 820, Retained Earnings 960) off lines,
 * and so does this chart; a code not in it is refused.
 */
export const ukAccountsDefault: AccountSetting[] = [
  { code: '090', name: 'Business Bank Account', taxType: 'NONE' },
  { code: '091', name: 'Business Savings Account', taxType: 'NONE' },
  { code: '200', name: 'Sales', taxType: 'OUTPUT2' },
  { code: '260', name: 'Other Revenue', taxType: 'OUTPUT2' },
  { code: '270', name: 'Interest Income', taxType: 'EXEMPTOUTPUT' },
  { code: '310', name: 'Cost of Goods Sold', taxType: 'INPUT2' },
  { code: '320', name: 'Direct Wages', taxType: 'NONE' },
  { code: '400', name: 'Advertising & Marketing', taxType: 'INPUT2' },
  { code: '404', name: 'Bank Fees', taxType: 'EXEMPTINPUT' },
  { code: '425', name: 'Postage, Freight & Courier', taxType: 'INPUT2' },
  { code: '429', name: 'General Expenses', taxType: 'INPUT2' },
  { code: '461', name: 'Printing & Stationery', taxType: 'INPUT2' },
  { code: '469', name: 'Rent', taxType: 'EXEMPTINPUT' },
  { code: '630', name: 'Inventory', taxType: 'NONE' },
  { code: '710', name: 'Office Equipment', taxType: 'INPUT2' },
  { code: '610', name: 'Accounts Receivable', taxType: 'NONE', system: true },
  { code: '800', name: 'Accounts Payable', taxType: 'NONE', system: true },
  { code: '820', name: 'VAT', taxType: 'NONE', system: true },
  { code: '825', name: 'PAYE Payable', taxType: 'NONE' },
  { code: '835', name: "Directors' Loan Account", taxType: 'NONE' },
  { code: '840', name: 'Historical Adjustment', taxType: 'NONE' },
  { code: '850', name: 'Suspense', taxType: 'NONE' },
  { code: '855', name: 'Clearing Account', taxType: 'NONE' },
  { code: '860', name: 'Rounding', taxType: 'NONE' },
  { code: '877', name: 'Tracking Transfers', taxType: 'NONE', system: true },
  { code: '880', name: 'Owner A Drawings', taxType: 'NONE' },
  { code: '881', name: 'Owner A Funds Introduced', taxType: 'NONE' },
  { code: '960', name: 'Retained Earnings', taxType: 'NONE', system: true },
];

/** UK tax types with their rates in percent. */
export const ukTaxRatesDefault: Record<string, number> = {
  OUTPUT2: 20,
  RROUTPUT: 5,
  ZERORATEDOUTPUT: 0,
  EXEMPTOUTPUT: 0,
  ECZROUTPUT: 0,
  ECZROUTPUTSERVICES: 0,
  INPUT2: 20,
  RRINPUT: 5,
  ZERORATEDINPUT: 0,
  EXEMPTINPUT: 0,
  NONE: 0,
};

export interface XeroSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  organisationName?: string;
  /**
   * Further organisations the connection was granted, listed by `/connections` beside the
   * simulated one (as when a custom connection's user picks several); their Accounting API
   * calls are refused with 403, since only one organisation is simulated.
   */
  otherOrganisations?: { tenantId: string; name: string }[];
  /** A refresh token the identity server accepts once (it rotates, as Xero's do). */
  refreshToken?: string;
  /** Access token lifetime; Xero's is 1800 seconds. */
  tokenLifetimeSeconds?: number;
  /** The organisation's base currency; GBP by default. */
  baseCurrency?: string;
  /** Currencies enabled besides the base one; EUR and USD by default. */
  currencies?: string[];
  accounts?: AccountSetting[];
  taxRates?: Record<string, number>;
  /** Overrides of Xero's limits (5 in flight, 60 a minute, 5,000 a day, 10,000 per app). */
  rateLimits?: Partial<RateLimits>;
  /** Elements accepted in one PUT or POST; 50 by default. */
  elementsPerCallMax?: number;
  /** `ProviderName` in answers: the app's name. */
  providerName?: string;
  /** The clock for tokens, limits and timestamps. */
  now?: () => Date;
  host?: string;
  /** 0 (the default) picks free ports. */
  apiPort?: number;
  identityPort?: number;
  logger?: Logger;
}

/** A misbehaviour for the next `count` Accounting API calls (after auth and rate limits). */
export interface XeroFault {
  /** `timeout` holds the answer until the client gives up or the simulator closes. */
  kind: 'http-500' | 'http-503' | 'timeout' | 'delay';
  count: number;
  /** For `delay`: how long to hold the call before running it. */
  delayMs?: number;
  /** Only calls with this method (`PUT`) meet the fault; any method when absent. */
  method?: string;
  /** Only calls to this path (`/api.xro/2.0/Invoices`, case ignored) meet the fault. */
  path?: string;
  /**
   * Run the call (and record its idempotent answer) before failing, as when Xero saved the
   * invoice but the answer was lost: the case retries with the same Idempotency-Key exist for.
   */
  afterCommit?: boolean;
}

export interface XeroSimulator {
  /** Base of `/connections` and `/api.xro/2.0/` (the real one is https://api.xero.com). */
  apiUrl: string;
  /** Base of `/connect/token` (the real one is https://identity.xero.com). */
  identityUrl: string;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  store: XeroSimulatorStore;
  injectFault(fault: XeroFault): void;
  /** Accounting API calls of the tenant in flight now. */
  inFlight(): number;
  close(): Promise<void>;
}

const idempotencyKeyLengthMax = 128;
const pageSize = 100;

function problem(status: number, title: string, detail: string): JsonAnswer {
  const body = { Type: null, Title: title, Status: status, Detail: detail };
  return { status, body: { ...body, Instance: randomUUID(), Extensions: {} } };
}

function send(
  response: ServerResponse,
  answer: JsonAnswer,
  headers: Record<string, string> = {},
): void {
  response.statusCode = answer.status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Xero-Correlation-Id', randomUUID());
  for (const [name, value] of Object.entries(headers)) {
    response.setHeader(name, value);
  }
  response.end(JSON.stringify(answer.body));
}

/** Resolves when the client hangs up or the simulator closes the connection. */
function heldUntilClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => response.once('close', () => resolve()));
}

class XeroEngine {
  readonly faults: XeroFault[] = [];
  readonly limiter: RateLimiter;

  constructor(
    readonly store: XeroSimulatorStore,
    readonly settings: OrganisationSettings,
    readonly options: Required<
      Pick<XeroSimulatorOptions, 'clientId' | 'clientSecret' | 'providerName'>
    > & {
      tokenLifetimeSeconds: number;
      otherOrganisations: { tenantId: string; name: string }[];
    },
    limits: RateLimits,
    private readonly logger: Logger | undefined,
  ) {
    this.limiter = new RateLimiter(limits, store.nowMs);
  }

  /** The first fault aimed at this call, counted down; faults aimed elsewhere wait. */
  takeFault(method: string, path: string): XeroFault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path === undefined || fault.path.toLowerCase() === path.toLowerCase()),
    );
    const fault = this.faults[index];
    if (!fault) {
      return undefined;
    }

    fault.count -= 1;
    if (fault.count <= 0) {
      this.faults.splice(index, 1);
    }
    return fault;
  }

  /** `POST /connect/token`. */
  token(request: IncomingMessage, text: string): JsonAnswer {
    const form = new URLSearchParams(text);
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    // Basic credentials split at the first colon only: a secret may itself hold colons.
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : undefined;
    const colonAt = decoded?.indexOf(':') ?? -1;
    const [basicId, basicSecret] =
      decoded === undefined
        ? [form.get('client_id'), form.get('client_secret')]
        : colonAt < 0
          ? [decoded, undefined]
          : [decoded.slice(0, colonAt), decoded.slice(colonAt + 1)];

    if (basicId !== this.options.clientId || basicSecret !== this.options.clientSecret) {
      return { status: 400, body: { error: 'invalid_client' } };
    }

    const grantType = form.get('grant_type');
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      if (!this.store.refreshTokens.delete(refreshToken)) {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      const next = `xsim_rt_${randomUUID()}`;
      this.store.refreshTokens.add(next);
      return { status: 200, body: { ...this.issue(form.get('scope')), refresh_token: next } };
    }

    if (grantType !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    return { status: 200, body: this.issue(form.get('scope')) };
  }

  private issue(requestedScope: string | null) {
    const scope =
      requestedScope?.trim() || 'accounting.transactions accounting.contacts accounting.settings';
    const accessToken = `xsim_at_${randomUUID()}`;
    const expiresAtMs = this.store.nowMs() + this.options.tokenLifetimeSeconds * 1000;

    this.store.tokens.set(accessToken, { clientId: this.options.clientId, scope, expiresAtMs });
    const expiresIn = this.options.tokenLifetimeSeconds;
    return { access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer', scope };
  }

  /** The 401 for a missing, unknown or expired bearer token; undefined when it is good. */
  refuseToken(request: IncomingMessage): JsonAnswer | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const record = token ? this.store.tokens.get(token) : undefined;

    if (!record) {
      return problem(401, 'Unauthorized', 'AuthenticationUnsuccessful');
    }
    if (record.expiresAtMs <= this.store.nowMs()) {
      const at = new Date(record.expiresAtMs).toISOString();
      return problem(401, 'Unauthorized', `TokenExpired: token expired at ${at}`);
    }
    return undefined;
  }

  connections(): JsonAnswer {
    const created = new Date(this.store.nowMs()).toISOString();
    const organisations = [
      { tenantId: this.store.tenantId, name: this.store.organisationName },
      ...this.options.otherOrganisations,
    ];
    const connections = organisations.map((organisation, index) => ({
      id: `5f1d9c0b-7e2a-4c3d-9e8f-${(0x0a1b2c3d4e5f + index).toString(16).padStart(12, '0')}`,
      authEventId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      tenantId: organisation.tenantId,
      tenantType: 'ORGANISATION',
      tenantName: organisation.name,
      createdDateUtc: created,
      updatedDateUtc: created,
    }));
    return { status: 200, body: connections };
  }

  /** Routes one Accounting API call that passed auth, tenant and rate checks. */
  accounting(method: string, segments: string[], query: URLSearchParams, text: string) {
    const [resource = '', id, sub] = segments.map((segment) => decodeURIComponent(segment));
    const kinds: Record<string, DocumentKind> = { invoices: 'invoice', creditnotes: 'creditNote' };
    const kind = kinds[resource.toLowerCase()];
    const isContacts = resource.toLowerCase() === 'contacts';

    if (method === 'GET' && (kind || isContacts) && !sub) {
      return this.list(kind ?? 'contacts', query, id);
    }

    if ((method === 'PUT' || method === 'POST') && (kind || isContacts) && !id) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        const message = 'The request body is not valid JSON.';
        return {
          status: 400,
          body: { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: message },
        };
      }

      const summarizeErrors = query.get('summarizeErrors')?.toLowerCase() !== 'false';
      const call = {
        store: this.store,
        method: method === 'PUT' ? ('PUT' as const) : ('POST' as const),
        summarizeErrors,
        providerName: this.options.providerName,
      };
      if (isContacts) {
        return saveContacts(body, call);
      }

      const unitDecimals = query.get('unitdp') === '4' ? 4 : 2;
      return saveDocuments(kind ?? 'invoice', body, {
        ...call,
        settings: this.settings,
        unitDecimals,
      });
    }

    if (method === 'PUT' && kind === 'creditNote' && id && sub?.toLowerCase() === 'allocations') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return allocateCreditNote(id, body, {
        store: this.store,
        providerName: this.options.providerName,
      });
    }

    return notFound();
  }

  private list(kind: DocumentKind | 'contacts', query: URLSearchParams, id: string | undefined) {
    const param = (name: string): string | undefined => {
      for (const [key, value] of query) {
        if (key.toLowerCase() === name.toLowerCase()) {
          return value;
        }
      }
      return undefined;
    };
    const listOf = (name: string): string[] | undefined =>
      param(name)
        ?.split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);

    const collection = kind === 'contacts' ? 'Contacts' : kindSpecs[kind].collection;
    let items =
      kind === 'contacts'
        ? [...this.store.contacts.values()].map((contact) => this.store.contactAnswer(contact))
        : [...this.store.documents(kind).values()].map((document) =>
            this.store.documentAnswer(document),
          );

    const idField = kind === 'contacts' ? 'ContactID' : kindSpecs[kind].idField;
    const numberField = kind === 'contacts' ? 'ContactNumber' : kindSpecs[kind].numberField;
    if (id) {
      const found = items.filter((item) => item[idField] === id || item[numberField] === id);
      return found.length > 0
        ? { status: 200, body: envelope(this.answerContext(), { [collection]: found }) }
        : notFound();
    }

    const ids = listOf('IDs');
    const numbers = listOf(kind === 'invoice' ? 'InvoiceNumbers' : '');
    const statuses = listOf('Statuses');
    const contactIds = listOf('ContactIDs');
    const searchTerm = param('searchTerm')?.toLowerCase();
    items = items.filter(
      (item) =>
        (!ids || ids.includes(String(item[idField]))) &&
        (!numbers || numbers.includes(String(item[numberField]))) &&
        (!statuses || statuses.includes(String(item['Status']))) &&
        (!contactIds ||
          contactIds.includes(String((item['Contact'] as { ContactID?: string })?.ContactID))) &&
        (!searchTerm ||
          ['Name', 'FirstName', 'LastName', 'EmailAddress', 'ContactNumber'].some((field) =>
            JSON.stringify(item[field] ?? '')
              .toLowerCase()
              .includes(searchTerm),
          )),
    );

    const where = param('where');
    if (where) {
      try {
        const holds = parseWhere(where);
        items = items.filter(holds);
      } catch (error) {
        if (!(error instanceof WhereParseError)) {
          throw error;
        }
        return {
          status: 400,
          body: { ErrorNumber: 16, Type: 'QueryParseException', Message: error.message },
        };
      }
    }

    const page = Number(param('page') ?? 0);
    if (page >= 1) {
      items = items.slice((page - 1) * pageSize, page * pageSize);
    }
    return { status: 200, body: envelope(this.answerContext(), { [collection]: items }) };
  }

  private answerContext() {
    return { store: this.store, providerName: this.options.providerName };
  }

  logFault(fault: XeroFault, path: string): void {
    this.logger?.debug({ fault: fault.kind, path }, 'xero simulator injected a fault');
  }
}

function faultAnswer(kind: XeroFault['kind']): JsonAnswer {
  if (kind === 'http-503') {
    return problem(503, 'Service Unavailable', 'The Xero API is temporarily unavailable.');
  }
  return problem(
    500,
    'An error occurred',
    'An error occurred in Xero. Check the API Status page for current service status.',
  );
}

function fingerprintOf(method: string, path: string, query: URLSearchParams, text: string) {
  const sortedQuery = [...query].sort(([a], [b]) => a.localeCompare(b));
  const canonical = JSON.stringify([method, path.toLowerCase(), sortedQuery, text]);
  return createHash('sha256').update(canonical).digest('hex');
}

async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}`;
}

/** Starts the identity server and the Accounting API; resolves once both listen. */
export async function startXeroSimulator(
  options: XeroSimulatorOptions = {},
): Promise<XeroSimulator> {
  const now = options.now ?? (() => new Date());
  const baseCurrency = options.baseCurrency ?? 'GBP';
  const clientId = options.clientId ?? xeroSimulatorDefaults.clientId;
  const clientSecret = options.clientSecret ?? xeroSimulatorDefaults.clientSecret;
  const tenantId = options.tenantId ?? xeroSimulatorDefaults.tenantId;
  const logger = options.logger;

  const store = new XeroSimulatorStore(
    tenantId,
    options.organisationName ?? xeroSimulatorDefaults.organisationName,
    baseCurrency,
    () => now().getTime(),
  );
  store.refreshTokens.add(options.refreshToken ?? xeroSimulatorDefaults.refreshToken);

  const settings: OrganisationSettings = {
    accounts: options.accounts ?? ukAccountsDefault,
    taxRates: options.taxRates ?? ukTaxRatesDefault,
    currencies: [baseCurrency, ...(options.currencies ?? ['EUR', 'USD'])],
    baseCurrency,
    elementsPerCallMax: options.elementsPerCallMax ?? 50,
  };
  const engine = new XeroEngine(
    store,
    settings,
    {
      clientId,
      clientSecret,
      providerName: options.providerName ?? 'Quartermaster',
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 1800,
      otherOrganisations: options.otherOrganisations ?? [],
    },
    { ...xeroRateLimits, ...options.rateLimits },
    logger,
  );

  const record = (host: RequestRecord['host'], request: IncomingMessage, text: string) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const entry: RequestRecord = {
      atMs: store.nowMs(),
      host,
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: requestHeaders(request),
      bodyText: text,
      status: 0,
    };
    store.requests.push(entry);
    return { entry, url };
  };

  const identity = createServer((request, response) => {
    void (async () => {
      const text = await readRequestText(request);
      const { entry, url } = record('identity', request, text);
      const answer =
        request.method === 'POST' && url.pathname === '/connect/token'
          ? engine.token(request, text)
          : notFound();
      entry.status = answer.status;
      send(response, answer, { 'Cache-Control': 'no-store' });
    })().catch((error: unknown) => {
      logger?.error({ err: error }, 'xero simulator failed an identity request');
      if (!response.headersSent) {
        send(response, problem(500, 'Internal Server Error', 'The simulator failed.'));
      }
    });
  });

  const handleApi = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readRequestText(request);
    const { entry, url } = record('api', request, text);
    const reply = (answer: JsonAnswer, headers: Record<string, string> = {}) => {
      entry.status = answer.status;
      send(response, answer, headers);
    };

    const refusal = engine.refuseToken(request);
    if (refusal) {
      reply(refusal, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/connections') {
      reply(engine.connections());
      return;
    }

    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0]?.toLowerCase() !== 'api.xro' || segments[1] !== '2.0') {
      reply(notFound());
      return;
    }
    if (request.headers['xero-tenant-id'] !== tenantId) {
      reply(problem(403, 'Forbidden', 'AuthenticationUnsuccessful'));
      return;
    }

    const decision = engine.limiter.admit(tenantId);
    if (decision.problem) {
      const headers = {
        ...decision.headers,
        'Retry-After': String(decision.retryAfterSeconds),
        'X-Rate-Limit-Problem': decision.problem,
      };
      reply(problem(429, 'Too Many Requests', `Rate limit exceeded: ${decision.problem}`), headers);
      return;
    }
    response.once('close', () => decision.finish());

    const fault = engine.takeFault(request.method ?? 'GET', url.pathname);
    if (fault) {
      engine.logFault(fault, url.pathname);
    }
    if (fault?.kind === 'delay') {
      await sleep(fault.delayMs ?? 1000);
    }

    const failing = fault && fault.kind !== 'delay' ? fault : undefined;
    if (failing && !failing.afterCommit) {
      if (failing.kind === 'timeout') {
        await heldUntilClosed(response);
        return;
      }
      reply(faultAnswer(failing.kind), decision.headers);
      return;
    }

    const method = request.method ?? 'GET';
    const answer = runIdempotently(engine, request, method, url, text, segments.slice(2));
    if (failing?.kind === 'timeout') {
      await heldUntilClosed(response);
      return;
    }
    reply(failing ? faultAnswer(failing.kind) : answer, decision.headers);
  };

  const api = createServer((request, response) => {
    handleApi(request, response).catch((error: unknown) => {
      logger?.error({ err: error }, 'xero simulator failed an api request');
      if (!response.headersSent) {
        send(response, problem(500, 'Internal Server Error', 'The simulator failed.'));
      }
    });
  });

  const host = options.host ?? '127.0.0.1';
  const identityUrl = await listen(identity, host, options.identityPort ?? 0);
  const apiUrl = await listen(api, host, options.apiPort ?? 0);
  logger?.info({ apiUrl, identityUrl, tenantId }, 'xero simulator listening');

  const closeServer = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });

  let closing: Promise<void> | undefined;
  return {
    apiUrl,
    identityUrl,
    clientId,
    clientSecret,
    tenantId,
    store,
    injectFault: (fault) => {
      engine.faults.push({ ...fault });
    },
    inFlight: () => engine.limiter.inFlight(tenantId),
    close: () => {
      closing ??= Promise.all([closeServer(identity), closeServer(api)]).then(() => undefined);
      return closing;
    },
  };
}

/**
 * Runs a call under its `Idempotency-Key`: the same key with the same request answers the
 * first answer again; with another request it is refused. Answers of 5xx are not kept, so a
 * retry after an outage runs the call.
 */
function runIdempotently(
  engine: XeroEngine,
  request: IncomingMessage,
  method: string,
  url: URL,
  text: string,
  segments: string[],
): JsonAnswer {
  const key = request.headers['idempotency-key'];
  const run = () => engine.accounting(method, segments, url.searchParams, text);
  if (typeof key !== 'string' || method === 'GET') {
    return run();
  }

  if (key.length > idempotencyKeyLengthMax) {
    const detail =
      `Idempotency-Key is ${key.length} characters; ` +
      `at most ${idempotencyKeyLengthMax} are accepted.`;
    return problem(400, 'Bad Request', detail);
  }

  const fingerprint = fingerprintOf(method, url.pathname, url.searchParams, text);
  const stored = engine.store.idempotentAnswers.get(key);
  if (stored && stored.fingerprint !== fingerprint) {
    const detail =
      `Idempotency-Key '${key}' was already used for a different request; ` +
      'a key may only be repeated with the identical method, URL and body.';
    return problem(400, 'Bad Request', detail);
  }
  if (stored && stored.status !== undefined) {
    return { status: stored.status, body: stored.body };
  }

  const answer = run();
  if (answer.status < 500) {
    engine.store.idempotentAnswers.set(key, {
      fingerprint,
      status: answer.status,
      body: answer.body,
    });
  }
  return answer;
}
