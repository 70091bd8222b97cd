/**
 * Where the admin finds the API. The address is read at runtime (`PUBLIC_API_URL` in the admin
 * server's environment), so one build serves any deployment.
 *
 * The session cookie is SameSite=Strict, so the browser sends it only when the admin page and
 * the API are the same site, and `localhost` and `127.0.0.1` are different sites. When the API
 * is configured on a loopback name, the admin therefore reaches it under whichever loopback name
 * the page itself was opened with, on the API's port. A non-loopback address is used as given:
 * a deployment names the API on the admin's own site.
 */
import { browser } from '$app/environment';
import { env } from '$env/dynamic/public';

/** The API a local `pnpm start` runs. */
const defaultApiUrl = 'http://localhost:4000';

/** Host names that all mean this machine. `URL` keeps the brackets around an IPv6 address. */
const loopbackHostNames = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The API's base URL without a trailing slash, e.g. `http://localhost:4000`. */
export function apiUrl(): string {
  const configured = env.PUBLIC_API_URL?.trim();
  const base = (configured ? configured : defaultApiUrl).replace(/\/+$/, '');
  return browser ? onPageLoopbackName(base, window.location.hostname) : base;
}

/**
 * `base` with its loopback host name replaced by the page's, when both are loopback names, so
 * that the page and the API are the same site; otherwise `base` unchanged.
 */
export function onPageLoopbackName(base: string, pageHostName: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return base;
  }
  const pageHost = pageHostName.includes(':') ? `[${pageHostName}]` : pageHostName;
  const isBothLoopback = loopbackHostNames.has(url.hostname) && loopbackHostNames.has(pageHost);
  if (!isBothLoopback || url.hostname === pageHost) {
    return base;
  }
  url.hostname = pageHost;
  return url.toString().replace(/\/+$/, '');
}

/** GraphQL over HTTP: queries and mutations. */
export function graphqlHttpUrl(): string {
  return `${apiUrl()}/graphql`;
}

/** GraphQL over WebSocket (graphql-ws): subscriptions, on the same path as HTTP. */
export function graphqlSocketUrl(): string {
  return graphqlHttpUrl().replace(/^http/, 'ws');
}
