/**
 * Xero's HTTP surface as the connector needs it: an access token (cached until shortly before it
 * expires, fetched again once when Xero answers 401), the organisation to act for, the call
 * limits (call-limiter.ts), and Xero's failures turned into the connector's errors:
 * - 401 twice, 403, a refused client id or secret, a refused refresh token, no single
 *   organisation: configuration;
 * - 429 `minute`, `concurrent` or `appminute`: wait Retry-After and call again a bounded number
 *   of times, then unavailable; 429 `day`: parked until Retry-After has passed;
 * - 5xx, network failures and timeouts: unavailable (the same call, with the same
 *   Idempotency-Key, is to be made again later).
 * Every other answer (2xx, 400, 404) goes back to the caller, which reads Xero's verdict.
 * Never logs the client secret or a token.
 *
 * Access tokens come from one of two grants:
 * - client credentials, for a custom connection, which reaches one organisation with its own
 *   credentials;
 * - refresh token, for a standard app the shop consented to. Xero issues a new refresh token with
 *   every access token and retires the old one 30 minutes later, so each new one is handed to
 *   `saveRefreshToken` before its access token is used, and the next refresh uses it (a refresh
 *   whose answer was lost is made again with the old token, which Xero still takes in those 30
 *   minutes). A refresh token unused for 60 days expires; tokens are refreshed only when there
 *   is something to push, so a shop that pushes nothing for 60 days must consent again and give
 *   the new refresh token as XERO_REFRESH_TOKEN.
 * Leaves out: the authorisation-code consent itself (the refresh token comes from it, obtained
 * outside Quartermaster) and revoking tokens.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { z } from 'zod';

import type { Logger } from '../../platform/logger.ts';
import {
  ConnectorConfigurationError,
  ConnectorParkedError,
  ConnectorUnavailableError,
} from '../connector.ts';
import { CallLimiter, type CallLimits, xeroCallLimits } from './call-limiter.ts';

/** Waits `delayMs`; rejects when the signal aborts (the connector closes). */
export type Sleep = (delayMs: number, signal: AbortSignal) => Promise<void>;

export interface XeroClientLimits extends CallLimits {
  /** Calls made again inside the client after a minute or concurrency 429. */
  rateLimitRetriesMax: number;
  /** A Retry-After longer than this is not waited out here: the queue waits instead. */
  retryAfterWaitMaxMs: number;
  /** How long one call may take before it counts as failed. */
  timeoutMs: number;
  /** The queue's wait after a 5xx, a network failure or a timeout without Retry-After. */
  unavailableRetryAfterMs: number;
  /** A token is fetched again this long before Xero says it expires. */
  tokenRenewBeforeMs: number;
}

export const xeroClientLimits: XeroClientLimits = {
  ...xeroCallLimits,
  rateLimitRetriesMax: 3,
  retryAfterWaitMaxMs: 60_000,
  timeoutMs: 30_000,
  unavailableRetryAfterMs: 30_000,
  tokenRenewBeforeMs: 60_000,
};

export interface XeroClientOptions {
  /** Base of `/connections` and `/api.xro/2.0/`: `https://api.xero.com`. */
  apiUrl: string;
  /** Base of `/connect/token`: `https://identity.xero.com`. */
  identityUrl: string;
  clientId: string;
  /** Never logged. */
  clientSecret: string;
  /** The organisation (`XERO_TENANT_ID`); found through `/connections` when absent. */
  tenantId?: string;
  /**
   * A standard app's refresh token (`XERO_REFRESH_TOKEN`, or the newest one saved from it);
   * absent means a custom connection's client-credentials grant. Never logged.
   */
  refreshToken?: string;
  /** Keeps each refresh token Xero issues, before its access token is used. */
  saveRefreshToken?: (issuedToken: string) => Promise<void>;
  logger: Logger;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; the clock of tokens and limits. */
  now?: () => number;
  /** Waits on the same clock as `now` (tests move a clock instead of waiting). */
  sleep?: Sleep;
  limits?: Partial<XeroClientLimits>;
}

/** An answer Xero gave that is Xero's verdict on the call (2xx, 400, 404 and the like). */
export interface XeroAnswer {
  status: number;
  body: unknown;
}

export interface XeroCall {
  method: 'GET' | 'PUT' | 'POST';
  /** Path and query under the API base, e.g. `/api.xro/2.0/Invoices?summarizeErrors=false`. */
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  /** Names the call in logs and errors (`push invoices`). */
  operation: string;
}

