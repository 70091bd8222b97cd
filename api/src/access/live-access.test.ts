/**
 * The registry of open connections: an announcement closes exactly the connections of the
 * caller it names (a token, a session, or every session of a user), with 4403 and a reason;
 * a re-check closes those whose credentials no longer hold, and keeps them open through an
 * outage. The database side and real sockets are covered in tests/tokens.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { createLogger } from '../platform/logger.ts';
import type { Authentication } from './authenticate.ts';
import type { Caller, TokenCaller, UserCaller } from './callers.ts';
import { createLiveAccess, type LiveConnection } from './live-access.ts';
import type { Permission } from './permissions.ts';

const origin = { address: null, userAgent: null };

function tokenCaller(tokenId: string, permissions: Permission[] = ['stock:read']): TokenCaller {
  const actor = `token:${tokenId}`;
  const held = new Set(permissions);
  return {
    kind: 'token',
    actor,
    label: actor,
    tokenId,
    expiresAt: null,
    permissions: held,
    ...origin,
  };
}

function userCaller(userId: string, sessionId: string): UserCaller {
  return {
    kind: 'user',
    actor: `user:${userId}`,
    label: `person ${userId}`,
    userId,
    sessionId,
    csrfToken: 'csrf',
    mustChangePassword: false,
    permissions: new Set(['stock:read']),
    ...origin,
  };
}

function connectionOf(caller: Caller) {
  const closes: { code: number; reason: string }[] = [];
  const connection: LiveConnection = {
    caller,
    credentials: { authorization: `Bearer ${caller.actor}`, cookie: undefined, origin },
    close: (code, reason) => closes.push({ code, reason }),
  };
  return { connection, closes };
}

function registry(authenticate: (authorization: string) => Authentication) {
  return createLiveAccess({
    db: { query: () => Promise.reject(new Error('no database in this test')) },
    logger: createLogger('silent'),
    recheckIntervalMs: 3_600_000,
    authenticate: (_db, credentials) =>
      Promise.resolve(authenticate(credentials.authorization ?? '')),
  });
}

describe('live access', () => {
  it('closes the connections of the token, session or user an announcement names', () => {
    const access = registry(() => ({ outcome: 'refused', reason: 'unused' }));
    const token = connectionOf(tokenCaller('5'));
    const otherToken = connectionOf(tokenCaller('6'));
    const phone = connectionOf(userCaller('3', 'a1'));
    const laptop = connectionOf(userCaller('3', 'b2'));
    for (const { connection } of [token, otherToken, phone, laptop]) {
      access.track(connection);
    }

    access.hear('{"kind":"token","id":"5"}');
    access.hear('{"kind":"session","id":"a1"}');
    const afterSession = access.openCount('user:3');
    access.hear('{"kind":"user","id":"3"}');
    access.hear('{"kind":"user","id":"3"}');
    access.hear('not json');
    access.stop();

    expect(token.closes).toEqual([{ code: 4403, reason: 'API token revoked' }]);
    expect(phone.closes).toEqual([{ code: 4403, reason: 'Session ended' }]);
    expect(laptop.closes).toEqual([{ code: 4403, reason: 'User disabled' }]);
    expect(otherToken.closes).toEqual([]);
    expect(afterSession).toBe(1);
    expect([access.openCount('user:3'), access.openCount('token:6')]).toEqual([0, 1]);
  });

  it('closes on re-check what no longer authenticates or lost a permission', async () => {
    const now: Record<string, Authentication> = {
      'Bearer token:1': { outcome: 'refused', reason: 'expired' },
      'Bearer token:2': { outcome: 'authenticated', caller: tokenCaller('2', ['stock:read']) },
      'Bearer token:3': {
        outcome: 'authenticated',
        caller: tokenCaller('3', ['stock:read', 'stock:write']),
      },
    };
    const access = registry((authorization) => {
      const answer = now[authorization];
      if (answer === undefined) {
        throw new Error('database unreachable');
      }
      return answer;
    });
    const expired = connectionOf(tokenCaller('1'));
    const narrowed = connectionOf(tokenCaller('2', ['stock:read', 'stock:write']));
    const unchanged = connectionOf(tokenCaller('3', ['stock:read', 'stock:write']));
    const unreachable = connectionOf(tokenCaller('4'));
    for (const { connection } of [expired, narrowed, unchanged, unreachable]) {
      access.track(connection);
    }

    const closed = await access.recheck();
    access.stop();

    expect(closed).toBe(2);
    expect(expired.closes).toEqual([{ code: 4403, reason: 'Credentials no longer valid' }]);
    expect(narrowed.closes).toEqual([{ code: 4403, reason: 'Permissions reduced; reconnect' }]);
    expect([unchanged.closes, unreachable.closes]).toEqual([[], []]);
  });
});
