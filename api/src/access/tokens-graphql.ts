/**
 * API tokens over GraphQL: list them, create one (its secret answered once, in the payload),
 * revoke one. Only an admin may do any of it (policy.ts). Refusals come back in each payload's
 * `errors`. Closing a revoked token's open WebSockets is not done here: the database announces
 * the revocation to every API process, whoever made it (live-access.ts).
 */
import {
  Arg,
  Ctx,
  Field,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from 'type-graphql';

import type { RequestContext } from '../app/context.ts';
import type { Permission } from './permissions.ts';
import {
  createToken,
  findToken,
  listTokens,
  revokeToken,
  tokenErrorCodes,
  tokenInputErrors,
  type TokenError as TokenProblem,
  type TokenSummary,
} from './tokens.ts';

/** The scopes as GraphQL names; each value is the permission the scope grants. */
enum ApiScope {
  STOCK_READ = 'stock:read',
  STOCK_WRITE = 'stock:write',
  ORDERS_READ = 'orders:read',
  FINANCE_READ = 'finance:read',
  FINANCE_WRITE = 'finance:write',
  ADMIN = 'admin',
}
registerEnumType(ApiScope, {
  name: 'ApiScope',
  description: 'What a token may do: one permission each; ADMIN holds every permission.',
});
// Every permission must be a scope, and every scope a permission.
const scopeOfPermission: Record<Permission, ApiScope> = {
  'stock:read': ApiScope.STOCK_READ,
  'stock:write': ApiScope.STOCK_WRITE,
  'orders:read': ApiScope.ORDERS_READ,
  'finance:read': ApiScope.FINANCE_READ,
  'finance:write': ApiScope.FINANCE_WRITE,
  admin: ApiScope.ADMIN,
};

enum TokenErrorCode {
  NAME_REQUIRED = 'NAME_REQUIRED',
  NAME_TOO_LONG = 'NAME_TOO_LONG',
  SCOPE_REQUIRED = 'SCOPE_REQUIRED',
  SCOPE_UNKNOWN = 'SCOPE_UNKNOWN',
  EXPIRY_IN_PAST = 'EXPIRY_IN_PAST',
  EXPIRY_INVALID = 'EXPIRY_INVALID',
  TOKEN_NOT_FOUND = 'TOKEN_NOT_FOUND',
  ALREADY_REVOKED = 'ALREADY_REVOKED',
}
registerEnumType(TokenErrorCode, { name: 'TokenErrorCode' });
// The tokens module's codes must all exist in the GraphQL enum.
tokenErrorCodes.forEach((code) => TokenErrorCode[code]);

@ObjectType({ description: 'An API token; its secret is never readable after creation.' })
class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => [ApiScope])
  scopes!: ApiScope[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'Who created it: user:<id>, token:<id>, cli:<os user> or system.',
  })
  createdBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'Refused from this moment; null: never.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Updated at most once a minute.' })
  lastUsedAt!: Date | null;

  @Field({ description: 'Neither revoked nor expired.' })
  isActive!: boolean;
}

@ObjectType()
class TokenError {
  @Field({ description: 'The input field at fault.' })
  field!: string;

  @Field(() => TokenErrorCode)
  code!: TokenErrorCode;

  @Field()
  message!: string;
}

@ObjectType()
class CreateApiTokenPayload {
  @Field(() => ApiToken, { nullable: true })
  token!: ApiToken | null;

  @Field(() => String, {
    nullable: true,
    description: 'The bearer secret: shown only in this answer, stored only as a hash.',
  })
  secret!: string | null;

  @Field(() => [TokenError])
  errors!: TokenError[];
}

@ObjectType()
class RevokeApiTokenPayload {
  @Field(() => ApiToken, { nullable: true })
  token!: ApiToken | null;

  @Field(() => [TokenError])
  errors!: TokenError[];
}

@InputType()
class CreateApiTokenInput {
  @Field({ description: 'What the token is for, e.g. the integration; 1 to 100 characters.' })
  name!: string;

  @Field(() => [ApiScope])
  scopes!: ApiScope[];

  @Field(() => Date, { nullable: true, description: 'When it stops working; null: never.' })
  expiresAt?: Date | null;
}

@Resolver()
export class TokenResolver {
  @Query(() => [ApiToken], { description: 'Every API token, newest first.' })
  async apiTokens(@Ctx() { pool }: RequestContext): Promise<ApiToken[]> {
    return (await listTokens(pool)).map(apiTokenOf);
  }

  @Mutation(() => CreateApiTokenPayload, {
    description: 'A new API token for an integrator or a connector; its secret is shown once.',
  })
  async createApiToken(
    @Ctx() { pool, caller }: RequestContext,
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
  ): Promise<CreateApiTokenPayload> {
    const problems = tokenInputErrors(input);
    if (problems.length > 0) {
      return { token: null, secret: null, errors: problems.map(tokenErrorOf) };
    }

    const created = await createToken(pool, { ...input, createdBy: caller.actor });
    const token = await findToken(pool, created.id);
    return { token: token && apiTokenOf(token), secret: created.token, errors: [] };
  }

  @Mutation(() => RevokeApiTokenPayload, {
    description: 'Refuses the token from now on and closes its open WebSocket connections.',
  })
  async revokeApiToken(
    @Ctx() { pool }: RequestContext,
    @Arg('id', () => ID) id: string,
  ): Promise<RevokeApiTokenPayload> {
    const outcome = await revokeToken(pool, id);
    const token = await findToken(pool, id);
    if (outcome === 'not_found' || token === null) {
      const message = `No API token ${id.slice(0, 40)}`;
      return {
        token: null,
        errors: [tokenErrorOf({ field: 'id', code: 'TOKEN_NOT_FOUND', message })],
      };
    }
    if (outcome === 'already_revoked') {
      const message = 'This token was already revoked';
      const error = tokenErrorOf({ field: 'id', code: 'ALREADY_REVOKED', message });
      return { token: apiTokenOf(token), errors: [error] };
    }
    return { token: apiTokenOf(token), errors: [] };
  }
}

function apiTokenOf(summary: TokenSummary): ApiToken {
  return { ...summary, scopes: summary.scopes.map((scope) => scopeOfPermission[scope]) };
}

function tokenErrorOf(problem: TokenProblem): TokenError {
  return { ...problem, code: TokenErrorCode[problem.code] };
}
