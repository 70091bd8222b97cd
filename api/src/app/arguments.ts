/**
 * Checks of GraphQL arguments that the schema's types cannot express: ids that are not row ids,
 * page sizes out of range. A bad argument is the caller's mistake, answered as BAD_USER_INPUT
 * naming the argument, never as an internal error.
 */
import { GraphQLError } from 'graphql';

export const pageSizeMax = 200;

export class BadArgumentError extends GraphQLError {
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', argument } });
  }
}

/** A row id: digits only, within PostgreSQL's bigint. */
export function rowId(value: string, argument: string): string {
  if (!/^\d{1,18}$/.test(value)) {
    throw new BadArgumentError(argument, `"${value.slice(0, 40)}" is not an id this API gave out`);
  }
  return value;
}

export function pageSize(first: number, argument = 'first'): number {
  if (first < 1 || first > pageSizeMax) {
    throw new BadArgumentError(argument, `must be between 1 and ${pageSizeMax}`);
  }
  return first;
}
