/**
 * API tokens: random secrets shown once and stored only as a SHA-256 hash (they carry enough
 * entropy that a slow password hash adds nothing). A request names its token in
 * `Authorization: Bearer <token>`; the caller it resolves to is who every change is recorded
 * against. A token's scopes are permissions (permissions.ts); QM_ADMIN_TOKEN has all of them.
 * A token may expire; a revoked or expired token is refused from the next request on. Who may
 * create and revoke tokens is the policy's business (tokens-graphql.ts), not this file's.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { Queryable } from '../platform/transaction.ts';
import { permissionsOfScopes, type RequestOrigin, type TokenCaller } from './callers.ts';
import { isPermission, permissions, type Permission } from './permissions.ts';

/** The scopes a token can carry: exactly the permissions. */
export const scopes = permissions;
export type Scope = Permission;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return `qm_${randomBytes(24).toString('base64url')}`;
}

/** Makes sure a token with this value exists with every scope (QM_ADMIN_TOKEN). */
export async function ensureAdminToken(db: Queryable, token: string): Promise<void> {
  await db.query(
    `INSERT INTO api_tokens (name, token_hash, scopes, created_by)
     VALUES ('QM_ADMIN_TOKEN', $1, $2, 'system')
     ON CONFLICT (token_hash) DO UPDATE SET scopes = excluded.scopes, revoked_at = NULL`,
    [hashToken(token), [...scopes]],
  );
}

/** The longest name a token may have, in characters. */
export const tokenNameLengthMax = 100;

/** Why a token cannot be created or revoked; the GraphQL enum TokenErrorCode mirrors these. */
export const tokenErrorCodes = [
  'NAME_REQUIRED',
  'NAME_TOO_LONG',
  'SCOPE_REQUIRED',
  'SCOPE_UNKNOWN',
  'EXPIRY_IN_PAST',
  'EXPIRY_INVALID',
  'TOKEN_NOT_FOUND',
  'ALREADY_REVOKED',
] as const;
export type TokenErrorCode = (typeof tokenErrorCodes)[number];

export interface TokenError {
  /** The input field at fault. */
  field: string;
  code: TokenErrorCode;
  message: string;
}

export interface TokenInput {
  name: string;
  scopes: readonly string[];
  expiresAt?: Date | null;
}

/** What is wrong with a token to be created, checked in a fixed order; empty when nothing. */
export function tokenInputErrors(input: TokenInput, now = new Date()): TokenError[] {
  const errors: TokenError[] = [];
  const name = input.name.trim();
  if (name === '') {
    errors.push({ field: 'name', code: 'NAME_REQUIRED', message: 'Give the token a name' });
  } else if (name.length > tokenNameLengthMax) {
    const message = `A token's name is at most ${tokenNameLengthMax} characters`;
    errors.push({ field: 'name', code: 'NAME_TOO_LONG', message });
  }

  const unknown = input.scopes.filter((scope) => !isPermission(scope));
  if (input.scopes.length === 0) {
    const message = `Name at least one scope (${scopes.join(', ')})`;
    errors.push({ field: 'scopes', code: 'SCOPE_REQUIRED', message });
  } else if (unknown.length > 0) {
    const message = `Unknown scope(s) ${unknown.join(', ')}; scopes are ${scopes.join(', ')}`;
    errors.push({ field: 'scopes', code: 'SCOPE_UNKNOWN', message });
  }

  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && Number.isNaN(expiresAt.getTime())) {
    const message = 'The expiry is not a date and time';
    errors.push({ field: 'expiresAt', code: 'EXPIRY_INVALID', message });
  } else if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
    const message = `The expiry ${expiresAt.toISOString()} is not in the future`;
    errors.push({ field: 'expiresAt', code: 'EXPIRY_IN_PAST', message });
  }
  return errors;
}

/**
 * Stores a new token and answers its secret, the only time it exists outside the caller's
 * hands. The input is not checked here: callers check it with tokenInputErrors first, and the
 * database refuses a blank name or an unknown scope regardless.
 */