const tokenAnswerSchema = z
  .object({
    access_token: z.string(),
    expires_in: z.number(),
    refresh_token: z.string().optional(),
  })
  .loose();
const tokenErrorSchema = z.object({ error: z.string() }).loose();
const connectionsSchema = z.array(
  z.object({ tenantId: z.string(), tenantType: z.string(), tenantName: z.string() }).loose(),
);

interface Token {
  accessToken: string;
  expiresAtMs: number;
}

interface Exchange {
  status: number;
  headers: Headers;
  body: unknown;
}

const realSleep: Sleep = (delayMs, signal) => delay(delayMs, undefined, { signal });

export class XeroClient {
  private readonly limits: XeroClientLimits;
  private readonly logger: Logger;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly closing = new AbortController();
  private readonly limiter: CallLimiter;
  private token: Token | undefined;
  private tokenRequest: Promise<Token> | undefined;
  private tenantRequest: Promise<string> | undefined;
  /** The newest refresh token Xero issued; undefined for a custom connection. */
  private refreshToken: string | undefined;

  constructor(private readonly options: XeroClientOptions) {
    this.limits = { ...xeroClientLimits, ...options.limits };
    this.logger = options.logger.child({ platform: 'xero' });
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.limiter = new CallLimiter(this.limits, this.now, (delayMs) => this.pause(delayMs));
    this.refreshToken = options.refreshToken === '' ? undefined : options.refreshToken;
  }

  /** Makes one Accounting API call for the organisation; see the file header for failures. */
  async call(call: XeroCall): Promise<XeroAnswer> {
    const tenantId = await this.tenantId();

    for (let rateLimitRetries = 0; ; rateLimitRetries += 1) {
      const answer = await this.authorised(call, { 'xero-tenant-id': tenantId });
      if (answer.status !== 429) {
        return this.verdict(call, answer, tenantId);
      }

      const waitMs = this.rateLimited(call, answer, rateLimitRetries);
      this.logger.warn(
        { operation: call.operation, waitMs, problem: answer.headers.get('x-rate-limit-problem') },
        'xero rate limit met; waiting',
      );
      await this.pause(waitMs);
    }
  }

  close(): void {
    this.closing.abort(new Error('the Xero connector was closed'));
  }

  /** Waits on the injected clock; closing the connector ends the wait as unavailability. */
  private async pause(delayMs: number): Promise<void> {
    try {
      this.closing.signal.throwIfAborted();
      await this.sleep(delayMs, this.closing.signal);
    } catch (error) {
      throw new ConnectorUnavailableError(
        'The Xero connector closed while waiting to call',
        delayMs,
        { cause: error },
      );
    }
  }

  private verdict(call: XeroCall, answer: Exchange, tenantId: string): XeroAnswer {
    if (answer.status === 403) {
      const fix =
        this.refreshToken === undefined
          ? 'the custom connection is not connected to it or lacks the accounting scopes; ' +
            'check XERO_TENANT_ID and the connection in the Xero developer portal'
          : 'the consent behind XERO_REFRESH_TOKEN does not include it or lacks the ' +
            'accounting scopes; check XERO_TENANT_ID, or consent again and give the new ' +
            'refresh token as XERO_REFRESH_TOKEN';
      throw new ConnectorConfigurationError(
        `Xero refused ${call.operation} for organisation ${tenantId} (403): ${fix}`,
      );
    }
    if (answer.status >= 500) {
      throw new ConnectorUnavailableError(
        `Xero answered ${call.operation} with HTTP ${answer.status}`,
        this.retryAfterMs(answer) ?? this.limits.unavailableRetryAfterMs,
      );
    }
    return { status: answer.status, body: answer.body };
  }

  /** How long to wait before calling again after a 429, or the error that ends the call. */
  private rateLimited(call: XeroCall, answer: Exchange, retriesMade: number): number {
    const problem = answer.headers.get('x-rate-limit-problem')?.toLowerCase();
    const retryAfterMs = this.retryAfterMs(answer) ?? this.limits.windowMs;

    if (problem === 'day') {
      const until = new Date(this.now() + retryAfterMs);
      this.logger.warn({ operation: call.operation, until }, 'xero daily limit reached');
      throw new ConnectorParkedError(
        `Xero's daily call limit for the organisation is spent until ${until.toISOString()}`,
        until,
      );
    }
    if (retriesMade >= this.limits.rateLimitRetriesMax) {
      throw new ConnectorUnavailableError(
        `Xero kept refusing ${call.operation} over its ${problem ?? 'rate'} limit`,
        retryAfterMs,
      );
    }
    if (retryAfterMs > this.limits.retryAfterWaitMaxMs) {
      throw new ConnectorUnavailableError(
        `Xero asks to wait ${retryAfterMs} ms before ${call.operation} (${problem ?? 'rate'})`,
        retryAfterMs,
      );
    }
    return retryAfterMs;
  }

