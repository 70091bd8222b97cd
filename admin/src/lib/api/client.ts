/**
 * The urql client the admin talks to the API with: queries over HTTP, subscriptions over one
 * graphql-ws socket. Both are authenticated by the session cookie the API set at sign-in, which
 * the page's scripts cannot read: HTTP requests go with credentials, and the socket's upgrade
 * request carries the cookie by itself. Every HTTP request also names the session's CSRF token
 * (the API checks it on mutations), which the admin holds in memory only. There is deliberately
 * no cache exchange: every screen shows live stock, so each query goes to the API and live
 * changes arrive by subscription.
 */
import { Client, fetchExchange, subscriptionExchange, type ClientOptions } from '@urql/core';
import { createClient as createSocketClient } from 'graphql-ws';

import { session } from '../session.svelte';
import { socketForbiddenCode } from './admin-error';
import { graphqlHttpUrl, graphqlSocketUrl } from './endpoint';
import { liveConnection } from './live-connection.svelte';

/** The longest pause between attempts to reopen the live socket. */
const reconnectWaitMaxMs = 10_000;

/** WebSocket's own close code for a deliberate close: the last live screen was left. */
const normalClosureCode = 1000;

/** The header the API compares with the session's CSRF token on cookie-authenticated calls. */
const csrfHeaderName = 'x-csrf-token';

/** A client and the means to close its socket when the person signs out or in again. */
export interface AdminClient {
  client: Client;
  dispose(): void;
}

/** A client for the signed-in session, over HTTP and WebSocket. */
export function makeAdminClient(): AdminClient {
  let isDisposed = false;

  const socket = createSocketClient({
    url: graphqlSocketUrl(),
    // Stay on a warehouse floor's flaky Wi-Fi for as long as it takes, but stop at once when
    // the API refuses the session: retrying cannot fix that, signing in again can. A browser
    // reports a refused connection as an error event rather than a close, so errors are
    // retried too (graphql-ws would otherwise give up after the first one).
    retryAttempts: Infinity,
    shouldRetry: (failure) => !(isCloseEvent(failure) && failure.code === socketForbiddenCode),
    retryWait: (retries) => wait(Math.min(1000 * 2 ** retries, reconnectWaitMaxMs)),
    // A dead connection (a laptop lid shut, a router restart) otherwise looks live for minutes.
    keepAlive: 10_000,
    // Moving from one live screen to the next should reuse the socket, not reopen it.
    lazyCloseTimeout: 3_000,
    on: {
      connecting: (isRetry) => {
        liveConnection.status = isRetry ? 'reconnecting' : 'connecting';
      },
      connected: () => {
        liveConnection.status = 'live';
        liveConnection.connectedCount += 1;
      },
      closed: (event) => {
        const isQuiet = isDisposed || (isCloseEvent(event) && event.code === normalClosureCode);
        liveConnection.status = isQuiet ? 'idle' : 'reconnecting';
      },
    },
  });

  const client = new Client({
    ...httpOptions(),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });

  return {
    client,
    dispose: () => {
      isDisposed = true;
      liveConnection.status = 'idle';
      liveConnection.connectedCount = 0;
      void socket.dispose();
    },
  };
}

/**
 * A client over HTTP only, for what happens outside a signed-in screen: asking who is signed
 * in, signing in and out, and changing a password.
 */
export function makeHttpClient(): Client {
  return new Client({ ...httpOptions(), exchanges: [fetchExchange] });
}

function httpOptions() {
  return {
    url: graphqlHttpUrl(),
    // Apollo's CSRF guard refuses GET queries without a preflight header; POST needs none.
    preferGetMethod: false,
    requestPolicy: 'network-only',
    // Read per request rather than captured: it changes with each sign-in.
    fetchOptions: (): RequestInit => {
      const csrfToken = session.csrfToken;
      const headers: Record<string, string> = {};
      if (csrfToken !== null) {
        headers[csrfHeaderName] = csrfToken;
      }
      return { credentials: 'include', headers };
    },
  } satisfies Omit<ClientOptions, 'exchanges'>;
}

function isCloseEvent(event: unknown): event is { code: number } {
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { code?: unknown }).code === 'number'
  );
}

function wait(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}
