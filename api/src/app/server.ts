/**
 * The API's HTTP surface on one port: `/graphql` over HTTP and WebSocket, the Shopify webhook
 * endpoint, and `/health`. A GraphQL caller is an API token (`Authorization: Bearer …`, or a
 * WebSocket's init payload `{ authorization: 'Bearer …' }`), a person's session cookie, or
 * nobody. A mutation authenticated by cookie must pass the CSRF check (access/csrf.ts) before
 * anything runs, and a WebSocket authenticated by cookie must come from an allowed origin. An
 * open WebSocket is tracked by its caller so that it is closed when that access ends
 * (access/live-access.ts).
 *
 * Mutations are sent over HTTP only, where each is recorded in the audit trail; the WebSocket
 * carries queries and subscriptions and refuses a mutation with a message saying so.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type pg from 'pg';
import { WebSocketServer } from 'ws';

import { authenticateCaller, type Credentials } from '../access/authenticate.ts';
import { anonymousCaller, type Caller } from '../access/callers.ts';
import { forbiddenCloseCode, type LiveAccess } from '../access/live-access.ts';
import { csrfHeader, csrfRefusal, isAllowedSocketOrigin } from '../access/csrf.ts';
import type { AccessServices } from '../access/sign-in.ts';
import { auditPlugin, recordRefusedRequest } from '../audit/plugin.ts';
import type { Logger } from '../platform/logger.ts';
import type { AccountingPlatform } from '../accounting/connector.ts';
import type { RequestContext } from './context.ts';
import { checkQueryLimits } from './query-limits.ts';
import { unstorableTextRefusals } from './text-input.ts';

export interface ApiServerOptions {
  pool: pg.Pool;
  orm: MikroORM;
  schema: GraphQLSchema;
  logger: Logger;
  /** Routes mounted before GraphQL, e.g. the webhook endpoint. */
  routers: express.Router[];
  /** Origins allowed to call the API from a browser (the admin). */
  allowedOrigins: string[];
  /** Where open WebSockets are tracked, to be closed when their caller's access ends. */
  liveAccess: LiveAccess;
  access: AccessServices;
  /** Where invoices are pushed; undefined when the built-in Xero simulator stands in. */
  accountingPlatform?: AccountingPlatform | undefined;
}

export interface ApiServer {
  httpServer: Server;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);

  const sockets = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const socketServer = useServer<Readonly<Record<string, unknown>>>(
    {
      schema: options.schema,
      onSubscribe: (_ctx, _id, payload) => {
        const document = parseOrNull(payload.query);
        if (document === null) {
          return undefined;
        }
        if (
          getOperationAST(document, payload.operationName)?.operation === OperationTypeNode.MUTATION
        ) {
          return [mutationOverSocketRefusal()];
        }
        const refusals = [
          ...unstorableTextRefusals(document, payload.variables ?? undefined),
          ...checkQueryLimits(
            options.schema,
            document,
            payload.variables ?? undefined,
            payload.operationName,
          ),
        ];
        return refusals.length > 0 ? refusals : undefined;
      },
      // A socket must name a caller when it opens; an anonymous one could subscribe to nothing.
      // A browser sends the session cookie whichever page opens the socket, so one opened by
      // cookie must come from an allowed origin.
      onConnect: async (ctx) => {
        const credentials = socketCredentials(ctx);
        const authentication = await authenticateCaller(options.pool, credentials);
        if (
          authentication.outcome === 'refused' ||
          authentication.caller.kind === 'anonymous' ||
          !isAllowedSocketOrigin(
            authentication.caller,
            upgradeRequest(ctx).headers.origin,
            options.allowedOrigins,
          )
        ) {
          return false;
        }

        // An announcement that lands between the authentication above and the tracking below
        // finds nothing to close; the periodic re-check closes such a connection instead.
        const { socket } = ctx.extra;
        if (socket.readyState !== socket.OPEN) {
          return false;
        }
        const untrack = options.liveAccess.track({
          caller: authentication.caller,
          credentials,
          close: (code, reason) => socket.close(code, reason),
        });
        socket.once('close', untrack);
        return true;
      },
      context: async (ctx): Promise<RequestContext> => {
        const credentials = socketCredentials(ctx);
        const authentication = await authenticateCaller(options.pool, credentials);
        if (authentication.outcome === 'refused' || authentication.caller.kind === 'anonymous') {
          // Access ended since the socket opened: close it as the announcement would, and let
          // the policy refuse this operation as it refuses any anonymous one.
          ctx.extra.socket.close(forbiddenCloseCode, 'Credentials no longer valid');
          const caller = anonymousCaller(credentials.origin);
          return {
            pool: options.pool,
            em: options.orm.em.fork(),
            caller,
            access: options.access,
            accountingPlatform: options.accountingPlatform,
          };
        }
        return {
          pool: options.pool,
          em: options.orm.em.fork(),
          caller: authentication.caller,
          access: options.access,
          accountingPlatform: options.accountingPlatform,
        };
      },
    },
    sockets,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    plugins: [
      // First, so that a mutation another plugin refuses in didResolveOperation is recorded.
      auditPlugin({ pool: options.pool, logger: options.logger }),
      {
        requestDidStart: () =>
          Promise.resolve({
            // A refusal is a rejected promise, never a synchronous throw, so that Apollo waits
            // for the audit plugin's hook beside it rather than leaving it unobserved; the
            // audit plugin comes first, so a refused mutation is still recorded.
            didResolveOperation: ({ document, request, operation, contextValue }) =>
              new Promise<void>((resolve, reject) => {
                const forgery =
                  operation?.operation === OperationTypeNode.MUTATION
                    ? csrfRefusal(
                        {
                          caller: contextValue.caller,
                          origin: request.http?.headers.get('origin'),
                          csrfToken: request.http?.headers.get(csrfHeader),
                        },
                        options.allowedOrigins,
                      )
                    : null;
                const [refusal] =
                  forgery === null
                    ? [
                        ...unstorableTextRefusals(document, request.variables),
                        ...checkQueryLimits(
                          options.schema,
                          document,
                          request.variables,
                          request.operationName,
                        ),
                      ]
                    : [forgery];
                if (refusal === undefined) {
                  resolve();
                } else {
                  reject(refusal);
                }
              }),
          }),
      },
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        serverWillStart: () =>
          Promise.resolve({
            drainServer: async () => {
              await socketServer.dispose();
            },
          }),
      },
    ],
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => maskInternalError(formatted, error, options.logger),
  });
  await apollo.start();

  app.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
  });
  for (const router of options.routers) {
    app.use(router);
  }
  app.use('/graphql', cors(options.allowedOrigins));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          const caller = await callerOf(options.pool, req);
          return {
            pool: options.pool,
            em: options.orm.em.fork(),
            caller,
            response: res,
            access: options.access,
            accountingPlatform: options.accountingPlatform,
          };
        } catch (error) {
          await recordRefusedRequest(
            { pool: options.pool, logger: options.logger, schema: options.schema },
            {
              body: req.body as unknown,
              address: req.socket.remoteAddress ?? null,
              userAgent: req.header('user-agent') ?? null,
              error,
            },
          );
          throw error;
        }
      },
    }),
  );

  // Malformed JSON and oversized bodies are answered in JSON, without a stack trace.
  app.use(
    (
      error: Error & { status?: number; type?: string },
      _request: express.Request,
      response: express.Response,
      next: express.NextFunction,
    ) => {
      if (response.headersSent) {
        next(error);
        return;
      }
      const status = error.status ?? 500;
      const message =
        error.type === 'entity.too.large'
          ? 'request body is too large'
          : error.type === 'entity.parse.failed'
            ? `request body is not valid JSON: ${error.message}`
            : 'internal error';
      if (status >= 500) {
        options.logger.error({ err: error }, 'HTTP request failed');
      }
      response.status(status).json({ errors: [{ message }] });
    },
  );

  return {
    httpServer,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
      }),
    close: async () => {
      await apollo.stop();
      sockets.close();
    },
  };
}

