// Every screen's gate: signed-out people go to the sign-in form (and come back afterwards), and
// a signed-in person has no business there.
import { redirect } from '@sveltejs/kit';

import { resolve } from '$app/paths';
import { session } from '$lib/session.svelte';

import type { LayoutLoad } from './$types';

// The token lives in this browser's storage, so a server render would have nothing to show:
// the admin renders in the browser only, and the server just hands out the app.
export const ssr = false;

export const load: LayoutLoad = ({ route, url }) => {
  const isSignInPage = route.id === '/sign-in';
  if (!session.isSignedIn && !isSignInPage) {
    const next = encodeURIComponent(`${url.pathname}${url.search}`);
    redirect(307, `${resolve('/sign-in')}?next=${next}`);
  }
  if (session.isSignedIn && isSignInPage) {
    redirect(307, resolve('/warehouse/stock'));
  }
};
