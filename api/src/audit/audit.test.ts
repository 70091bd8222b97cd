/**
 * What the audit trail keeps of a request's input and how it decides an outcome, without a
 * database: secrets redacted at any depth, long values cut, the whole capped, arguments read
 * the same whether written inline or passed as variables.
 */
import { buildSchema, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

import { redacted, summariseInput, summaryBytesMax, textLengthMax } from './audit.ts';
import { eventOfMutation, outcomeOf } from './plugin.ts';

const schema = buildSchema(`
  type Query { me: String }
  input Credentials { email: String!, password: String! }
  input TokenInput { name: String!, expiresInDays: Int }
  type Mutation {
    signIn(email: String!, password: String!): String
    changePassword(currentPassword: String!, newPassword: String!): String
    signInWith(credentials: Credentials!): String
    createToken(input: TokenInput!): String
    revokeToken(tokenId: ID!): String
    note(text: String!, tags: [String!]): String
  }
`);

function summaryOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (operation == null) {
    throw new Error('no operation');
  }
  return eventOfMutation(schema, document, operation, variables);
}

describe('the input summary', () => {
  it('redacts passwords whether inline, in variables or nested in an input object', () => {
    const summary = summaryOf(
      `mutation($pw: String!, $c: Credentials!) {
        signIn(email: "ann@example.com", password: $pw)
        changePassword(currentPassword: "old secret", newPassword: "new secret")
        signInWith(credentials: $c)
      }`,
      { pw: 'hunter2', c: { email: 'bo@example.com', password: 'swordfish' } },
    );

    expect(summary.operation).toBe('signIn,changePassword,signInWith');
    expect(summary.input).toEqual({
      signIn: { email: 'ann@example.com', password: redacted },
      changePassword: { currentPassword: redacted, newPassword: redacted },
      signInWith: { credentials: { email: 'bo@example.com', password: redacted } },
    });
    expect(JSON.stringify(summary)).not.toMatch(/hunter2|swordfish|secret"/);
  });

  it('redacts any key naming a secret, token or authorization, and keeps ids', () => {
    const summary = summariseInput({
      clientSecret: 'x',
      Authorization: 'Bearer y',
      refreshToken: 'z',
      tokenId: '5',
      nested: { deeper: { apiTOKEN: 'w' } },
    });

    expect(summary).toEqual({
      clientSecret: redacted,
      Authorization: redacted,
      refreshToken: redacted,
      tokenId: '5',
      nested: { deeper: { apiTOKEN: redacted } },
    });
  });

  it('reads inline literals and variables alike, and keeps aliased calls apart', () => {
    const inline = summaryOf('mutation { createToken(input: { name: "desk", expiresInDays: 7 }) }');
    const variables = summaryOf('mutation($i: TokenInput!) { createToken(input: $i) }', {
      i: { name: 'desk', expiresInDays: 7 },
    });
    const aliased = summaryOf(
      'mutation { a: revokeToken(tokenId: "1") b: revokeToken(tokenId: "2") }',
    );

    expect(inline.input).toEqual({ createToken: { input: { name: 'desk', expiresInDays: 7 } } });
    expect(variables.input).toEqual(inline.input);
    expect(aliased).toEqual({
      operation: 'revokeToken',
      input: { 'a: revokeToken': { tokenId: '1' }, 'b: revokeToken': { tokenId: '2' } },
      channel: 'graphql',
    });
  });

  it('follows fragments and leaves out fields skipped by a directive', () => {
    const summary = summaryOf(
      `mutation($skip: Boolean!) {
        ...Notes
        revokeToken(tokenId: "9") @skip(if: $skip)
      }
      fragment Notes on Mutation { note(text: "hi") }`,
      { skip: true },
    );

    expect(summary.operation).toBe('note');
    expect(summary.input).toEqual({ note: { text: 'hi' } });
  });

  it('cuts long text and lists, and makes NULs and lone surrogates storable', () => {
    const summary = summariseInput({
      text: 'x'.repeat(5000),
      tags: Array.from({ length: 50 }, (_, index) => `t${index}`),
      odd: 'a\u0000b\uD800c',
    });

    expect(summary.text).toBe(`${'x'.repeat(textLengthMax)}… (5000 characters)`);
    expect(summary.tags).toHaveLength(21);
    expect((summary.tags as string[]).at(-1)).toBe('… (30 more)');
    expect(summary.odd).toBe('ab\uFFFDc');
  });

  it('caps the whole summary, keeping a preview that is valid text', () => {
    const many = Object.fromEntries(
      Array.from({ length: 200 }, (_, index) => [`field${index}`, 'é'.repeat(150)]),
    );

    const summary = summariseInput(many);

    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(summaryBytesMax);
    expect(summary.truncated).toMatch(/^the input summary was \d+ bytes/);
    expect(String(summary.preview)).not.toContain('\uFFFD');
  });
});

describe('the outcome', () => {
  const succeeded = { field: 'receiveStock', payloadErrors: [] };
  const payloadError = { field: 'quantity', code: 'INVALID_QUANTITY', message: 'bad' };

  it('is refused on an authorisation error, whatever else happened', () => {
    const errors = [
      { message: 'no', extensions: { code: 'FORBIDDEN' } },
      { message: 'Internal', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ];
    expect(outcomeOf(errors, [succeeded]).outcome).toBe('refused');
  });

  it('is failed on an internal error, rejected on a bad argument or payload error', () => {
    const internal = [{ message: 'Internal', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
    const badInput = [{ message: 'first: …', extensions: { code: 'BAD_USER_INPUT' } }];
    const rejected = { field: 'adjustStock', payloadErrors: [payloadError] };

    expect(outcomeOf(internal, []).outcome).toBe('failed');
    expect(outcomeOf(badInput, []).outcome).toBe('rejected');
    expect(outcomeOf([], [succeeded, rejected])).toEqual({
      outcome: 'rejected',
      detail: { payloadErrors: [{ operation: 'adjustStock', ...payloadError }] },
    });
    expect(outcomeOf([], [succeeded])).toEqual({ outcome: 'succeeded', detail: {} });
  });
});
