/**
 * The HTTP side of the QuickBooks Online connector: Intuit's OAuth refresh (the refresh token
 * rotates and every new one is handed to `saveRefreshToken`), the company's limits kept on this
 * side (10 calls a second, 500 a minute), and QuickBooks's answers sorted into what the push
 * queue understands: an answer, a fault to report per document, or a thrown connector error.
 * Leaves out: sharing the limits between processes. Each connector counts only its own calls, so
 * two workers pushing to one company could together pass the limits; QuickBooks then answers 429
 * and both wait 60 seconds, which is slow but safe. Sharing them would take a counter in the
 * database or the job queue, keyed by realm.
 */
import type { Logger } from 'pino';

import { ConnectorConfigurationError, ConnectorUnavailableError } from '../connector.ts';

export type QboJson = Record<string, unknown>;

/** An `Error` of a QuickBooks fault, in its own keys. */
export interface QboFaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export type QboResult =
  | { ok: true; body: QboJson }
  | { ok: false; status: number; errors: QboFaultError[]; fault: unknown };

export interface QuickBooksClientOptions {
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  realmId: string;
  logger: Logger;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  fetch: typeof fetch;
  saveRefreshToken?: (token: string) => Promise<void>;
  minorVersion: number;
  requestTimeoutMs: number;
}

/** QuickBooks's limits per company, and how long it wants callers to stay away after a 429. */
export const quickBooksClientLimits = {
  perSecondMax: 10,
  perMinuteMax: 500,
  throttledWaitMs: 60_000,
  /** A wait up to this long happens here; a longer one is handed back to the queue. */
  waitInPlaceMaxMs: 1000,
  /** After a 5xx or a network failure. */
  outageRetryMs: 30_000,
  /** An access token this close to its end is refreshed first. */
  tokenMarginMs: 60_000,
};

const secondMs = 1000;
const minuteMs = 60_000;

export class QuickBooksClient {
  private refreshToken: string;
  private accessToken: { value: string; expiresAtMs: number } | undefined;
  private refreshing: Promise<string> | undefined;
  /** Start times of this connector's calls in the last minute, oldest first. */
  private readonly callTimesMs: number[] = [];
  private blockedUntilMs = 0;

  constructor(private readonly options: QuickBooksClientOptions) {
    this.refreshToken = options.refreshToken;
  }

  get(path: string, query: Record<string, string> = {}): Promise<QboResult> {
    return this.call('GET', path, query);
  }

  post(path: string, query: Record<string, string>, body: unknown): Promise<QboResult> {
    return this.call('POST', path, query, body);
  }

