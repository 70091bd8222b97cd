/**
 * API tokens as the Tokens screen reads and changes them: the documents, the scopes with what
 * each allows, and a token's state in words. A token's secret is never read back: the API
 * keeps only its hash and answers the secret once, when the token is made.
 */
import { graphql } from '$lib/gql';
import type { ApiScope, ApiTokenFieldsFragment } from '$lib/gql/graphql';

export type ApiToken = ApiTokenFieldsFragment;

export const apiTokenFields = graphql(`
  fragment ApiTokenFields on ApiToken {
    id
    name
    scopes
    createdAt
    createdBy
    expiresAt
    revokedAt
    lastUsedAt
    isActive
  }
`);

export const apiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens {
      ...ApiTokenFields
    }
    users {
      id
      email
    }
  }
`);

export const createApiTokenMutation = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token {
        ...ApiTokenFields
      }
      secret
      errors {
        field
        code
        message
      }
    }
  }
`);

export const revokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      errors {
        field
        code
        message
      }
    }
  }
`);

/** Every scope, in the order the screen offers them, with what each lets a token do. */
export const scopeChoices: readonly { scope: ApiScope; label: string; allows: string }[] = [
  { scope: 'STOCK_READ', label: 'stock:read', allows: 'read levels, movements, SKUs' },
  { scope: 'STOCK_WRITE', label: 'stock:write', allows: 'receive, adjust, transfer, count' },
  { scope: 'ORDERS_READ', label: 'orders:read', allows: 'read orders and their changes' },
  { scope: 'FINANCE_READ', label: 'finance:read', allows: 'read costs, margins, revenue' },
  { scope: 'FINANCE_WRITE', label: 'finance:write', allows: 'change costs and invoices' },
  { scope: 'ADMIN', label: 'admin', allows: 'everything, people and tokens included' },
];

export function scopeLabel(scope: ApiScope): string {
  return scopeChoices.find((choice) => choice.scope === scope)?.label ?? scope;
}

/**
 * Who made a token, as a person reads it: a person's email for `user:<id>`, a token's name for
 * `token:<id>`, the recorded actor otherwise (`cli:<OS user>`, `system`).
 */
export function creatorName(
  createdBy: string | null | undefined,
  known: {
    users: readonly { id: string; email: string }[];
    tokens: readonly { id: string; name: string }[];
  },
): string | null {
  if (createdBy === null || createdBy === undefined) {
    return null;
  }
  const [kind, id] = createdBy.split(':', 2);
  const name =
    kind === 'user'
      ? known.users.find((user) => user.id === id)?.email
      : kind === 'token'
        ? known.tokens.find((token) => token.id === id)?.name
        : undefined;
  return name ?? createdBy;
}

/** Whether a token works now, and if not, why not. */
export type TokenState = 'active' | 'revoked' | 'expired';

export function tokenState(token: ApiToken): TokenState {
  if (token.revokedAt !== null && token.revokedAt !== undefined) {
    return 'revoked';
  }
  return token.isActive ? 'active' : 'expired';
}
