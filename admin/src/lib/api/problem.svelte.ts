/**
 * The admin's one error handler. Every failure (from a query, a subscription, a mutation's
 * payload, or the admin's own code) is reported here and turned into an AdminError; a refused
 * session signs the person out and sends them to the sign-in form with the reason, and anything
 * else becomes the one problem the layout shows in its banner until it is dismissed or, for a
 * network problem, until the API answers again.
 */
import { goto } from '$app/navigation';
import { resolve } from '$app/paths';

import { session } from '../session.svelte';
import { toAdminError, type AdminError, type AdminErrorKind } from './admin-error';

class Problem {
  /** What the banner shows; null when all is well. */
  current = $state<AdminError | null>(null);
}

export const problem = new Problem();

/** Handles any failure; returns the AdminError it became, for callers that show it inline. */
export function reportError(error: unknown): AdminError {
  const adminError = toAdminError(error);

  if (adminError.kind === 'unauthenticated') {
    if (session.isSignedIn) {
      session.signedOut(adminError.message);
      problem.current = null;
      void goto(resolve('/sign-in'));
    }
    return adminError;
  }

  problem.current = adminError;
  return adminError;
}

/** Clears the banner, or only a problem of one kind (a network problem once the API answers). */
export function clearProblem(kind?: AdminErrorKind): void {
  if (kind === undefined || problem.current?.kind === kind) {
    problem.current = null;
  }
}