  /** `select * from ...` through the query endpoint; the rows of the entity, maybe none. */
  async query(statement: string, entity: string): Promise<QboJson[]> {
    const result = await this.get('query', { query: statement });
    if (!result.ok) {
      const error = result.errors[0];
      throw new Error(`QuickBooks refused the query "${statement}": ${error?.Detail ?? ''}`);
    }
    const rows = (result.body['QueryResponse'] as QboJson | undefined)?.[entity];
    return Array.isArray(rows) ? (rows as QboJson[]) : [];
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<QboResult> {
    for (let attempt = 1; ; attempt += 1) {
      const admittedMs = await this.admit();
      let response: Response;
      try {
        response = await this.send(method, path, query, body, await this.token());
      } finally {
        this.countFromNow(admittedMs);
      }

      if (response.status === 401 && attempt === 1) {
        // An access token can be revoked or expire early; one fresh token settles which.
        this.accessToken = undefined;
        continue;
      }
      return this.resultOf(response, path);
    }
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    body: unknown,
    token: string,
  ): Promise<Response> {
    const params = new URLSearchParams({
      ...query,
      minorversion: textOf(this.options.minorVersion),
    });
    const url = `${this.options.apiUrl}/v3/company/${this.options.realmId}/${path}?${params}`;
    try {
      return await this.options.fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      this.options.logger.warn({ err: error, path }, 'quickbooks unreachable');
      throw new ConnectorUnavailableError(
        `QuickBooks did not answer ${method} ${path}`,
        quickBooksClientLimits.outageRetryMs,
        { cause: error },
      );
    }
  }

  private async resultOf(response: Response, path: string): Promise<QboResult> {
    const text = await response.text().catch(() => '');
    let body: QboJson;
    try {
      body = JSON.parse(text) as QboJson;
    } catch {
      body = {};
    }

    if (response.status === 429) {
      this.blockedUntilMs = this.options.now().getTime() + quickBooksClientLimits.throttledWaitMs;
      this.options.logger.warn({ path }, 'quickbooks throttled the company');
      throw new ConnectorUnavailableError(
        'QuickBooks throttled this company (429); calls resume after 60 seconds',
        quickBooksClientLimits.throttledWaitMs,
      );
    }
    if (response.status >= 500) {
      this.options.logger.warn({ path, status: response.status }, 'quickbooks failed');
      throw new ConnectorUnavailableError(
        `QuickBooks answered ${response.status} to ${path}`,
        quickBooksClientLimits.outageRetryMs,
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new ConnectorConfigurationError(
        `QuickBooks refused the connection to company ${this.options.realmId} ` +
          `(${response.status}): ${describeFault(body)}`,
      );
    }
    if (response.status === 200) {
      return { ok: true, body };
    }

    const fault = (body['Fault'] ?? body['fault']) as QboJson | undefined;
    const errors = ((fault?.['Error'] ?? fault?.['error']) as QboFaultError[] | undefined) ?? [];
    return { ok: false, status: response.status, errors, fault: fault ?? body };
  }

  /**
   * Waits for a free place in both windows, or hands the wait to the queue when it is long
   * (the minute's 500 are spent) or QuickBooks asked for 60 seconds of quiet.
   */
  private async admit(): Promise<number> {
    for (;;) {
      const nowMs = this.options.now().getTime();
      if (this.blockedUntilMs > nowMs) {
        throw new ConnectorUnavailableError(
          'QuickBooks asked for a pause after throttling this company',
          this.blockedUntilMs - nowMs,
        );
      }

      while ((this.callTimesMs[0] ?? Infinity) <= nowMs - minuteMs) {
        this.callTimesMs.shift();
      }
      const lastSecond = this.callTimesMs.filter((at) => at > nowMs - secondMs);
      const waitMs = Math.max(
        lastSecond.length >= quickBooksClientLimits.perSecondMax
          ? (lastSecond[lastSecond.length - quickBooksClientLimits.perSecondMax] ?? nowMs) +
              secondMs -
              nowMs
          : 0,
        this.callTimesMs.length >= quickBooksClientLimits.perMinuteMax
          ? (this.callTimesMs[this.callTimesMs.length - quickBooksClientLimits.perMinuteMax] ??
              nowMs) +
              minuteMs -
              nowMs
          : 0,
      );

      if (waitMs <= 0) {
        this.callTimesMs.push(nowMs);
        return nowMs;
      }
      if (waitMs > quickBooksClientLimits.waitInPlaceMaxMs) {
        throw new ConnectorUnavailableError(
          'This connector has made its 500 calls of the minute to QuickBooks',
          waitMs,
        );
      }
      await this.options.sleep(waitMs);
    }
  }

  /**
   * QuickBooks counts a call when it arrives, which can be well after it was admitted here (a
   * token refresh first, a slow connection): the first call of a burst can then arrive within
   * a second of the eleventh, and QuickBooks throttles. So once a call is over it counts from
   * then, the latest it can have arrived.
   */
  private countFromNow(admittedMs: number): void {
    const index = this.callTimesMs.indexOf(admittedMs);
    if (index !== -1) {
      this.callTimesMs.splice(index, 1);
    }

    const nowMs = this.options.now().getTime();
    const later = this.callTimesMs.findIndex((at) => at > nowMs);
    this.callTimesMs.splice(later === -1 ? this.callTimesMs.length : later, 0, nowMs);
  }

  private async token(): Promise<string> {
    const current = this.accessToken;
    const nowMs = this.options.now().getTime();
    if (current && current.expiresAtMs - quickBooksClientLimits.tokenMarginMs > nowMs) {
      return current.value;
    }

    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The refresh-token grant; the answer's refresh token replaces the one used. */
  private async refresh(): Promise<string> {
    const { clientId, clientSecret, logger } = this.options;
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    let response: Response;
    try {
      response = await this.options.fetch(`${this.options.oauthUrl}/oauth2/v1/tokens/bearer`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${basic}`,
          Accept: 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: this.refreshToken,
        }).toString(),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      throw new ConnectorUnavailableError(
        'Intuit’s token endpoint did not answer',
        quickBooksClientLimits.outageRetryMs,
        { cause: error },
      );
    }

    const answer = (await response.json().catch(() => ({}))) as QboJson;
    if (response.status >= 500) {
      throw new ConnectorUnavailableError(
        `Intuit’s token endpoint answered ${response.status}`,
        quickBooksClientLimits.outageRetryMs,
      );
    }
    if (response.status !== 200 || typeof answer['access_token'] !== 'string') {
      throw new ConnectorConfigurationError(
        `Intuit refused to refresh the QuickBooks connection (${response.status} ` +
          `${textOf(answer['error'] ?? 'no error named')}): reconnect QuickBooks in the settings`,
      );
    }

    const expiresInSeconds = Number(answer['expires_in'] ?? 3600);
    this.accessToken = {
      value: answer['access_token'],
      expiresAtMs: this.options.now().getTime() + expiresInSeconds * 1000,
    };
    const rotated = answer['refresh_token'];
    if (typeof rotated === 'string' && rotated !== this.refreshToken) {
      this.refreshToken = rotated;
      // Intuit may already have retired the old token: losing the new one disconnects the shop.
      await this.options.saveRefreshToken?.(rotated);
    }
    logger.info({ realmId: this.options.realmId, expiresInSeconds }, 'quickbooks token refreshed');
    return this.accessToken.value;
  }
}

/** The fault's first error in one line, for messages to people. */
export function describeFault(body: unknown): string {
  const json = (body ?? {}) as QboJson;
  const fault = (json['Fault'] ?? json['fault'] ?? json) as QboJson;
  const errors = (fault['Error'] ?? fault['error']) as Record<string, unknown>[] | undefined;
  const first = errors?.[0];
  if (!first) {
    return 'no details given';
  }
  const message = textOf(first['Message'] ?? first['message'] ?? '');
  const detail = textOf(first['Detail'] ?? first['detail'] ?? '');
  return detail.startsWith(message) ? detail : `${message}: ${detail}`;
}

/** A field's value as text: strings and numbers as they are, anything else as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}
