/**
 * The CSRF decision for a mutation, by kind of caller, header and origin.
 */
import { describe, expect, it } from 'vitest';

import { anonymousCaller, type TokenCaller, type UserCaller } from './callers.ts';
import { csrfRefusal, isAllowedSocketOrigin } from './csrf.ts';

const origin = { address: '127.0.0.1', userAgent: null };
const allowed = ['http://localhost:3000'];
const person: UserCaller = {
  kind: 'user',
  actor: 'user:1',
  label: 'ann@example.com',
  userId: '1',
  sessionId: '1',
  csrfToken: 'token-of-the-session',
  mustChangePassword: false,
  permissions: new Set(),
  ...origin,
};
const token: TokenCaller = {
  kind: 'token',
  actor: 'token:1',
  label: 'integration',
  tokenId: '1',
  expiresAt: null,
  permissions: new Set(),
  ...origin,
};

describe('csrfRefusal', () => {
  it('lets a session mutation through with its token, from the admin or with no Origin', () => {
    for (const from of [undefined, 'http://localhost:3000']) {
      expect(
        csrfRefusal({ caller: person, origin: from, csrfToken: 'token-of-the-session' }, allowed),
      ).toBeNull();
    }
  });

  it('refuses a session mutation without its token, with another, or from elsewhere', () => {
    const cases = [
      { caller: person, origin: undefined, csrfToken: undefined },
      { caller: person, origin: undefined, csrfToken: 'token-of-the-sessioN' },
      { caller: person, origin: undefined, csrfToken: 'short' },
      { caller: person, origin: 'https://evil.example', csrfToken: 'token-of-the-session' },
      { caller: anonymousCaller(origin), origin: 'https://evil.example', csrfToken: undefined },
    ];
    for (const request of cases) {
      expect(csrfRefusal(request, allowed)?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        http: { status: 403 },
      });
    }
  });

  it('leaves API tokens alone', () => {
    expect(
      csrfRefusal({ caller: token, origin: 'https://evil.example', csrfToken: undefined }, allowed),
    ).toBeNull();
  });
});

describe('isAllowedSocketOrigin', () => {
  it('refuses a cookie socket from a foreign origin only', () => {
    expect(isAllowedSocketOrigin(person, 'https://evil.example', allowed)).toBe(false);
    expect(isAllowedSocketOrigin(person, 'http://localhost:3000', allowed)).toBe(true);
    expect(isAllowedSocketOrigin(person, undefined, allowed)).toBe(true);
    expect(isAllowedSocketOrigin(token, 'https://evil.example', allowed)).toBe(true);
  });
});
