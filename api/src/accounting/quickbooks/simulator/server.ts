// A local QuickBooks Online: Intuit's OAuth token endpoint (`POST /oauth2/v1/tokens/bearer`,
// refresh-token grant, rotating refresh tokens, one-hour access tokens) and the Accounting API
// of one company (`/v3/company/{realmId}/invoice`, `creditmemo`, `customer`, `item`, `payment`,
// `GET .../{entity}/{id}` and `GET .../query?query=`), on two ports, in QuickBooks's JSON with
// its fault shapes and status codes, so a client that works here needs only its base URLs
// changed. It honours `requestid` (the same id answers the first answer and creates nothing
// again), accepts `minorversion`, throttles at 10 calls a second and 500 a minute per company on
// an injectable clock, injects faults on demand and records every request.
// Leaves out: the authorisation-code flow and its consent screen (a refresh token is seeded
// instead), revoking tokens, `/batch`, `/cdc`, reports, attachments, XML, the 40-a-minute limit
// of the Payments API and the concurrent-call limit, requestids forgotten after a while (here
// they are kept for the simulator's life), and every entity or field company.ts leaves out.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import { readRequestText, requestHeaders } from '../../../platform/http-request.ts';
import {
  Company,
  type CompanySettings,
  type EntityName,
  type Json,
  type QboAnswer,
  type TaxCodeSetting,
  entityNames,
  fault,
  textOf,
  ukTaxCodesDefault,
} from './company.ts';
import { QueryParseError, parseQuery } from './query.ts';

export const quickBooksSimulatorDefaults = {
  clientId: 'ABqbosimulatorclientid000000000000000000000001',
  clientSecret: 'qbo_simulator_client_secret',
  realmId: '9130350000000001',
  refreshToken: 'qbo_simulator_refresh_token',
};

/** A seeded company's sales item and delivery item, both earning into invented accounts. */
export const itemsDefault: Json[] = [
  { Id: '1', Name: 'Sales', Type: 'Service', IncomeAccountRef: { value: '79', name: 'Sales' } },
  {
    Id: '2',
    Name: 'Shipping',
    Type: 'Service',
    IncomeAccountRef: { value: '80', name: 'Shipping Income' },
  },
];

export interface QuickBooksLimits {
  /** Calls per company in any one second; QuickBooks allows 10. */
  perSecondMax: number;
  /** Calls per company in any 60 seconds; QuickBooks allows 500. */
  perMinuteMax: number;
}

export const quickBooksLimits: QuickBooksLimits = { perSecondMax: 10, perMinuteMax: 500 };

export interface QuickBooksSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  realmId?: string;
  /** A refresh token the token endpoint accepts once (each use hands out a new one). */
  refreshToken?: string;
  /** Access token lifetime; Intuit's is 3600 seconds. */
  tokenLifetimeSeconds?: number;
  homeCurrency?: string;
  /** Currencies enabled besides the home one; EUR and USD by default. */
  currencies?: string[];
  /** Whether a repeated DocNumber is refused (6140); true by default. */
  refuseDuplicateDocNumber?: boolean;
  taxCodes?: TaxCodeSetting[];
  /** Items the company starts with; a Sales and a Shipping item by default. */
  items?: Json[];
  customers?: Json[];
  limits?: Partial<QuickBooksLimits>;
  /** The clock for tokens, limits and timestamps. */
  now?: () => Date;
  host?: string;
  logger?: Logger;
}

/** A misbehaviour for the next `count` Accounting API calls (after auth and throttling). */
export interface QuickBooksFault {
  /** `disconnect` drops the connection without an answer; `http-429` answers a throttle fault. */
  kind: 'http-500' | 'http-503' | 'http-429' | 'disconnect';
  count: number;
  /**
   * Run the call (and keep its answer under its requestid) before failing, as when QuickBooks
   * saved the invoice but the answer was lost on the way.
   */
  afterCommit?: boolean;
  /** Only calls to this path segment (`invoice`, `query`); every call when missing. */
  entity?: string;
}

/** One request as the simulator received it, and the status it answered. */
export interface QuickBooksRequestRecord {
  atMs: number;
  host: 'oauth' | 'api';
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  bodyText: string;
  /** 0 when no answer was sent (a dropped connection). */
  status: number;
}

