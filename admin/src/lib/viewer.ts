/**
 * Signing in and out, changing one's password, and asking the API who is signed in, over HTTP
 * outside any screen's client. Each answers what the forms need: the viewer, or a refusal
 * written for the person (a failure the banner handles is reported to the one error handler).
 *
 * Deliberately not here: the session's state (session.svelte.ts) and where people are sent
 * afterwards (the layout and the forms).
 */
import type { Client } from '@urql/core';

import { graphql } from '$lib/gql';

import { refusalOf, toAdminError, type AdminError, type PayloadError } from './api/admin-error';
import { makeHttpClient } from './api/client';
import { reportError } from './api/problem.svelte';
import { session, type Viewer } from './session.svelte';

export const viewerFields = graphql(`
  fragment ViewerFields on Viewer {
    kind
    permissions
    csrfToken
    user {
      id
      email
      name
      roles
      mustChangePassword
    }
  }
`);

export const viewerQuery = graphql(`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
`);

export const signInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      viewer {
        ...ViewerFields
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

export const signOutMutation = graphql(`
  mutation SignOut {
    signOut {
      signedOut
      errors {
        field
        code
        message
      }
    }
  }
`);

export const changePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      viewer {
        ...ViewerFields
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

/** A form's refusal: what to tell the person, and which field it is about (null for all). */
export interface Refusal {
  code: string;
  field: string | null;
  message: string;
}

// One client for all of these: it holds no session of its own (the cookie is the browser's).
let httpClient: Client | null = null;

function client(): Client {
  httpClient ??= makeHttpClient();
  return httpClient;
}

/**
 * Asks the API who this browser's cookie belongs to and records the answer in the session.
 * A person who cannot be told (the API is unreachable) is treated as signed out, and the
 * banner says why.
 */
export async function loadViewer(): Promise<void> {
  const result = await client().query(viewerQuery, {}).toPromise();
  if (result.error !== undefined || result.data === undefined) {
    const error = toAdminError(result.error ?? new Error('the API answered without any data'));
    session.signedOut(error.kind === 'unauthenticated' ? error.message : null);
    if (error.kind !== 'unauthenticated') {
      reportError(error);
    }
    return;
  }

  const viewer = result.data.viewer;
  if (
    viewer !== null &&
    viewer !== undefined &&
    viewer.user !== null &&
    viewer.user !== undefined
  ) {
    session.signedIn(viewer);
  } else {
    session.signedOut(session.signOutReason);
  }
}

/** An answer slower than this is the API's deliberate wait after failed attempts. */
const signInSlowAfterMs = 800;

/**
 * Signs in; the new session's viewer, or why not. After a few failures the API waits before it
 * checks a password; `onSlow` hears when the answer is taking that long, so the form can say so.
 */
export async function signIn(
  email: string,
  password: string,
  onSlow: () => void = () => undefined,
): Promise<Viewer | Refusal> {
  const slowTimer = setTimeout(onSlow, signInSlowAfterMs);
  const result = await client().mutation(signInMutation, { email, password }).toPromise();
  clearTimeout(slowTimer);
  if (result.error !== undefined || result.data === undefined) {
    return failureRefusal(result.error);
  }

  const { viewer, errors } = result.data.signIn;
  const [refused] = errors;
  if (refused !== undefined) {
    return { code: refused.code, field: fieldOf(refused), message: signInMessage(refused) };
  }
  if (viewer === null || viewer === undefined) {
    return failureRefusal(new Error('the API signed in nobody'));
  }
  session.signedIn(viewer);
  return viewer;
}

/**
 * Ends the session on the API as well as here. Even when the API cannot be told, the admin
 * forgets the session, and the banner says the cookie may still be live.
 */
export async function signOut(): Promise<void> {
  const result = await client().mutation(signOutMutation, {}).toPromise();
  session.signedOut();
  const problem =
    result.error === undefined ? refusalOf(result.data?.signOut.errors ?? []) : result.error;
  if (problem !== null) {
    const reason = toAdminError(problem).message;
    reportError(new Error(`Signing out on the server failed (${reason}); close the browser.`));
  }
}

/** Changes the signed-in person's password; null once done, or why not. */
export async function changePassword(
  currentPassword: string,
  newPassword: string,
): Promise<Refusal | null> {
  const variables = { currentPassword, newPassword };
  const result = await client().mutation(changePasswordMutation, variables).toPromise();
  if (result.error !== undefined || result.data === undefined) {
    return failureRefusal(result.error);
  }

  const { viewer, errors } = result.data.changePassword;
  const [refused] = errors;
  if (refused !== undefined) {
    return { code: refused.code, field: fieldOf(refused), message: refused.message };
  }

  // The session changes with the password: its must-change mark, perhaps its CSRF token.
  if (viewer === null || viewer === undefined) {
    return failureRefusal(new Error('the API changed the password but describes no session'));
  }
  session.refreshed(viewer);
  return null;
}

/**
 * What a refused sign-in tells the person. A wrong password and an unknown email read the same
 * on purpose (the API answers both alike, so a stranger cannot learn which addresses have
 * accounts). A lock keeps the API's own words, which say for how long.
 */
function signInMessage(error: PayloadError): string {
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return 'That email and password do not match. Check both and try again.';
    case 'ACCOUNT_LOCKED':
      return `Signing in to this account is locked. ${sentence(error.message)}`;
    case 'ADDRESS_BLOCKED':
      return `Signing in from this network is blocked. ${sentence(error.message)}`;
    default:
      return sentence(error.message);
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The field a refusal is about; the API names the whole request with ''. */
function fieldOf(error: PayloadError): string | null {
  return error.field === null || error.field === '' ? null : error.field;
}

function failureRefusal(error: unknown): Refusal {
  const adminError: AdminError = toAdminError(error);
  return { code: adminError.kind, field: null, message: adminError.message };
}
