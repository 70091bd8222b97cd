/**
 * Who is making a request. Every request resolves to exactly one caller before anything runs:
 * a person signed in through a session cookie, an API token named in the Authorization header,
 * or nobody. Rules in the policy are decided against the caller's permissions only; the rest
 * says who to record in the audit trail and the ledger.
 */
import { permissions, type Permission } from './permissions.ts';

interface CallerBase {
  /** How the caller appears in the ledger and logs: `user:<id>`, `token:<id>`, `anonymous`. */
  actor: string;
  /** A name a person recognises: the user's email or the token's name. */
  label: string;
  permissions: ReadonlySet<Permission>;
  /** The address the request came from, as the server saw it. */
  address: string | null;
  userAgent: string | null;
}

export interface AnonymousCaller extends CallerBase {
  kind: 'anonymous';
}

export interface UserCaller extends CallerBase {
  kind: 'user';
  userId: string;
  sessionId: string;
  /** Compared with the X-CSRF-Token header of every cookie-authenticated mutation. */
  csrfToken: string;
  /**
   * Set after an admin reset the password: until the person chooses a new one, the session
   * holds no permissions, so only the rules open to any signed-in caller pass.
   */
  mustChangePassword: boolean;
}

export interface TokenCaller extends CallerBase {
  kind: 'token';
  tokenId: string;
  expiresAt: Date | null;
}

export type Caller = AnonymousCaller | UserCaller | TokenCaller;

export interface RequestOrigin {
  address: string | null;
  userAgent: string | null;
}

export function anonymousCaller(origin: RequestOrigin): AnonymousCaller {
  return {
    kind: 'anonymous',
    actor: 'anonymous',
    label: 'anonymous',
    permissions: new Set(),
    ...origin,
  };
}

/** A token's scopes as permissions: the `admin` scope holds every permission. */
export function permissionsOfScopes(scopes: readonly string[]): Set<Permission> {
  if (scopes.includes('admin')) {
    return new Set(permissions);
  }
  return new Set(permissions.filter((permission) => scopes.includes(permission)));
}