/** The caller an HTTP request names; a bearer value naming no live token is refused. */
async function callerOf(pool: pg.Pool, request: express.Request): Promise<Caller> {
  const authentication = await authenticateCaller(pool, {
    authorization: request.header('authorization'),
    cookie: request.header('cookie'),
    origin: {
      address: request.socket.remoteAddress ?? null,
      userAgent: request.header('user-agent') ?? null,
    },
  });
  if (authentication.outcome === 'refused') {
    throw new GraphQLError(authentication.reason, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return authentication.caller;
}

function mutationOverSocketRefusal(): GraphQLError {
  return new GraphQLError(
    'Mutations are not accepted over WebSocket: send them with POST /graphql, where each is ' +
      'recorded in the audit trail. The WebSocket carries queries and subscriptions.',
    { extensions: { code: 'BAD_REQUEST' } },
  );
}

function parseOrNull(query: string): DocumentNode | null {
  try {
    return parse(query);
  } catch {
    // The server parses it again and answers the syntax error itself.
    return null;
  }
}

/** Codes whose messages are written for the caller; anything else is logged and masked. */
const callerCodes = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

function maskInternalError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && callerCodes.has(code)) {
    return formatted;
  }

  const reference = randomUUID();
  logger.error(
    { err: unwrapResolverError(error), reference, path: formatted.path },
    'GraphQL error',
  );
  return {
    message: `Internal error (reference ${reference}); the server log has the details`,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', reference },
  };
}

function socketCredentials(ctx: {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: unknown;
}): Credentials {
  const request = upgradeRequest(ctx);
  const fromParams = ctx.connectionParams?.authorization;
  const fromHeader = request.headers.authorization;
  return {
    authorization: typeof fromParams === 'string' ? fromParams : fromHeader,
    cookie: request.headers.cookie,
    origin: {
      address: request.socket.remoteAddress ?? null,
      userAgent: request.headers['user-agent'] ?? null,
    },
  };
}

function upgradeRequest(ctx: { extra: unknown }): IncomingMessage {
  return (ctx.extra as { request: IncomingMessage }).request;
}

/** Lets the admin's origins call with the session cookie and the CSRF header; no one else. */
function cors(allowedOrigins: string[]): express.RequestHandler {
  return (request, response, next) => {
    const origin = request.header('origin');
    if (origin !== undefined && allowedOrigins.includes(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader(
        'Access-Control-Allow-Headers',
        `authorization, content-type, ${csrfHeader}`,
      );
      response.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    }
    if (request.method === 'OPTIONS') {
      response.status(204).end();
      return;
    }
    next();
  };
}
