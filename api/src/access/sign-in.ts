/**
 * Signing in with an email and password: throttled (sign-in-throttle.ts), checked against the
 * argon2id hash, and answered with a new session. A refusal never says whether the email names
 * anyone: an unknown email, a disabled person and a wrong password all answer
 * INVALID_CREDENTIALS after the same work, and locks count emails, not people.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type pg from 'pg';

import type { RequestOrigin } from './callers.ts';
import { decoyPasswordHash, verifyPassword } from './passwords.ts';
import { createSession, type NewSession, type SessionSettings } from './sessions.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import {
  credentialsOf,
  emailLengthMax,
  normalizeEmail,
  type AccessError,
  type UserRecord,
} from './users.ts';

/** What signing in, sessions and the CSRF check need from the running system. */
export interface AccessServices {
  sessions: SessionSettings;
  throttle: SignInThrottle;
}

export type SignInResult =
  | { outcome: 'signed-in'; user: UserRecord; session: NewSession }
  | { outcome: 'refused'; error: AccessError };

const invalidCredentials: AccessError = {
  field: '',
  code: 'INVALID_CREDENTIALS',
  message: 'The email or password is wrong',
};

export async function signIn(
  pool: pg.Pool,
  services: AccessServices,
  input: { email: string; password: string; origin: RequestOrigin },
): Promise<SignInResult> {
  const email = normalizeEmail(input.email).slice(0, emailLengthMax);
  const admission = await services.throttle.admit(email, input.origin.address);
  if (admission.outcome === 'address-blocked') {
    return refusedFor('ADDRESS_BLOCKED', admission.retryAfterMs, 'from this address');
  }
  if (admission.outcome === 'account-locked') {
    return refusedFor('ACCOUNT_LOCKED', admission.retryAfterMs, 'for this account');
  }
  await sleep(admission.delayMs);

  const account = await credentialsOf(pool, email);
  const matches = await verifyPassword(
    account?.passwordHash ?? (await decoyPasswordHash()),
    input.password,
  );
  if (account === null || !matches || account.disabledAt !== null) {
    const locked = await services.throttle.recordFailure(email, input.origin.address);
    return locked
      ? refusedFor('ACCOUNT_LOCKED', services.throttle.settings.lockDurationMs, 'for this account')
      : { outcome: 'refused', error: invalidCredentials };
  }

  await services.throttle.recordSuccess(email);
  const session = await createSession(
    pool,
    { userId: account.id, origin: input.origin },
    services.sessions,
  );
  await pool.query('UPDATE users SET last_sign_in_at = now() WHERE id = $1', [account.id]);
  const { passwordHash: _passwordHash, ...user } = account;
  return { outcome: 'signed-in', user: { ...user, lastSignInAt: new Date() }, session };
}

function refusedFor(
  code: 'ACCOUNT_LOCKED' | 'ADDRESS_BLOCKED',
  retryAfterMs: number,
  what: string,
): SignInResult {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return {
    outcome: 'refused',
    error: {
      field: '',
      code,
      message:
        `Too many failed sign-ins ${what}; try again in ${minutes} minute(s)` +
        (code === 'ACCOUNT_LOCKED' ? ', or ask an admin to clear the lock' : ''),
    },
  };
}
