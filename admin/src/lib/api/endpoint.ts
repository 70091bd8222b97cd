/**
 * Where the admin finds the API. The address is read at runtime (`PUBLIC_API_URL` in the admin
 * server's environment), so one build serves any deployment.
 */
import { env } from '$env/dynamic/public';

/** The API a local `pnpm start` runs. */
const defaultApiUrl = 'http://localhost:4000';

/** The API's base URL without a trailing slash, e.g. `http://localhost:4000`. */
export function apiUrl(): string {
  const configured = env.PUBLIC_API_URL?.trim();
  return (configured ? configured : defaultApiUrl).replace(/\/+$/, '');
}

/** GraphQL over HTTP: queries and mutations. */
export function graphqlHttpUrl(): string {
  return `${apiUrl()}/graphql`;
}

/** GraphQL over WebSocket (graphql-ws): subscriptions, on the same path as HTTP. */
export function graphqlSocketUrl(): string {
  return graphqlHttpUrl().replace(/^http/, 'ws');
}