export async function createToken(
  db: Queryable,
  input: TokenInput & { createdBy?: string | null },
): Promise<{ id: string; token: string }> {
  const token = generateToken();
  const created = await db.query<{ id: string }>(
    `INSERT INTO api_tokens (name, token_hash, scopes, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING id::text`,
    [
      input.name.trim(),
      hashToken(token),
      [...new Set(input.scopes)],
      input.expiresAt ?? null,
      input.createdBy ?? null,
    ],
  );
  return { id: created.rows[0]?.id ?? '', token };
}

/** The caller a bearer header names, or null when it names no live token. */
export async function authenticate(
  db: Queryable,
  authorization: string | undefined | null,
  origin: RequestOrigin = { address: null, userAgent: null },
): Promise<TokenCaller | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match?.[1] === undefined) {
    return null;
  }

  // last_used_at is written at most once a minute per token, not on every request.
  const found = await db.query<{
    id: string;
    name: string;
    scopes: string[];
    expires_at: Date | null;
  }>(
    `WITH live AS (
       SELECT id, name, scopes, expires_at, last_used_at FROM api_tokens
       WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
     touched AS (
       UPDATE api_tokens t SET last_used_at = now() FROM live
       WHERE t.id = live.id AND (live.last_used_at IS NULL
         OR live.last_used_at < now() - interval '1 minute'))
     SELECT id::text, name, scopes, expires_at FROM live`,
    [hashToken(match[1])],
  );
  const row = found.rows[0];
  if (row === undefined) {
    return null;
  }
  return {
    kind: 'token',
    actor: `token:${row.id}`,
    label: row.name,
    tokenId: row.id,
    permissions: permissionsOfScopes(row.scopes),
    expiresAt: row.expires_at,
    ...origin,
  };
}

export interface TokenSummary {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  /** The actor who created it (`user:3`, `token:5`, `cli:ana`, `system`); null if unknown. */
  createdBy: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** Neither revoked nor expired at the time it was read. */
  isActive: boolean;
}

const summaryColumns = `id::text, name, scopes, created_at AS "createdAt",
  created_by AS "createdBy", expires_at AS "expiresAt", revoked_at AS "revokedAt",
  last_used_at AS "lastUsedAt",
  (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS "isActive"`;

/** Every token, newest first; never the secret, which is not stored. */
export async function listTokens(db: Queryable): Promise<TokenSummary[]> {
  const found = await db.query<TokenSummary>(
    `SELECT ${summaryColumns} FROM api_tokens ORDER BY api_tokens.id DESC`,
  );
  return found.rows;
}

export async function findToken(db: Queryable, tokenId: string): Promise<TokenSummary | null> {
  if (!isRowId(tokenId)) {
    return null;
  }
  const found = await db.query<TokenSummary>(
    `SELECT ${summaryColumns} FROM api_tokens WHERE id = $1`,
    [tokenId],
  );
  return found.rows[0] ?? null;
}

export type RevokeOutcome = 'revoked' | 'not_found' | 'already_revoked';

/**
 * Revokes a token from now on. Its open WebSocket connections, in every API process, are
 * closed by the database's announcement of the change (see live-access.ts), not from here.
 */
export async function revokeToken(db: Queryable, tokenId: string): Promise<RevokeOutcome> {
  if (!isRowId(tokenId)) {
    return 'not_found';
  }
  const revoked = await db.query<{ was_revoked: boolean }>(
    `WITH target AS (SELECT id, revoked_at IS NOT NULL AS was_revoked FROM api_tokens
                     WHERE id = $1 FOR UPDATE),
          revoked AS (UPDATE api_tokens t SET revoked_at = now() FROM target
                      WHERE t.id = target.id AND NOT target.was_revoked)
     SELECT was_revoked FROM target`,
    [tokenId],
  );
  const row = revoked.rows[0];
  if (row === undefined) {
    return 'not_found';
  }
  return row.was_revoked ? 'already_revoked' : 'revoked';
}

function isRowId(value: string): boolean {
  return /^\d{1,18}$/.test(value);
}
