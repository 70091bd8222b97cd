/**
 * Slows and stops password guessing, per account and per source address, with counters kept
 * in PostgreSQL by rate-limiter-flexible (table `sign_in_failures`, made by the migration), so
 * every API process sees the same counts.
 *
 * Per account (keyed by the email as typed, normalised, whether or not it names anyone, so a
 * lock says nothing about which emails exist): each attempt is counted before the password is
 * checked, which keeps a burst of parallel guesses from slipping past the limit; a success
 * wipes the count. From `slowAfterFailures` on, each attempt waits a growing delay before the
 * check; at `lockAfterFailures` the account is locked for `lockDurationMs`, and during the lock
 * even the right password is refused. Per address: failures across all accounts; at
 * `addressBlockAfterFailures` within `addressWindowMs` the address is blocked.
 *
 * Addresses are the TCP peer as the server sees it; behind a reverse proxy every request
 * would share the proxy's address, and trusting X-Forwarded-For would need the proxy to be
 * configured as trusted, which the system does not offer yet.
 */
import {
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type pg from 'pg';

export interface SignInThrottleSettings {
  /** Failures on one account after which every further attempt waits before the check. */
  slowAfterFailures: number;
  /** The wait at `slowAfterFailures`; it doubles with each further failure. */
  delayFirstMs: number;
  /** The longest wait. */
  delayMaxMs: number;
  /** Failures on one account that lock it. */
  lockAfterFailures: number;
  lockDurationMs: number;
  /** How long an account's failures are remembered, counted from the first of them. */
  failureWindowMs: number;
  /** Failures from one address, across accounts, that block it. */
  addressBlockAfterFailures: number;
  addressWindowMs: number;
  addressBlockDurationMs: number;
}

export const defaultSignInThrottle: SignInThrottleSettings = {
  slowAfterFailures: 3,
  delayFirstMs: 1000,
  delayMaxMs: 8000,
  lockAfterFailures: 10,
  lockDurationMs: 15 * 60_000,
  failureWindowMs: 24 * 3_600_000,
  addressBlockAfterFailures: 50,
  addressWindowMs: 3_600_000,
  addressBlockDurationMs: 3_600_000,
};

export type Admission =
  | { outcome: 'admitted'; delayMs: number }
  | { outcome: 'account-locked'; retryAfterMs: number }
  | { outcome: 'address-blocked'; retryAfterMs: number };

export interface SignInLock {
  /**
   * Failed attempts since the last success, within the window, and while locked also the
   * attempts refused by the lock.
   */
  failures: number;
  /** Until when even the right password is refused; null when not locked. */
  lockedUntil: Date | null;
}

const tableName = 'sign_in_failures';

export class SignInThrottle {
  readonly settings: SignInThrottleSettings;
  private readonly accounts: RateLimiterPostgres;
  private readonly addresses: RateLimiterPostgres;

  constructor(pool: pg.Pool, settings: Partial<SignInThrottleSettings> = {}) {
    this.settings = { ...defaultSignInThrottle, ...settings };
    const store = { storeClient: pool, storeType: 'pool', tableName, tableCreated: true };
    // Points count attempts; past `lockAfterFailures` consume refuses, and recordFailure
    // sets the lock's own duration once the limit is reached.
    this.accounts = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'account',
      points: this.settings.lockAfterFailures,
      duration: this.settings.failureWindowMs / 1000,
    });
    this.addresses = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'address',
      points: this.settings.addressBlockAfterFailures - 1,
      duration: this.settings.addressWindowMs / 1000,
      blockDuration: this.settings.addressBlockDurationMs / 1000,
    });
  }

  /**
   * Whether an attempt may go ahead, and after how long a wait; counts it against the
   * account. Call recordFailure or recordSuccess once the password has been checked.
   */
  async admit(email: string, address: string | null): Promise<Admission> {
    const addressState = await this.addresses.get(addressKey(address));
    if (
      addressState !== null &&
      addressState.consumedPoints >= this.settings.addressBlockAfterFailures
    ) {
      return { outcome: 'address-blocked', retryAfterMs: addressState.msBeforeNext };
    }

    const counted = await consumeOrRefusal(this.accounts, email);
    if (counted.refused) {
      const retryAfterMs = await this.lockUnlessLocked(email, counted.state.msBeforeNext);
      return { outcome: 'account-locked', retryAfterMs };
    }
    return { outcome: 'admitted', delayMs: this.delayAfter(counted.state.consumedPoints - 1) };
  }

  /** Records a failed attempt; answers whether the account is now locked. */
  async recordFailure(email: string, address: string | null): Promise<boolean> {
    await consumeOrRefusal(this.addresses, addressKey(address));

    const state = await this.accounts.get(email);
    const failures = state?.consumedPoints ?? 0;
    if (state === null || failures < this.settings.lockAfterFailures) {
      return false;
    }
    await this.lockUnlessLocked(email, state.msBeforeNext);
    return true;
  }

  /**
   * Locks the account for `lockDurationMs` unless a lock already runs; answers how long the
   * lock has left. Without a lock, the count over the limit would expire only with the failure
   * window (a day): a burst of parallel guesses passes the limit before any attempt has been
   * answered, so locking at exactly the limit is not enough. A running lock is not extended,
   * so attempts during it cannot keep a person out for longer.
   */
  private async lockUnlessLocked(email: string, msBeforeNext: number): Promise<number> {
    if (msBeforeNext <= this.settings.lockDurationMs) {
      return msBeforeNext;
    }
    await this.accounts.block(email, this.settings.lockDurationMs / 1000);
    return this.settings.lockDurationMs;
  }

  async recordSuccess(email: string): Promise<void> {
    await this.accounts.delete(email);
  }

  /** What an admin sees of an account's failures; null when there are none. */
  async lockOf(email: string): Promise<SignInLock | null> {
    const state = await this.accounts.get(email);
    if (state === null || state.consumedPoints === 0) {
      return null;
    }
    // The lock itself is stored as one point over the limit.
    const locked = state.consumedPoints > this.settings.lockAfterFailures;
    return {
      failures: locked ? state.consumedPoints - 1 : state.consumedPoints,
      lockedUntil: locked ? new Date(Date.now() + state.msBeforeNext) : null,
    };
  }

  /** Forgets an account's failures and lifts its lock. */
  async clear(email: string): Promise<void> {
    await this.accounts.delete(email);
  }

  /** The wait before checking a password after this many failures in a row. */
  delayAfter(failures: number): number {
    const { slowAfterFailures, delayFirstMs, delayMaxMs } = this.settings;
    if (failures < slowAfterFailures) {
      return 0;
    }
    const doublings = Math.min(failures - slowAfterFailures, 30);
    return Math.min(delayFirstMs * 2 ** doublings, delayMaxMs);
  }
}

function addressKey(address: string | null): string {
  return address ?? 'unknown';
}

/** The library rejects with its result when over the limit, and with an Error on failure. */
async function consumeOrRefusal(
  limiter: RateLimiterAbstract,
  key: string,
): Promise<{ refused: boolean; state: RateLimiterRes }> {
  try {
    return { refused: false, state: await limiter.consume(key) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      return { refused: true, state: rejection };
    }
    throw rejection;
  }
}
