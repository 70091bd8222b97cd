/**
 * The GraphQL schema, built from every module's resolvers, with the access policy applied to
 * every field (access/policy.ts): building it fails when any field has no rule.
 */
import 'reflect-metadata';

import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';

import { AccessResolver, UserFieldsResolver } from '../access/graphql.ts';
import { applyPolicy } from '../access/guard.ts';
import { TokenResolver } from '../access/tokens-graphql.ts';
import { CatalogueResolver } from '../catalogue/graphql.ts';
import { FinanceResolver } from '../finance/graphql.ts';
import { StockResolver } from '../ledger/graphql.ts';
import { OrderResolver } from '../orders/graphql.ts';
import {
  AccountingDocumentFieldsResolver,
  AccountingResolver,
  OrderAccountingResolver,
} from '../accounting/graphql.ts';
// After the others: types print in the order their modules load, so the committed schema keeps
// its order when a module is added.
import { AuditResolver } from '../audit/graphql.ts';

const resolvers = [
  StockResolver,
  OrderResolver,
  CatalogueResolver,
  FinanceResolver,
  TokenResolver,
  AccessResolver,
  UserFieldsResolver,
  AuditResolver,
  AccountingResolver,
  AccountingDocumentFieldsResolver,
  OrderAccountingResolver,
] as const;

export async function buildApiSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    pubSub,
    validate: false,
  });
  return applyPolicy(schema);
}

export function printApiSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
