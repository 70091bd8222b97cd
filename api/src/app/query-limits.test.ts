/**
 * The depth limit's refusal, without a server: it names the operation when it has a name, and
 * speaks of "the operation" when it has none, rather than quoting an empty name.
 */
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { checkQueryLimits, queryDepthMax } from './query-limits.ts';

const schema = buildSchema(`
  type Query { node: Node }
  type Node { child: Node, name: String }
`);

/** A query nested one level deeper than the limit allows. */
function tooDeep(operationName: string): string {
  const nesting = 'child { '.repeat(queryDepthMax);
  const closing = ' }'.repeat(queryDepthMax);
  return `query ${operationName} { node { ${nesting}name${closing} } }`;
}

describe('the depth limit', () => {
  it('refuses an unnamed operation as "the operation", with the limit', () => {
    const errors = checkQueryLimits(schema, parse(tooDeep('')), undefined);

    expect(errors.map((error) => error.message)).toEqual([
      `the operation exceeds maximum operation depth of ${queryDepthMax}; ` +
        `the limit is ${queryDepthMax}`,
    ]);
    expect(errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: true });
  });

  it('names a named operation', () => {
    const errors = checkQueryLimits(schema, parse(tooDeep('Stock')), undefined);

    expect(errors[0]?.message).toMatch(/^'Stock' exceeds maximum operation depth/);
  });
});
