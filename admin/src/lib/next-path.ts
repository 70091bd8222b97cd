/**
 * Where a form sends the person once done: the `next` address the layout put in the query when
 * it sent them there, if it is a path on this site, or the start screen.
 */
import { resolve } from '$app/paths';
import type { ResolvedPathname } from '$app/types';

// Only a path on this site: `next` comes from the address bar, so anyone could have set it.
// The layout made it from a path SvelteKit had already resolved, base path included.
export function safeNextPath(next: string | null): ResolvedPathname {
  return next !== null && next.startsWith('/') && !next.startsWith('//')
    ? (next as ResolvedPathname)
    : resolve('/');
}
