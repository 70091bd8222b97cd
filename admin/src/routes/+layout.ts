// Every screen's gate. The first load asks the API who this browser's session cookie belongs
// to; signed-out people go to the sign-in form (and come back afterwards), a signed-in person
// has no business there, and a person whose password was reset goes to change it first.
import { redirect } from '@sveltejs/kit';

import { resolve } from '$app/paths';
import { session } from '$lib/session.svelte';
import { loadViewer } from '$lib/viewer';

import type { LayoutLoad } from './$types';

// The session is a cookie on the API's origin, which the admin's own server never sees: the
// admin renders in the browser only, and the server just hands out the app.
export const ssr = false;

export const load: LayoutLoad = async ({ route, url }) => {
  if (session.status === 'unknown') {
    await loadViewer();
  }

  const isSignInPage = route.id === '/sign-in';
  const isPasswordPage = route.id === '/account/password';
  const here = encodeURIComponent(`${url.pathname}${url.search}`);
  if (!session.isSignedIn && !isSignInPage) {
    redirect(307, `${resolve('/sign-in')}?next=${here}`);
  }
  if (session.isSignedIn && isSignInPage) {
    redirect(307, resolve('/'));
  }
  if (session.mustChangePassword && !isPasswordPage) {
    redirect(307, `${resolve('/account/password')}?next=${here}`);
  }
};
