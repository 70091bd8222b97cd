/**
 * Enforces the policy on a built schema: every field's resolver (and every subscription's
 * subscribe) is wrapped so the field's rule is decided against the caller before the field
 * runs. A refused field resolves to an error naming the field and what it needs; nothing
 * behind it is read.
 *
 * Fields are wrapped in place rather than through a schema-transforming library: the schema is
 * built once at start, and the wrapper is a set lookup per field.
 */
import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';

import type { Caller } from './callers.ts';
import { describeRule, everyField, policy, ruleFor, type Rule } from './policy.ts';

interface GuardedContext {
  caller: Caller;
}

export type Verdict = 'allowed' | 'unauthenticated' | 'forbidden' | 'password-change-required';

/** What the policy says of this caller on a field with this rule. */
export function decide(rule: Rule, caller: Caller): Verdict {
  if (rule.kind === 'anyone') {
    return 'allowed';
  }
  if (caller.kind === 'anonymous') {
    return 'unauthenticated';
  }
  if (rule.kind === 'signed-in') {
    return 'allowed';
  }
  if (caller.kind === 'user' && caller.mustChangePassword) {
    return 'password-change-required';
  }
  return rule.anyOf.some((permission) => caller.permissions.has(permission))
    ? 'allowed'
    : 'forbidden';
}

export function refusal(verdict: Verdict, coordinate: string, rule: Rule): GraphQLError {
  if (verdict === 'unauthenticated') {
    return new GraphQLError(
      `${coordinate} needs a signed-in person or an API token ` +
        '(sign in, or send Authorization: Bearer <token>)',
      { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
    );
  }
  if (verdict === 'password-change-required') {
    return new GraphQLError(
      `Your password was reset: choose a new one with changePassword before using ${coordinate}`,
      { extensions: { code: 'FORBIDDEN', reason: 'PASSWORD_CHANGE_REQUIRED' } },
    );
  }
  return new GraphQLError(
    `${coordinate} needs ${describeRule(rule)}, which this caller does not have`,
    { extensions: { code: 'FORBIDDEN' } },
  );
}

/** Wraps every field of the schema in its rule; throws naming every field without one. */
export function applyPolicy(schema: GraphQLSchema): GraphQLSchema {
  const missing: string[] = [];
  const covered = new Set<string>();

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) {
      continue;
    }
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const rule = ruleFor(type.name, field.name);
      if (rule === undefined) {
        missing.push(coordinate);
        continue;
      }
      covered.add(coordinate);
      covered.add(`${type.name}.${everyField}`);
      if (rule.kind === 'anyone') {
        continue;
      }
      field.resolve = guarded(rule, coordinate, field.resolve ?? defaultFieldResolver);
      if (field.subscribe !== undefined) {
        field.subscribe = guarded(rule, coordinate, field.subscribe);
      }
    }
  }

  const stale = Object.entries(policy).flatMap(([typeName, rules]) =>
    Object.keys(rules)
      .map((fieldName) => `${typeName}.${fieldName}`)
      .filter((coordinate) => !covered.has(coordinate)),
  );
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      [
        missing.length > 0 ? `fields without an access rule: ${missing.join(', ')}` : '',
        stale.length > 0 ? `access rules for fields not in the schema: ${stale.join(', ')}` : '',
      ]
        .filter((part) => part !== '')
        .join('; ') + ' (see api/src/access/policy.ts)',
    );
  }
  return schema;
}

function guarded<TSource, TArgs>(
  rule: Rule,
  coordinate: string,
  inner: GraphQLFieldResolver<TSource, GuardedContext, TArgs>,
): GraphQLFieldResolver<TSource, GuardedContext, TArgs> {
  return (source, args, context, info) => {
    const verdict = decide(rule, context.caller);
    if (verdict !== 'allowed') {
      throw refusal(verdict, coordinate, rule);
    }
    return inner(source, args, context, info);
  };
}
