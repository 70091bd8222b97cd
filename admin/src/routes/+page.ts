// The root has nothing of its own: people start on the first screen their role opens, which
// for most is stock.
import { redirect } from '@sveltejs/kit';

import { resolve } from '$app/paths';
import { allowedScreens } from '$lib/screens';

import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
  // The layout's load finds out who is signed in; the screens they may open follow from that.
  await parent();
  const [first] = allowedScreens();
  redirect(307, first === undefined ? resolve('/account/password') : resolve(first.routeId));
};
