/**
 * Records every GraphQL mutation in the audit trail, as an Apollo Server plugin: the event is
 * written once the operation is resolved and the caller known, before anything runs, so what
 * the mutation changes can point to it (`RequestContext.auditEventId`); the outcome is appended
 * as the response is sent, decided from the response and from each root field's payload.
 *
 * A mutation refused before it runs is recorded too: by the query limits or any other check in
 * `didResolveOperation` (this plugin must come first in the server's list, see server.ts), or
 * while the request's caller was being resolved (recordRefusedRequest). Not recorded: a
 * document that does not parse or validate (nothing in it ran, and it may not even say it is a
 * mutation), and a mutation sent with GET, which Apollo refuses before resolving it. Queries
 * and subscriptions are not recorded; the WebSocket refuses mutations (server.ts).
 */
import type {
  ApolloServerPlugin,
  GraphQLRequestListener,
  GraphQLRequestListenerDidResolveField,
} from '@apollo/server';
import {
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type FieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type pg from 'pg';

import type { Caller } from '../access/callers.ts';
import type { RequestContext } from '../app/context.ts';
import type { Logger } from '../platform/logger.ts';
import {
  actorOfCaller,
  beginAuditEvent,
  recordAuditOutcome,
  summariseArguments,
  type AuditEventInput,
  type AuditOutcome,
  type AuditOutcomeInput,
} from './audit.ts';

export interface AuditPluginOptions {
  pool: pg.Pool;
  logger: Logger;
}

export function auditPlugin(options: AuditPluginOptions): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () => Promise.resolve(auditRequest(options)),
  };
}

/** What one root field of the mutation answered, as seen by its resolver. */
interface RootFieldResult {
  field: string;
  payloadErrors: PayloadError[];
}

interface PayloadError {
  field: unknown;
  code: unknown;
  message: unknown;
}

function auditRequest(options: AuditPluginOptions): GraphQLRequestListener<RequestContext> {
  // Settles to the event's id, or to null when writing it failed (already answered as an error).
  let auditEventId: Promise<string | null> | null = null;
  const rootFieldResults: RootFieldResult[] = [];

  return {
    didResolveOperation: async ({ schema, document, operation, request, contextValue }) => {
      if (operation?.operation !== OperationTypeNode.MUTATION) {
        return;
      }

      const event = eventOfMutation(schema, document, operation, request.variables ?? {});
      const pending = beginAuditEvent(options.pool, {
        ...event,
        ...originOf(contextValue.caller),
      });
      auditEventId = pending.catch((error: unknown) => {
        options.logger.error({ err: error, operation: event.operation }, 'audit event not written');
        return null;
      });

      // Nothing runs unrecorded: without its event the mutation is answered as an error.
      const id = await auditEventId;
      if (id === null) {
        throw new Error('the audit event of this mutation could not be written');
      }
      contextValue.auditEventId = id;
    },

    executionDidStart: () => {
      if (auditEventId === null) {
        return Promise.resolve();
      }
      return Promise.resolve({
        willResolveField: ({ info }): GraphQLRequestListenerDidResolveField | void => {
          if (info.path.prev !== undefined) {
            return;
          }
          // The payload as the resolver returned it, whatever the caller chose to select.
          // A resolver that threw shows in the response's errors instead.
          return (_error, result) => {
            rootFieldResults.push({
              field: info.fieldName,
              payloadErrors: payloadErrorsOf(result),
            });
          };
        },
      });
    },

    willSendResponse: async ({ response, contextValue }) => {
      const id = auditEventId === null ? null : await auditEventId;
      if (id === null) {
        return;
      }

      const errors =
        response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
      const outcome = outcomeOf(errors, rootFieldResults);
      const signedIn = contextValue.signedInUser;
      await recordAuditOutcome(options.pool, id, {
        ...outcome,
        subject: signedIn === undefined ? null : `user:${signedIn.userId}`,
      }).catch((error: unknown) => {
        // The mutation has happened; failing the answer now would only hide that from the caller.
        options.logger.error({ err: error, auditEventId: id }, 'audit outcome not written');
      });
    },
  };
}