  private retryAfterMs(answer: Exchange): number | undefined {
    const seconds = Number(answer.headers.get('retry-after') ?? Number.NaN);
    return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  }

  /** One call with a bearer token; a 401 fetches a new token and calls once more. */
  private async authorised(call: XeroCall, extraHeaders: Record<string, string>) {
    const isForOrganisation = 'xero-tenant-id' in extraHeaders;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.accessToken();
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token.accessToken}`,
        Accept: 'application/json',
        ...extraHeaders,
      };
      if (call.body !== undefined) {
        headers['Content-Type'] = 'application/json';
      }
      if (call.idempotencyKey !== undefined) {
        headers['Idempotency-Key'] = call.idempotencyKey;
      }

      const body = call.body === undefined ? undefined : JSON.stringify(call.body);
      const url = `${this.options.apiUrl}${call.path}`;
      const send = () => this.exchange(call.operation, url, { method: call.method, headers, body });
      // The organisation's limits count its Accounting API calls, not the list of connections.
      const answer = isForOrganisation ? await this.limiter.run(send) : await send();
      this.logger.debug(
        { operation: call.operation, method: call.method, status: answer.status, attempt },
        'xero call answered',
      );

      if (answer.status !== 401) {
        return answer;
      }
      this.forgetToken(token);
      if (attempt >= 2) {
        const cause =
          this.refreshToken === undefined
            ? 'the custom connection may have been disconnected or its consent revoked'
            : 'the app may have been disconnected from the organisation; consent again and ' +
              'give the new refresh token as XERO_REFRESH_TOKEN';
        throw new ConnectorConfigurationError(
          `Xero refused a newly issued access token for ${call.operation} (401): ${cause}`,
        );
      }
    }
  }

  private async accessToken(): Promise<Token> {
    const token = this.token;
    if (token && this.now() < token.expiresAtMs - this.limits.tokenRenewBeforeMs) {
      return token;
    }

    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    this.token = await this.tokenRequest;
    return this.token;
  }

  private forgetToken(token: Token): void {
    if (this.token === token) {
      this.token = undefined;
    }
  }

  private async requestToken(): Promise<Token> {
    const refreshToken = this.refreshToken;
    const grant: Record<string, string> =
      refreshToken === undefined
        ? { grant_type: 'client_credentials' }
        : { grant_type: 'refresh_token', refresh_token: refreshToken };
    const credentials = `${this.options.clientId}:${this.options.clientSecret}`;
    const answer = await this.exchange(
      'token request',
      `${this.options.identityUrl}/connect/token`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams(grant).toString(),
      },
    );

    if (answer.status >= 500 || answer.status === 429) {
      throw new ConnectorUnavailableError(
        `Xero's identity server answered HTTP ${answer.status}`,
        this.retryAfterMs(answer) ?? this.limits.unavailableRetryAfterMs,
      );
    }
    const granted = tokenAnswerSchema.safeParse(answer.body);
    if (answer.status !== 200 || !granted.success) {
      const error = tokenErrorSchema.safeParse(answer.body).data?.error ?? 'no error code';
      throw new ConnectorConfigurationError(
        refreshToken === undefined
          ? this.refusedClientCredentials(answer.status, error)
          : this.refusedRefreshToken(answer.status, error),
      );
    }

    const issuedRefreshToken = granted.data.refresh_token;
    if (refreshToken !== undefined && issuedRefreshToken !== undefined) {
      await this.keepRefreshToken(issuedRefreshToken);
    }
    this.logger.debug({ expiresInSeconds: granted.data.expires_in }, 'xero access token issued');
    return {
      accessToken: granted.data.access_token,
      expiresAtMs: this.now() + granted.data.expires_in * 1000,
    };
  }

  /**
   * Makes the issued refresh token the one to refresh with, and saves it before its access
   * token is used: Xero retires the old one, and a token lost here cannot be asked for again.
   */
  private async keepRefreshToken(issuedToken: string): Promise<void> {
    if (issuedToken === this.refreshToken) {
      return;
    }

    this.refreshToken = issuedToken;
    try {
      await this.options.saveRefreshToken?.(issuedToken);
    } catch (error) {
      // The new token stays in memory: the next refresh uses it and saves the one after it.
      throw new ConnectorUnavailableError(
        'The refresh token Xero just issued could not be saved',
        this.limits.unavailableRetryAfterMs,
        { cause: error },
      );
    }
    this.logger.info('xero refresh token rotated and saved');
  }

  private refusedClientCredentials(status: number, error: string): string {
    const hint =
      error === 'invalid_client'
        ? 'check XERO_CLIENT_ID and XERO_CLIENT_SECRET of the custom connection'
        : 'check that the app is a custom connection authorised for an organisation, or give ' +
          "a standard app's refresh token as XERO_REFRESH_TOKEN";
    return `Xero refused the client credentials (HTTP ${status}, ${error}): ${hint}`;
  }

  private refusedRefreshToken(status: number, error: string): string {
    const hint =
      error === 'invalid_client'
        ? 'check XERO_CLIENT_ID and XERO_CLIENT_SECRET of the app that XERO_REFRESH_TOKEN ' +
          'was issued to'
        : error === 'invalid_grant'
          ? 'it has expired (60 days unused), was revoked, or was replaced by a newer one ' +
            'that was lost; consent to the app again and give the new refresh token as ' +
            'XERO_REFRESH_TOKEN'
          : 'consent to the app again and give the new refresh token as XERO_REFRESH_TOKEN';
    return `Xero refused the refresh token (HTTP ${status}, ${error}): ${hint}`;
  }

  private tenantId(): Promise<string> {
    if (this.options.tenantId !== undefined && this.options.tenantId !== '') {
      return Promise.resolve(this.options.tenantId);
    }

    this.tenantRequest ??= this.onlyOrganisation().catch((error: unknown) => {
      this.tenantRequest = undefined;
      throw error;
    });
    return this.tenantRequest;
  }

  /** The one organisation the connection reaches, from `GET /connections`. */
  private async onlyOrganisation(): Promise<string> {
    const answer = await this.authorised(
      { method: 'GET', path: '/connections', operation: 'list connections' },
      {},
    );
    if (answer.status >= 500 || answer.status === 429) {
      throw new ConnectorUnavailableError(
        `Xero answered the list of connections with HTTP ${answer.status}`,
        this.retryAfterMs(answer) ?? this.limits.unavailableRetryAfterMs,
      );
    }

    const parsed = connectionsSchema.safeParse(answer.body);
    if (answer.status !== 200 || !parsed.success) {
      throw new ConnectorConfigurationError(
        `Xero answered the list of connections with HTTP ${answer.status} and no list: ` +
          'set XERO_TENANT_ID to the organisation to push to',
      );
    }

    const organisations = parsed.data.filter((each) => each.tenantType === 'ORGANISATION');
    const [only] = organisations;
    if (organisations.length === 1 && only) {
      this.logger.info({ tenantId: only.tenantId }, 'xero organisation found');
      return only.tenantId;
    }

    const names = organisations.map((each) => `${each.tenantName} (${each.tenantId})`);
    throw new ConnectorConfigurationError(
      organisations.length === 0
        ? this.refreshToken === undefined
          ? 'The Xero connection reaches no organisation: connect the custom connection to ' +
            'the organisation in the Xero developer portal'
          : 'The consent behind XERO_REFRESH_TOKEN reaches no organisation: consent to the ' +
            'app again, choosing the organisation, and give the new refresh token as ' +
            'XERO_REFRESH_TOKEN'
        : `The Xero connection reaches ${organisations.length} organisations ` +
            `(${names.join(', ')}): set XERO_TENANT_ID to the one to push to`,
    );
  }

  /** One HTTP exchange; any failure to get an answer is a ConnectorUnavailableError. */
  private async exchange(
    operation: string,
    url: string,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
  ): Promise<Exchange> {
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.limits.timeoutMs),
      this.closing.signal,
    ]);

    try {
      const response = await this.fetch(url, { ...init, signal });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: parseJson(text) };
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.limits.timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
      throw new ConnectorUnavailableError(
        `Xero ${operation} failed: ${reason}`,
        this.limits.unavailableRetryAfterMs,
        { cause: error },
      );
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