export interface QuickBooksSimulator {
  /** Base of `/v3/company/...` (the real one is https://quickbooks.api.intuit.com). */
  apiUrl: string;
  /** Base of `/oauth2/v1/tokens/bearer` (the real one is https://oauth.platform.intuit.com). */
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  realmId: string;
  company: Company;
  requests: QuickBooksRequestRecord[];
  /** Refresh tokens the token endpoint would accept now. */
  refreshTokens: Set<string>;
  clock: { now: () => Date };
  injectFault(fault: QuickBooksFault): void;
  /** Makes every access token handed out so far unknown, as a revoked consent does. */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const requestIdLengthMax = 50;
const secondMs = 1000;
const minuteMs = 60_000;

const pathEntities: Record<string, EntityName> = Object.fromEntries(
  entityNames.map((name) => [name.toLowerCase(), name]),
);

function send(response: ServerResponse, answer: QboAnswer, headers: Record<string, string> = {}) {
  response.statusCode = answer.status;
  response.setHeader('Content-Type', 'application/json;charset=UTF-8');
  response.setHeader('intuit_tid', randomUUID());
  for (const [name, value] of Object.entries(headers)) {
    response.setHeader(name, value);
  }
  response.end(JSON.stringify(answer.body));
}

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host}:${address.port}`;
}

/** Admission times of one company's calls, oldest first, for both windows. */
class Throttle {
  private readonly calls: number[] = [];

  constructor(private readonly limits: QuickBooksLimits) {}

  /** Counts the call and answers true, or answers false when either window is full. */
  admit(nowMs: number): boolean {
    while ((this.calls[0] ?? Infinity) <= nowMs - minuteMs) {
      this.calls.shift();
    }

    const lastSecond = this.calls.filter((at) => at > nowMs - secondMs).length;
    if (lastSecond >= this.limits.perSecondMax || this.calls.length >= this.limits.perMinuteMax) {
      return false;
    }
    this.calls.push(nowMs);
    return true;
  }
}

interface AccessToken {
  expiresAtMs: number;
}

/** Starts the token endpoint and the Accounting API; resolves once both listen. */
export async function createQuickBooksSimulator(
  options: QuickBooksSimulatorOptions = {},
): Promise<QuickBooksSimulator> {
  const now = options.now ?? (() => new Date());
  const nowIso = () => now().toISOString();
  const clientId = options.clientId ?? quickBooksSimulatorDefaults.clientId;
  const clientSecret = options.clientSecret ?? quickBooksSimulatorDefaults.clientSecret;
  const realmId = options.realmId ?? quickBooksSimulatorDefaults.realmId;
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const logger = options.logger;

  const settings: CompanySettings = {
    homeCurrency: options.homeCurrency ?? 'GBP',
    currencies: options.currencies ?? ['EUR', 'USD'],
    refuseDuplicateDocNumber: options.refuseDuplicateDocNumber ?? true,
  };
  const company = new Company(realmId, settings, nowIso);
  company.seedTaxCodes(options.taxCodes ?? ukTaxCodesDefault);
  for (const item of options.items ?? itemsDefault) {
    company.seed('Item', item);
  }
  for (const customer of options.customers ?? []) {
    company.seed('Customer', { CurrencyRef: { value: settings.homeCurrency }, ...customer });
  }

  const requests: QuickBooksRequestRecord[] = [];
  const refreshTokens = new Set([options.refreshToken ?? quickBooksSimulatorDefaults.refreshToken]);
  const accessTokens = new Map<string, AccessToken>();
  const answersByRequestId = new Map<string, QboAnswer>();
  const faults: QuickBooksFault[] = [];
  const throttle = new Throttle({ ...quickBooksLimits, ...options.limits });

  const record = (
    host: QuickBooksRequestRecord['host'],
    request: IncomingMessage,
    text: string,
  ) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const entry: QuickBooksRequestRecord = {
      atMs: now().getTime(),
      host,
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: requestHeaders(request),
      bodyText: text,
      status: 0,
    };
    requests.push(entry);
    return { entry, url };
  };

  const token = (request: IncomingMessage, text: string): QboAnswer => {
    const form = new URLSearchParams(text);
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    if (id !== clientId || secret !== clientSecret) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    if (form.get('grant_type') !== 'refresh_token') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    if (!refreshTokens.delete(form.get('refresh_token') ?? '')) {
      return { status: 400, body: { error: 'invalid_grant' } };
    }

    const accessToken = `qbosim_at_${randomUUID()}`;
    const refreshToken = `qbosim_rt_${randomUUID()}`;
    accessTokens.set(accessToken, { expiresAtMs: now().getTime() + lifetimeSeconds * 1000 });
    refreshTokens.add(refreshToken);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        access_token: accessToken,
        expires_in: lifetimeSeconds,
        refresh_token: refreshToken,
        x_refresh_token_expires_in: 8_726_400,
      },
    };
  };

  // Intuit's gateway answers authentication failures in lower-case keys, unlike the API's faults.
  const refuseToken = (request: IncomingMessage): QboAnswer | undefined => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const known = bearer ? accessTokens.get(bearer) : undefined;
    if (known && known.expiresAtMs > now().getTime()) {
      return undefined;
    }
    const detail = known ? 'Token expired' : 'Token invalid';
    const error = {
      message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
      detail,
      code: '3200',
    };
    return {
      status: 401,
      body: { fault: { error: [error], type: 'AUTHENTICATION' }, time: nowIso() },
    };
  };

  const throttled = (): QboAnswer =>
    fault(
      'SERVICE',
      [
        {
          Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          Detail: 'The request limit was reached. Try again later',
          code: '3001',
        },
      ],
      nowIso(),
      429,
    );

  const serverFault = (status: number): QboAnswer =>
    fault(
      'SystemFault',
      [
        {
          Message: 'An application error has occurred while processing your request',
          Detail: 'System Failure Error: the simulator was told to fail this call',
          code: '10000',
        },
      ],
      nowIso(),
      status,
    );

  const notFound = (what: string): QboAnswer =>
    fault(
      'ValidationFault',
      [{ Message: 'Object Not Found', Detail: `Object Not Found : ${what}`, code: '610' }],
      nowIso(),
    );

  const query = (text: string | null): QboAnswer => {
    let parsed;
    try {
      parsed = parseQuery(text ?? '');
    } catch (error) {
      if (!(error instanceof QueryParseError)) {
        throw error;
      }
      return fault(
        'ValidationFault',
        [
          {
            Message: 'Error parsing query',
            Detail: `QueryParserError: ${error.message}`,
            code: '4000',
          },
        ],
        nowIso(),
      );
    }

    const entity = entityNames.find((name) => name.toLowerCase() === parsed.entity.toLowerCase());
    if (!entity) {
      return fault(
        'ValidationFault',
        [
          {
            Message: 'Error parsing query',
            Detail: `Unknown entity ${parsed.entity}`,
            code: '4000',
          },
        ],
        nowIso(),
      );
    }
    const found = [...company.table(entity).values()].filter((entry) =>
      parsed.conditions.every(({ field, value }) => textOf(entry[field] ?? '') === value),
    );
    const page = found.slice(
      parsed.startPosition - 1,
      parsed.startPosition - 1 + parsed.maxResults,
    );
    const body =
      page.length === 0
        ? {}
        : {
            [entity]: page.map((entry) => company.answer(entry)),
            startPosition: parsed.startPosition,
            maxResults: page.length,
          };
    return { status: 200, body: { QueryResponse: body, time: nowIso() } };
  };

  /** Routes one Accounting API call that passed auth and throttling. */
  const accounting = (method: string, segments: string[], url: URL, text: string): QboAnswer => {
    const [resource = '', id, extra] = segments.map((segment) => decodeURIComponent(segment));
    if (method === 'GET' && resource.toLowerCase() === 'query' && !id) {
      return query(url.searchParams.get('query'));
    }
    if (method === 'POST' && resource.toLowerCase() === 'query' && !id) {
      return query(text);
    }

    const entity = pathEntities[resource.toLowerCase()];
    if (!entity || extra !== undefined) {
      return notFound(`no resource at ${url.pathname}`);
    }
    if (method === 'GET' && id) {
      const found = company.get(entity, id);
      return found
        ? { status: 200, body: { [entity]: company.answer(found), time: nowIso() } }
        : notFound(`${entity} ${id} does not exist`);
    }
    if (method !== 'POST' || id) {
      return notFound(`${method} ${url.pathname} is not supported`);
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fault(
        'ValidationFault',
        [
          {
            Message: 'Request has invalid or unsupported property',
            Detail: 'Body is not JSON',
            code: '2010',
          },
        ],
        nowIso(),
      );
    }
    return company.save(entity, body);
  };

  /** The same requestid answers its first answer again; an outage's answer is not kept. */
  const idempotently = (url: URL, run: () => QboAnswer): QboAnswer => {
    const requestId = url.searchParams.get('requestid');
    if (requestId === null) {
      return run();
    }
    if (requestId.length > requestIdLengthMax) {
      return fault(
        'ValidationFault',
        [
          {
            Message: 'Invalid requestid',
            Detail: `requestid is ${requestId.length} characters; at most 50 are accepted.`,
            code: '2010',
          },
        ],
        nowIso(),
      );
    }

    const stored = answersByRequestId.get(requestId);
    if (stored) {
      return stored;
    }
    const answer = run();
    if (answer.status < 500) {
      answersByRequestId.set(requestId, answer);
    }
    return answer;
  };

  const oauthServer = createServer((request, response) => {
    void (async () => {
      const text = await readRequestText(request);
      const { entry, url } = record('oauth', request, text);
      const answer =
        request.method === 'POST' && url.pathname === '/oauth2/v1/tokens/bearer'
          ? token(request, text)
          : { status: 404, body: { error: 'not_found' } };
      entry.status = answer.status;
      send(response, answer, { 'Cache-Control': 'no-store' });
    })().catch((error: unknown) => {
      logger?.error({ err: error }, 'quickbooks simulator failed a token request');
      response.destroy();
    });
  });

  const handleApi = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readRequestText(request);
    const { entry, url } = record('api', request, text);
    const reply = (answer: QboAnswer, headers: Record<string, string> = {}) => {
      entry.status = answer.status;
      send(response, answer, headers);
    };

    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'v3' || segments[1] !== 'company') {
      reply(notFound(`no resource at ${url.pathname}`));
      return;
    }
    const refusal = refuseToken(request);
    if (refusal) {
      reply(refusal, { 'WWW-Authenticate': 'Bearer realm="Intuit", error="invalid_token"' });
      return;
    }
    if (segments[2] !== realmId) {
      reply(
        fault(
          'AUTHORIZATION',
          [
            {
              Message: 'Authorization Failure',
              Detail: 'The token is not for this company',
              code: '120',
            },
          ],
          nowIso(),
          403,
        ),
      );
      return;
    }
    if (!throttle.admit(now().getTime())) {
      reply(throttled());
      return;
    }

    const resource = segments[3]?.toLowerCase();
    const failing = faults.find((each) => each.entity === undefined || each.entity === resource);
    if (failing) {
      failing.count -= 1;
      if (failing.count <= 0) {
        faults.splice(faults.indexOf(failing), 1);
      }
      logger?.debug({ fault: failing.kind, path: url.pathname }, 'quickbooks simulator fault');
    }

    const method = request.method ?? 'GET';
    const run = () => idempotently(url, () => accounting(method, segments.slice(3), url, text));
    if (failing && failing.afterCommit) {
      run();
    }
    if (failing?.kind === 'disconnect') {
      response.destroy();
      return;
    }
    if (failing) {
      const status = { 'http-500': 500, 'http-503': 503, 'http-429': 429 }[failing.kind];
      reply(status === 429 ? throttled() : serverFault(status));
      return;
    }
    reply(run());
  };

  const apiServer = createServer((request, response) => {
    handleApi(request, response).catch((error: unknown) => {
      logger?.error({ err: error }, 'quickbooks simulator failed an api request');
      if (!response.headersSent) {
        send(response, serverFault(500));
      }
    });
  });

  const host = options.host ?? '127.0.0.1';
  const oauthUrl = await listen(oauthServer, host);
  const apiUrl = await listen(apiServer, host);
  logger?.info({ apiUrl, oauthUrl, realmId }, 'quickbooks simulator listening');

  const closeServer = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });

  let closing: Promise<void> | undefined;
  return {
    apiUrl,
    oauthUrl,
    clientId,
    clientSecret,
    realmId,
    company,
    requests,
    refreshTokens,
    clock: { now },
    injectFault: (injected) => {
      faults.push({ ...injected });
    },
    revokeAccessTokens: () => accessTokens.clear(),
    close: () => {
      closing ??= Promise.all([closeServer(oauthServer), closeServer(apiServer)]).then(
        () => undefined,
      );
      return closing;
    },
  };
}
