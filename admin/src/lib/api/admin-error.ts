/**
 * The admin's one error type. Whatever goes wrong (the API cannot be reached, the session has
 * ended, the person's role does not allow something, the API answers with GraphQL errors, a
 * mutation's payload lists refusals, or the answer is not what the admin expected) becomes an
 * AdminError whose message is written for the person at the screen. Deciding what to do with
 * one is the error handler's job, not this file's.
 */
import { CombinedError } from '@urql/core';
import { CloseCode } from 'graphql-ws';

import { apiUrl } from './endpoint';

/**
 * What kind of failure it was, which decides what the person can do about it:
 * - `unauthenticated`: the session expired or was ended; sign in again.
 * - `forbidden`: the person's role does not allow what was asked.
 * - `network`: the API could not be reached; check it is running and the device is online.
 * - `graphql`: the API answered with top-level errors, which mean a bug or an outage.
 * - `refused`: a mutation's payload listed business refusals (`errors: [{ field, code }]`).
 * - `unexpected`: the admin itself failed or the answer made no sense.
 */
export type AdminErrorKind =
  'unauthenticated' | 'forbidden' | 'network' | 'graphql' | 'refused' | 'unexpected';

/** One refusal in a mutation payload, as every payload in the API spells it. */
export interface PayloadError {
  /** The input field it is about; null when it is about the whole request. */
  field: string | null;
  code: string;
  message: string;
}

export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    readonly kind: AdminErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** How graphql-ws closes the socket when the server's onConnect refuses the session. */
export const socketForbiddenCode: number = CloseCode.Forbidden;

/** Turns anything thrown or reported into an AdminError; an AdminError passes through. */
export function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) {
    return error;
  }
  if (error instanceof CombinedError) {
    return fromCombinedError(error);
  }
  if (isCloseEventLike(error)) {
    return fromSocketClose(error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AdminError('unexpected', `Something went wrong in the admin: ${message}`, {
    cause: error,
  });
}

/** The refusals of a mutation payload as one AdminError, or null when there are none. */
export function refusalOf(errors: readonly PayloadError[]): AdminError | null {
  if (errors.length === 0) {
    return null;
  }
  const message = errors.map((error) => error.message).join(' ');
  return new AdminError('refused', message, { cause: errors });
}

function fromCombinedError(error: CombinedError): AdminError {
  const isUnauthenticated =
    (error.response as { status?: number } | undefined)?.status === 401 ||
    error.graphQLErrors.some((graphqlError) => graphqlError.extensions.code === 'UNAUTHENTICATED');
  if (isUnauthenticated) {
    return unauthenticated(error);
  }
  const refusal = error.graphQLErrors.find(
    (graphqlError) => graphqlError.extensions.code === 'FORBIDDEN',
  );
  if (refusal !== undefined) {
    return new AdminError('forbidden', `Not available to your role: ${refusal.message}`, {
      cause: error,
    });
  }
  if (isCloseEventLike(error.networkError)) {
    return fromSocketClose(error.networkError);
  }
  if (error.networkError !== undefined) {
    return unreachable(error);
  }

  const messages = error.graphQLErrors.map((graphqlError) => graphqlError.message);
  return new AdminError('graphql', `The API could not answer: ${messages.join('; ')}`, {
    cause: error,
  });
}

function fromSocketClose(event: CloseEventLike): AdminError {
  if (event.code === socketForbiddenCode) {
    return unauthenticated(event);
  }
  const reason = event.reason ? `: ${event.reason}` : '';
  return new AdminError(
    'network',
    `The live connection to the API closed (code ${event.code}${reason}).`,
    { cause: event },
  );
}

function unauthenticated(cause: unknown): AdminError {
  return new AdminError(
    'unauthenticated',
    'Your session has ended: it expired, you signed out elsewhere, or an administrator ' +
      'ended it. Sign in again to carry on.',
    { cause },
  );
}

function unreachable(cause: unknown): AdminError {
  return new AdminError(
    'network',
    `Cannot reach the Quartermaster API at ${apiUrl()}. ` +
      'Check that it is running and that this device is online.',
    { cause },
  );
}

interface CloseEventLike {
  code: number;
  reason: string;
}

// A browser CloseEvent, or graphql-ws's own stand-in for one; neither is an Error.
function isCloseEventLike(value: unknown): value is CloseEventLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    typeof (value as { reason?: unknown }).reason === 'string'
  );
}
