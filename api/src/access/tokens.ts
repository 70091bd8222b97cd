/**
 * API tokens: random secrets shown once and stored only as a SHA-256 hash (they carry enough
 * entropy that a slow password hash adds nothing). A request names its token in
 * `Authorization: Bearer <token>`; the caller it resolves to is who every change is recorded
 * against. A token's scopes are permissions (permissions.ts); QM_ADMIN_TOKEN has all of them.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { Queryable } from '../platform/transaction.ts';
import { permissionsOfScopes, type RequestOrigin, type TokenCaller } from './callers.ts';
import { permissions, type Permission } from './permissions.ts';

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
    `INSERT INTO api_tokens (name, token_hash, scopes) VALUES ('QM_ADMIN_TOKEN', $1, $2)
     ON CONFLICT (token_hash) DO UPDATE SET scopes = excluded.scopes, revoked_at = NULL`,
    [hashToken(token), [...scopes]],
  );
}

export async function createToken(
  db: Queryable,
  input: { name: string; scopes: Scope[]; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  const token = generateToken();
  const created = await db.query<{ id: string }>(
    `INSERT INTO api_tokens (name, token_hash, scopes, expires_at) VALUES ($1, $2, $3, $4)
     RETURNING id::text`,
    [input.name, hashToken(token), input.scopes, input.expiresAt ?? null],
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
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Every token, newest first; never the secret, which is not stored. */
export async function listTokens(db: Queryable): Promise<TokenSummary[]> {
  const found = await db.query<TokenSummary>(
    `SELECT id::text, name, scopes, created_at AS "createdAt", expires_at AS "expiresAt",
       revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
     FROM api_tokens ORDER BY id DESC`,
  );
  return found.rows;
}

/** Revokes a token from now on; answers false when no live token has that id. */
export async function revokeToken(db: Queryable, tokenId: string): Promise<boolean> {
  if (!/^\d{1,18}$/.test(tokenId)) {
    return false;
  }
  const revoked = await db.query(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [tokenId],
  );
  return revoked.rowCount === 1;
}