/** Codes of top-level errors that mean the caller was not let in. */
const refusalCodes = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);
/** Codes of top-level errors that mean the caller sent something the API does not accept. */
const callerMistakeCodes = new Set(['BAD_USER_INPUT', 'BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * Decides the outcome, in this order: any authorisation refusal is `refused`; any other error
 * not of the caller's making is `failed`; a refused argument or a payload error is `rejected`.
 */
export function outcomeOf(
  errors: readonly GraphQLFormattedError[],
  rootFieldResults: readonly RootFieldResult[],
): Omit<AuditOutcomeInput, 'subject'> {
  const codes = errors.map((error) => {
    const code = error.extensions?.code;
    return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
  });
  const payloadErrors = rootFieldResults.flatMap((result) =>
    result.payloadErrors.map((error) => ({ operation: result.field, ...error })),
  );

  let outcome: AuditOutcome = 'succeeded';
  if (codes.some((code) => refusalCodes.has(code))) {
    outcome = 'refused';
  } else if (codes.some((code) => !callerMistakeCodes.has(code))) {
    outcome = 'failed';
  } else if (codes.length > 0 || payloadErrors.length > 0) {
    outcome = 'rejected';
  }

  const detail: Record<string, unknown> = {};
  if (errors.length > 0) {
    detail.errors = errors.slice(0, 20).map((error, index) => ({
      code: codes[index],
      message: error.message.slice(0, 500),
      ...(error.path === undefined ? {} : { path: error.path.join('.') }),
      ...(error.extensions?.reference === undefined
        ? {}
        : { reference: error.extensions.reference }),
    }));
  }
  if (payloadErrors.length > 0) {
    detail.payloadErrors = payloadErrors.slice(0, 20);
  }
  return { outcome, detail };
}

function payloadErrorsOf(result: unknown): PayloadError[] {
  if (typeof result !== 'object' || result === null || !('errors' in result)) {
    return [];
  }
  const errors = result.errors;
  if (!Array.isArray(errors)) {
    return [];
  }
  return errors.map((error: Record<string, unknown>) => ({
    field: error.field ?? null,
    code: error.code ?? null,
    message: typeof error.message === 'string' ? error.message.slice(0, 500) : null,
  }));
}

type MutationSummary = Pick<AuditEventInput, 'operation' | 'input' | 'channel'>;

/**
 * The operation's root fields and their arguments as the resolvers will get them, inline
 * literals and variables alike. An aliased field is keyed `alias: field`, so two calls of the
 * same mutation in one request are both kept.
 */
export function eventOfMutation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown>,
): MutationSummary {
  const mutationType = schema.getMutationType();
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  const variables = coerced.coerced ?? {};
  const fieldNodes = rootFields(document, operation.selectionSet, variables, new Set());

  const input: Record<string, Record<string, unknown>> = {};
  for (const node of fieldNodes) {
    const name = node.name.value;
    const key = node.alias === undefined ? name : `${node.alias.value}: ${name}`;
    const definition = mutationType?.getFields()[name];
    try {
      input[key] = definition === undefined ? {} : getArgumentValues(definition, node, variables);
    } catch (error) {
      input[key] = { unreadable: (error as Error).message };
    }
  }

  const names = [...new Set(fieldNodes.map((node) => node.name.value))];
  return {
    operation: names.join(',') || (operation.name?.value ?? 'mutation'),
    input: summariseArguments(input),
    channel: 'graphql',
  };
}

/** The root fields that will run: fragments followed, @skip and @include honoured. */
function rootFields(
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  variables: Record<string, unknown>,
  visitedFragments: Set<string>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (!isIncluded(selection, variables)) {
      continue;
    }
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) {
        fields.push(selection);
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...rootFields(document, selection.selectionSet, variables, visitedFragments));
    } else if (!visitedFragments.has(selection.name.value)) {
      visitedFragments.add(selection.name.value);
      const fragment = document.definitions.find(
        (definition) =>
          definition.kind === Kind.FRAGMENT_DEFINITION &&
          definition.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) {
        fields.push(...rootFields(document, fragment.selectionSet, variables, visitedFragments));
      }
    }
  }
  return fields;
}

function isIncluded(
  node: Parameters<typeof getDirectiveValues>[1],
  variables: Record<string, unknown>,
): boolean {
  try {
    const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
    const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
    return skip?.if !== true && include?.if !== false;
  } catch {
    return true;
  }
}

function originOf(caller: Caller): Omit<AuditEventInput, keyof MutationSummary> {
  return {
    ...actorOfCaller(caller),
    sourceAddress: caller.address,
    userAgent: caller.userAgent,
  };
}

export interface RefusedRequest {
  /** The parsed JSON body of the HTTP request. */
  body: unknown;
  address: string | null;
  userAgent: string | null;
  /** Why the request was refused before its operation was resolved. */
  error: unknown;
}

/**
 * Records a mutation refused while its caller was being resolved (credentials naming no live
 * token, or any other check made there), with the anonymous actor since no caller was
 * established. Anything that is not a readable mutation is left out.
 */
export async function recordRefusedRequest(
  options: AuditPluginOptions & { schema: GraphQLSchema },
  request: RefusedRequest,
): Promise<void> {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as {
    query?: unknown;
    operationName?: unknown;
    variables?: unknown;
  };
  const document = typeof body.query === 'string' ? parseOrNull(body.query) : null;
  const operationName = typeof body.operationName === 'string' ? body.operationName : null;
  const operation = document === null ? null : getOperationAST(document, operationName);
  if (document === null || operation?.operation !== OperationTypeNode.MUTATION) {
    return;
  }

  const variables =
    typeof body.variables === 'object' && body.variables !== null
      ? (body.variables as Record<string, unknown>)
      : {};
  const error =
    request.error instanceof GraphQLError
      ? { message: request.error.message, extensions: request.error.extensions }
      : { message: 'refused', extensions: { code: 'UNAUTHENTICATED' } };
  try {
    const id = await beginAuditEvent(options.pool, {
      ...eventOfMutation(options.schema, document, operation, variables),
      actor: 'anonymous',
      actorKind: 'anonymous',
      actorLabel: 'anonymous',
      sourceAddress: request.address,
      userAgent: request.userAgent,
    });
    await recordAuditOutcome(options.pool, id, { ...outcomeOf([error], []), subject: null });
  } catch (failure) {
    options.logger.error({ err: failure }, 'audit event of a refused request not written');
  }
}

function parseOrNull(query: string): DocumentNode | null {
  try {
    return parse(query);
  } catch {
    return null;
  }
}
