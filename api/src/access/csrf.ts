/**
 * Cross-site request forgery: a browser sends the session cookie with any request to the API,
 * whichever page made it, so a mutation authenticated by cookie must also prove it came from
 * the admin: it carries the session's CSRF token in `X-CSRF-Token` (which another site cannot
 * read), and its Origin, when the browser sends one, is an allowed origin. Requests with an
 * API token are not affected: a browser never attaches a bearer header on its own.
 */
import { timingSafeEqual } from 'node:crypto';

import { GraphQLError } from 'graphql';

import type { Caller } from './callers.ts';

export const csrfHeader = 'x-csrf-token';

export interface MutationRequest {
  caller: Caller;
  /** The Origin header, if the client sent one. */
  origin: string | undefined;
  /** The X-CSRF-Token header, if the client sent one. */
  csrfToken: string | undefined;
}

/**
 * Why a mutation must not run, or null when it may. An anonymous mutation from a foreign
 * origin is refused too: signing in from another site would plant that site's session.
 */
export function csrfRefusal(
  request: MutationRequest,
  allowedOrigins: string[],
): GraphQLError | null {
  const { caller, origin } = request;
  if (caller.kind === 'token') {
    return null;
  }
  if (origin !== undefined && !allowedOrigins.includes(origin)) {
    return forbidden(`Requests from ${origin.slice(0, 100)} may not change anything here`);
  }
  if (caller.kind === 'user' && !sameSecret(request.csrfToken ?? '', caller.csrfToken)) {
    return forbidden(
      "A mutation with a session cookie must send the session's csrfToken (see viewer) in " +
        'the X-CSRF-Token header',
    );
  }
  return null;
}

/** Whether an upgrade request's Origin may open a WebSocket authenticated by cookie. */
export function isAllowedSocketOrigin(
  caller: Caller,
  origin: string | undefined,
  allowedOrigins: string[],
): boolean {
  return caller.kind !== 'user' || origin === undefined || allowedOrigins.includes(origin);
}

function sameSecret(sent: string, expected: string): boolean {
  const sentBytes = Buffer.from(sent, 'utf8');
  const expectedBytes = Buffer.from(expected, 'utf8');
  // Lengths differ only for a wrong token; the length of a random token is no secret.
  return sentBytes.length === expectedBytes.length && timingSafeEqual(sentBytes, expectedBytes);
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'FORBIDDEN', reason: 'CSRF', http: { status: 403 } },
  });
}
