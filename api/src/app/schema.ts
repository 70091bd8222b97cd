/**
 * The GraphQL schema, built from every module's resolvers. Every root field must carry an
 * @Authorized rule: building the schema fails otherwise, so no resolver can be exposed without
 * one by accident.
 */
import 'reflect-metadata';

import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type AuthChecker, type PubSub } from 'type-graphql';

import type { Scope } from '../access/tokens.ts';
import { CatalogueResolver } from '../catalogue/graphql.ts';
import { StockResolver } from '../ledger/graphql.ts';
import { OrderResolver } from '../orders/graphql.ts';
import type { RequestContext } from './context.ts';

const resolvers = [StockResolver, OrderResolver, CatalogueResolver] as const;

/** A caller passes a rule when it holds every scope named, or `admin`. */
const authChecker: AuthChecker<RequestContext> = ({ context }, required) => {
  const held = new Set<string>(context.caller.scopes);
  return held.has('admin' satisfies Scope) || required.every((scope) => held.has(scope));
};

export async function buildApiSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    pubSub,
    validate: false,
  });
  assertEveryOperationAuthorized();
  return schema;
}

function assertEveryOperationAuthorized(): void {
  const storage = getMetadataStorage();
  const operations = [...storage.queries, ...storage.mutations, ...storage.subscriptions];
  const unguarded = operations.filter(
    (operation) =>
      !storage.authorizedFields.some(
        (rule) => rule.target === operation.target && rule.fieldName === operation.methodName,
      ),
  );
  if (unguarded.length > 0) {
    const names = unguarded.map((operation) => operation.methodName).join(', ');
    throw new Error(`GraphQL operations without an @Authorized rule: ${names}`);
  }
}

export function printApiSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
