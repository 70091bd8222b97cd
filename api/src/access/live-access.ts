/**
 * Open GraphQL WebSocket connections in this API process, by caller identity, so that they
 * can be closed the moment access ends: a token revoked, a session ended, a person disabled.
 *
 * The database announces such an end on the `qm_access_ended` channel (the trigger function
 * `announce_access_change()`), whoever made the change and through whatever door, and every API
 * process hears it and closes that caller's sockets with 4403 Forbidden. What no row change
 * announces (a token reaching its expiry, a role losing a permission) and any announcement
 * missed while the listening connection was down are caught by re-authenticating every open
 * connection on a timer. This file does not authenticate new connections (authenticate.ts)
 * nor stop subscriptions any other way than by closing their socket.
 */
import type { Logger } from '../platform/logger.ts';
import type { Queryable } from '../platform/transaction.ts';
import { authenticateCaller, type Authentication, type Credentials } from './authenticate.ts';
import type { Caller } from './callers.ts';

/** The NOTIFY channel `announce_access_change()` sends on. */
export const accessEndedChannel = 'qm_access_ended';

/** graphql-ws's Forbidden: the client sees it as a refusal, not as a network fault. */
export const forbiddenCloseCode = 4403;

/** How often open connections are re-authenticated unless told otherwise, in milliseconds. */
export const recheckIntervalMsDefault = 30_000;

export const accessKinds = ['token', 'session', 'user'] as const;
export type AccessKind = (typeof accessKinds)[number];

/** One announcement: the token, session or user (by row id) whose access ended. */
export interface AccessEnded {
  kind: AccessKind;
  id: string;
}

/** An open, authenticated connection. */
export interface LiveConnection {
  /** The caller as authenticated when the connection opened. */
  caller: Caller;
  /** What it authenticated with, to authenticate it again. */
  credentials: Credentials;
  /** Closes the socket; the WebSocket server ends its subscriptions. */
  close(code: number, reason: string): void;
}

export interface LiveAccessOptions {
  db: Queryable;
  logger: Logger;
  recheckIntervalMs?: number;
  authenticate?: (db: Queryable, credentials: Credentials) => Promise<Authentication>;
}

export interface LiveAccess {
  /** Starts watching an open connection; answers the function that stops it (on close). */
  track(connection: LiveConnection): () => void;
  /** Closes every connection of the caller whose access ended; answers how many. */
  end(ended: AccessEnded): number;
  /** Handles one raw announcement from the database. */
  hear(payload: string): void;
  /** Re-authenticates every open connection and closes those refused; answers how many. */
  recheck(): Promise<number>;
  /** How many connections are open under this identity (`token:5`, `session:…`, `user:3`). */
  openCount(identity: string): number;
  stop(): void;
}

const endReasons: Record<AccessKind, string> = {
  token: 'API token revoked',
  session: 'Session ended',
  user: 'User disabled',
};

export function createLiveAccess(options: LiveAccessOptions): LiveAccess {
  const authenticate = options.authenticate ?? authenticateCaller;
  const byIdentity = new Map<string, Set<LiveConnection>>();
  const open = new Set<LiveConnection>();

  const close = (connection: LiveConnection, reason: string) => {
    forget(connection);
    connection.close(forbiddenCloseCode, reason);
  };

  const forget = (connection: LiveConnection) => {
    open.delete(connection);
    for (const identity of identitiesOf(connection.caller)) {
      const connections = byIdentity.get(identity);
      connections?.delete(connection);
      if (connections?.size === 0) {
        byIdentity.delete(identity);
      }
    }
  };

  const end = (ended: AccessEnded): number => {
    const connections = [...(byIdentity.get(`${ended.kind}:${ended.id}`) ?? [])];
    for (const connection of connections) {
      close(connection, endReasons[ended.kind]);
    }
    if (connections.length > 0) {
      options.logger.info(
        { kind: ended.kind, id: ended.id, connections: connections.length },
        'access ended: closed live connections',
      );
    }
    return connections.length;
  };

  let rechecking = false;
  const recheck = async (): Promise<number> => {
    if (rechecking) {
      return 0;
    }
    rechecking = true;
    let closed = 0;
    try {
      for (const connection of [...open]) {
        const reason = await stillValid(connection);
        if (reason !== null && open.has(connection)) {
          close(connection, reason);
          closed += 1;
          options.logger.info({ actor: connection.caller.actor, reason }, 'closed live connection');
        }
      }
    } finally {
      rechecking = false;
    }
    return closed;
  };

  /** Null while the connection's credentials still hold what it opened with; else why not. */
  const stillValid = async (connection: LiveConnection): Promise<string | null> => {
    let now: Authentication;
    try {
      now = await authenticate(options.db, connection.credentials);
    } catch (error) {
      // An outage is not a refusal: the connection stays open until the database answers.
      options.logger.warn({ err: error }, 'could not re-authenticate a live connection');
      return null;
    }
    if (now.outcome === 'refused' || now.caller.actor !== connection.caller.actor) {
      return 'Credentials no longer valid';
    }
    const lost = [...connection.caller.permissions].some((p) => !now.caller.permissions.has(p));
    return lost ? 'Permissions reduced; reconnect' : null;
  };

  const timer = setInterval(() => {
    recheck().catch((error: unknown) => options.logger.error({ err: error }, 'recheck failed'));
  }, options.recheckIntervalMs ?? recheckIntervalMsDefault);
  timer.unref();

  return {
    track: (connection) => {
      open.add(connection);
      for (const identity of identitiesOf(connection.caller)) {
        const connections = byIdentity.get(identity) ?? new Set();
        connections.add(connection);
        byIdentity.set(identity, connections);
      }
      return () => forget(connection);
    },
    end,
    hear: (payload) => {
      const ended = parseAccessEnded(payload);
      if (ended === null) {
        options.logger.warn({ channel: accessEndedChannel }, 'ignored a malformed announcement');
        return;
      }
      end(ended);
    },
    recheck,
    openCount: (identity) => byIdentity.get(identity)?.size ?? 0,
    stop: () => clearInterval(timer),
  };
}

/** The identities under which a caller's connections are found. */
export function identitiesOf(caller: Caller): string[] {
  switch (caller.kind) {
    case 'token':
      return [`token:${caller.tokenId}`];
    case 'user':
      return [`session:${caller.sessionId}`, `user:${caller.userId}`];
    case 'anonymous':
      return [];
  }
}

export function parseAccessEnded(payload: string): AccessEnded | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const { kind, id } = (parsed ?? {}) as { kind?: unknown; id?: unknown };
  const known = (accessKinds as readonly unknown[]).includes(kind);
  return known && typeof id === 'string' && id !== '' ? { kind: kind as AccessKind, id } : null;
}
