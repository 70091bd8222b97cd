/**
 * Resolves the caller of an HTTP request or a WebSocket connection, the same way for both: an
 * `Authorization: Bearer` value names an API token; without one, a `qm_session` cookie names a
 * signed-in person; with neither, the request is anonymous. A bearer value that names no live
 * token is refused outright rather than treated as anonymous, so a mistyped or revoked token
 * is reported as such. A cookie naming no live session (ended, expired, forged, or of a
 * disabled person) is anonymous instead: the browser holding it simply has to sign in again.
 *
 * The CSRF check of cookie-authenticated mutations is not here but where the operation type
 * is known (app/server.ts).
 */
import type { Queryable } from '../platform/transaction.ts';
import { anonymousCaller, type Caller, type RequestOrigin } from './callers.ts';
import { authenticateSession } from './sessions.ts';
import { authenticate } from './tokens.ts';

export interface Credentials {
  /** The Authorization header, or the `authorization` of a WebSocket's init payload. */
  authorization: string | undefined;
  /** The raw Cookie header. */
  cookie: string | undefined;
  origin: RequestOrigin;
}

export type Authentication =
  { outcome: 'authenticated'; caller: Caller } | { outcome: 'refused'; reason: string };

export async function authenticateCaller(
  db: Queryable,
  credentials: Credentials,
): Promise<Authentication> {
  if (credentials.authorization !== undefined) {
    const caller = await authenticate(db, credentials.authorization, credentials.origin);
    return caller === null
      ? { outcome: 'refused', reason: 'Send Authorization: Bearer <token> with a valid API token' }
      : { outcome: 'authenticated', caller };
  }

  const person = await authenticateSession(db, credentials.cookie, credentials.origin);
  if (person !== null) {
    return { outcome: 'authenticated', caller: person };
  }

  return { outcome: 'authenticated', caller: anonymousCaller(credentials.origin) };
}
