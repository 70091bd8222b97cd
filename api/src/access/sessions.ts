/**
 * Sessions: what a browser holds after a person signs in. The `qm_session` cookie carries a
 * random secret (HTTP-only, SameSite=Strict); the database keeps only its SHA-256, beside a
 * CSRF token the admin sends back in `X-CSRF-Token` on every mutation.
 *
 * A session ends at sign-out, after the idle timeout, at its absolute limit, or when ended for
 * the person (by an admin, a password change or reset, or disabling them). Ending is always an
 * UPDATE of `ended_at`, so a database trigger can tell open WebSocket connections; closing
 * those connections is not done here.
 */
import { createHash, randomBytes } from 'node:crypto';

import { parse as parseCookies, serialize as serializeCookie } from 'cookie';

import type { Queryable } from '../platform/transaction.ts';
import type { RequestOrigin, UserCaller } from './callers.ts';
import { permissionsOfRoles, type Role } from './permissions.ts';

export const sessionCookieName = 'qm_session';

export interface SessionSettings {
  /** A session without a request for this long ends. */
  idleTimeoutMs: number;
  /** A session ends this long after sign-in, however busy. */
  lifetimeMaxMs: number;
  /** Send the cookie over HTTPS only. */
  cookieSecure: boolean;
}

export type SessionEndReason =
  | 'signed_out'
  | 'expired'
  | 'ended_by_admin'
  | 'password_changed'
  | 'password_reset'
  | 'user_disabled';

export interface NewSession {
  id: string;
  /** The cookie's value: shown to the browser once, stored only as a hash. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function createSession(
  db: Queryable,
  input: { userId: string; origin: RequestOrigin },
  settings: SessionSettings,
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const created = await db.query<{ id: string; expires_at: Date }>(
    `INSERT INTO sessions (token_hash, user_id, csrf_token, idle_timeout, expires_at, address,
       user_agent)
     VALUES ($1, $2, $3, make_interval(secs => $4::double precision / 1000),
       now() + make_interval(secs => $5::double precision / 1000), $6, $7)
     RETURNING id::text, expires_at`,
    [
      hashSessionToken(token),
      input.userId,
      csrfToken,
      settings.idleTimeoutMs,
      settings.lifetimeMaxMs,
      input.origin.address,
      input.origin.userAgent?.slice(0, 500) ?? null,
    ],
  );
  const row = created.rows[0];
  if (row === undefined) {
    throw new Error('creating a session returned no row');
  }
  return { id: row.id, token, csrfToken, expiresAt: row.expires_at };
}

/** The Set-Cookie value that hands a new session to the browser. */
export function sessionCookie(session: NewSession, settings: SessionSettings): string {
  return serializeCookie(sessionCookieName, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: settings.cookieSecure,
    expires: session.expiresAt,
  });
}

/** The Set-Cookie value that makes the browser forget its session. */
export function clearedSessionCookie(settings: SessionSettings): string {
  return serializeCookie(sessionCookieName, '', {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: settings.cookieSecure,
    expires: new Date(0),
  });
}

/** The session secret a Cookie header carries, if any. */
export function sessionTokenOf(cookieHeader: string | undefined): string | null {
  if (cookieHeader === undefined || cookieHeader === '') {
    return null;
  }
  const token = parseCookies(cookieHeader)[sessionCookieName];
  // 32 random bytes in base64url: anything else was never given out.
  return token !== undefined && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : null;
}

/**
 * The person a session cookie names, or null when it names no live session of an enabled
 * person. A session found past its idle or absolute limit is ended as 'expired' on the way.
 * last_seen_at is written at most once a minute, not on every request.
 */
export async function authenticateSession(
  db: Queryable,
  cookieHeader: string | undefined,
  origin: RequestOrigin,
): Promise<UserCaller | null> {
  const token = sessionTokenOf(cookieHeader);
  if (token === null) {
    return null;
  }

  const found = await db.query<{
    session_id: string;
    user_id: string;
    csrf_token: string;
    email: string;
    roles: Role[];
    must_change_password: boolean;
  }>(
    `WITH found AS (
       SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, u.email, u.roles,
         u.must_change_password, u.disabled_at IS NOT NULL AS disabled,
         (s.expires_at <= now() OR s.last_seen_at + s.idle_timeout <= now()) AS expired
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.ended_at IS NULL),
     expired AS (
       UPDATE sessions s SET ended_at = now(), ended_reason = 'expired' FROM found
       WHERE s.id = found.id AND found.expired AND s.ended_at IS NULL),
     touched AS (
       UPDATE sessions s SET last_seen_at = now() FROM found
       WHERE s.id = found.id AND NOT found.expired AND NOT found.disabled
         AND found.last_seen_at < now() - interval '1 minute')
     SELECT id::text AS session_id, user_id::text, csrf_token, email, roles, must_change_password
     FROM found WHERE NOT expired AND NOT disabled`,
    [hashSessionToken(token)],
  );
  const row = found.rows[0];
  if (row === undefined) {
    return null;
  }
  return {
    kind: 'user',
    actor: `user:${row.user_id}`,
    label: row.email,
    userId: row.user_id,
    sessionId: row.session_id,
    csrfToken: row.csrf_token,
    mustChangePassword: row.must_change_password,
    // Until a reset password is replaced the session holds nothing but the right to change it.
    permissions: row.must_change_password ? new Set() : permissionsOfRoles(row.roles),
    ...origin,
  };
}

export async function endSession(
  db: Queryable,
  sessionId: string,
  reason: SessionEndReason,
): Promise<boolean> {
  const ended = await db.query(
    `UPDATE sessions SET ended_at = now(), ended_reason = $2
     WHERE id = $1 AND ended_at IS NULL`,
    [sessionId, reason],
  );
  return ended.rowCount === 1;
}

/** Ends every live session of a person, except the one named; answers how many ended. */
export async function endSessionsOfUser(
  db: Queryable,
  userId: string,
  reason: SessionEndReason,
  exceptSessionId: string | null = null,
): Promise<number> {
  const ended = await db.query(
    `UPDATE sessions SET ended_at = now(), ended_reason = $2
     WHERE user_id = $1 AND ended_at IS NULL AND ($3::bigint IS NULL OR id <> $3::bigint)`,
    [userId, reason, exceptSessionId],
  );
  return ended.rowCount ?? 0;
}

export interface SessionSummary {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  address: string | null;
  userAgent: string | null;
}

/** A person's sessions that are neither ended nor past a limit, newest first. */
export async function liveSessionsOf(db: Queryable, userId: string): Promise<SessionSummary[]> {
  const found = await db.query<SessionSummary>(
    `SELECT id::text, created_at AS "createdAt", last_seen_at AS "lastSeenAt",
       expires_at AS "expiresAt", address, user_agent AS "userAgent"
     FROM sessions
     WHERE user_id = $1 AND ended_at IS NULL AND expires_at > now()
       AND last_seen_at + idle_timeout > now()
     ORDER BY sessions.id DESC`,
    [userId],
  );
  return found.rows;
}
