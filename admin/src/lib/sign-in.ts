/**
 * Checking a token before the admin keeps it: one cheap query with it, over HTTP only. What a
 * refusal means is the AdminError's to say; the sign-in form shows it beside the field.
 */
import { graphql } from '$lib/gql';

import { toAdminError, type AdminError } from './api/admin-error';
import { makeHttpClient } from './api/client';

export const signInCheckQuery = graphql(`
  query SignInCheck {
    locations {
      id
    }
  }
`);

/**
 * A token as a person may paste it: with the newline the token file ends in, or with the
 * `Bearer ` prefix copied from a request.
 */
export function tokenFromInput(input: string): string {
  return input.trim().replace(/^Bearer\s+/i, '');
}

/** Null when the API accepts the token for reading stock; otherwise why not. */
export async function checkToken(token: string): Promise<AdminError | null> {
  const result = await makeHttpClient(token).query(signInCheckQuery, {}).toPromise();
  return result.error === undefined ? null : toAdminError(result.error);
}
