/**
 * People and sessions in the GraphQL API: who is calling (`viewer`), signing in and out,
 * changing one's own password, and, for admins, managing accounts, passwords, sessions and
 * sign-in locks. Business refusals come back in each payload's `errors` with an
 * `AccessErrorCode`; who may call what is decided by the policy (policy.ts), not here.
 *
 * Signing in works over HTTP only, since the session is a cookie set on the response.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { GraphQLError } from 'graphql';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';

import type { RequestContext } from '../app/context.ts';
import { permissionsOfRoles, type Role } from './permissions.ts';
import {
  clearedSessionCookie,
  endSession,
  endSessionsOfUser,
  liveSessionsOf,
  sessionCookie,
} from './sessions.ts';
import { signIn } from './sign-in.ts';
import {
  accessErrorCodes,
  changePassword,
  createUser,
  findUser,
  listUsers,
  resetPassword,
  updateUser,
  type AccessError as AccessErrorRecord,
  type UserRecord,
} from './users.ts';

enum RoleValue {
  ADMIN = 'admin',
  WAREHOUSE = 'warehouse',
  FINANCE = 'finance',
  VIEWER = 'viewer',
}
registerEnumType(RoleValue, {
  name: 'Role',
  description: 'A named set of permissions given to a person.',
});

enum CallerKind {
  USER = 'user',
  TOKEN = 'token',
}
registerEnumType(CallerKind, { name: 'CallerKind' });

enum AccessErrorCode {
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  ACCOUNT_LOCKED = 'ACCOUNT_LOCKED',
  ADDRESS_BLOCKED = 'ADDRESS_BLOCKED',
  PASSWORD_TOO_WEAK = 'PASSWORD_TOO_WEAK',
  WRONG_PASSWORD = 'WRONG_PASSWORD',
  SAME_PASSWORD = 'SAME_PASSWORD',
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_EMAIL = 'INVALID_EMAIL',
  INVALID_NAME = 'INVALID_NAME',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  ROLE_REQUIRED = 'ROLE_REQUIRED',
  LAST_ADMIN = 'LAST_ADMIN',
  SESSION_REQUIRED = 'SESSION_REQUIRED',
}
registerEnumType(AccessErrorCode, { name: 'AccessErrorCode' });
// Every code the access module can answer must exist in the GraphQL enum.
accessErrorCodes.forEach((code) => AccessErrorCode[code]);

@ObjectType()
class AccessError {
  @Field({ description: "The input field at fault; '' when it is the whole request." })
  field!: string;

  @Field(() => AccessErrorCode)
  code!: AccessErrorCode;

  @Field()
  message!: string;
}

@ObjectType({ description: 'The signed-in person, as they see themselves.' })
class ViewerUser {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;

  @Field(() => [RoleValue])
  roles!: Role[];

  @Field({ description: 'A reset password must be replaced with changePassword first.' })
  mustChangePassword!: boolean;
}

@ObjectType({ description: 'Who is calling: a signed-in person or an API token.' })
class Viewer {
  @Field(() => CallerKind)
  kind!: CallerKind;

  @Field(() => ViewerUser, { nullable: true, description: 'The person, for kind USER.' })
  user!: ViewerUser | null;

  @Field(() => String, { nullable: true, description: "The token's name, for kind TOKEN." })
  tokenName!: string | null;

  @Field(() => [String], { description: 'What this caller may do, e.g. stock:write.' })
  permissions!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'Send as X-CSRF-Token with every mutation of a cookie session.',
  })
  csrfToken!: string | null;
}

@ObjectType({ description: "An account's failed sign-ins and its lock, if any." })
class SignInLock {
  @Field(() => Int)
  failures!: number;

  @Field(() => Date, { nullable: true })
  lockedUntil!: Date | null;
}

@ObjectType({ description: 'A browser session that has not ended.' })
class UserSession {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { description: 'Updated at most once a minute.' })
  lastSeenAt!: Date;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;
}

@ObjectType({ description: 'A person who signs in with an email and password.' })
class User {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;

  @Field(() => [RoleValue])
  roles!: Role[];

  @Field()
  isDisabled!: boolean;

  @Field()
  mustChangePassword!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastSignInAt!: Date | null;
}

@ObjectType()
class SignInPayload {
  @Field(() => Viewer, { nullable: true, description: 'Who the browser now is.' })
  viewer!: Viewer | null;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@ObjectType()
class SignOutPayload {
  @Field({ description: 'Whether a session was ended.' })
  signedOut!: boolean;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@ObjectType()
class ChangePasswordPayload {
  @Field(() => Viewer, { nullable: true })
  viewer!: Viewer | null;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@ObjectType()
class UserPayload {
  @Field(() => User, { nullable: true })
  user!: User | null;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@ObjectType()
class OneTimePasswordPayload {
  @Field(() => User, { nullable: true })
  user!: User | null;

  @Field(() => String, {
    nullable: true,
    description: 'Shown this once; the person must replace it at their first sign-in.',
  })
  oneTimePassword!: string | null;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@ObjectType()
class EndSessionsPayload {
  @Field(() => Int)
  endedCount!: number;

  @Field(() => [AccessError])
  errors!: AccessError[];
}

@InputType()
class CreateUserInput {
  @Field()
  email!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [RoleValue])
  roles!: Role[];

  @Field(() => String, {
    nullable: true,
    description: 'Without one, a one-time password is made, to be changed at first sign-in.',
  })
  password?: string | null;
}

@InputType()
class UpdateUserInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [RoleValue], { nullable: true })
  roles?: Role[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Disabling ends every session of the person at once.',
  })
  disabled?: boolean | null;
}

function toUser(record: UserRecord): User {
  return {
    id: record.id,
    email: record.email,
    name: record.name,
    roles: record.roles,
    isDisabled: record.disabledAt !== null,
    mustChangePassword: record.mustChangePassword,
    createdAt: record.createdAt,
    lastSignInAt: record.lastSignInAt,
  };
}

function errorsOf(errors: AccessErrorRecord[]): AccessError[] {
  return errors.map((error) => ({ ...error, code: AccessErrorCode[error.code] }));
}

function personViewer(user: UserRecord, csrfToken: string): Viewer {
  return {
    kind: CallerKind.USER,
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      roles: user.roles,
      mustChangePassword: user.mustChangePassword,
    },
    tokenName: null,
    permissions: user.mustChangePassword ? [] : [...permissionsOfRoles(user.roles)],
    csrfToken,
  };
}

const sessionRequired: AccessErrorRecord = {
  field: '',
  code: 'SESSION_REQUIRED',
  message: 'Only a person signed in with a session can do this, not an API token',
};

@Resolver()
export class AccessResolver {
  @Query(() => Viewer, { nullable: true, description: 'Who is calling; null when nobody.' })
  async viewer(@Ctx() { pool, caller }: RequestContext): Promise<Viewer | null> {
    if (caller.kind === 'anonymous') {
      return null;
    }
    if (caller.kind === 'token') {
      return {
        kind: CallerKind.TOKEN,
        user: null,
        tokenName: caller.label,
        permissions: [...caller.permissions],
        csrfToken: null,
      };
    }
    const user = await findUser(pool, caller.userId);
    return user === null ? null : personViewer(user, caller.csrfToken);
  }

  @Mutation(() => SignInPayload, {
    description: 'Starts a session: sets the qm_session cookie on the HTTP response.',
  })
  async signIn(
    @Ctx() context: RequestContext,
    @Arg('email') email: string,
    @Arg('password') password: string,
  ): Promise<SignInPayload> {
    const { response } = context;
    if (response === undefined) {
      throw new GraphQLError('signIn works over HTTP only: the session is a cookie', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }

    const result = await signIn(context.pool, context.access, {
      email,
      password,
      origin: { address: context.caller.address, userAgent: context.caller.userAgent },
    });
    if (result.outcome === 'refused') {
      return { viewer: null, errors: errorsOf([result.error]) };
    }

    response.append('Set-Cookie', sessionCookie(result.session, context.access.sessions));
    context.signedInUser = { userId: result.user.id, label: result.user.email };
    return { viewer: personViewer(result.user, result.session.csrfToken), errors: [] };
  }

  @Mutation(() => SignOutPayload, { description: 'Ends this session and clears its cookie.' })
  async signOut(
    @Ctx() { pool, caller, response, access }: RequestContext,
  ): Promise<SignOutPayload> {
    if (caller.kind !== 'user') {
      return { signedOut: false, errors: errorsOf([sessionRequired]) };
    }
    const signedOut = await endSession(pool, caller.sessionId, 'signed_out');
    response?.append('Set-Cookie', clearedSessionCookie(access.sessions));
    return { signedOut, errors: [] };
  }

  @Mutation(() => ChangePasswordPayload, {
    description: 'Replaces your password; every other session of yours ends.',
  })
  async changePassword(
    @Ctx() { pool, caller, access }: RequestContext,
    @Arg('currentPassword') currentPassword: string,
    @Arg('newPassword') newPassword: string,
  ): Promise<ChangePasswordPayload> {
    if (caller.kind !== 'user') {
      return { viewer: null, errors: errorsOf([sessionRequired]) };
    }

    // Guessing the current password from a stolen session is throttled like signing in.
    const admission = await access.throttle.admit(caller.label, caller.address);
    if (admission.outcome !== 'admitted') {
      const code = admission.outcome === 'account-locked' ? 'ACCOUNT_LOCKED' : 'ADDRESS_BLOCKED';
      const minutes = Math.max(1, Math.ceil(admission.retryAfterMs / 60_000));
      const message = `Too many wrong passwords; try again in ${minutes} minute(s)`;
      return { viewer: null, errors: errorsOf([{ field: 'currentPassword', code, message }]) };
    }
    await sleep(admission.delayMs);
    const outcome = await changePassword(pool, {
      userId: caller.userId,
      sessionId: caller.sessionId,
      currentPassword,
      newPassword,
    });
    if (outcome.errors.some((error) => error.code === 'WRONG_PASSWORD')) {
      await access.throttle.recordFailure(caller.label, caller.address);
    } else {
      await access.throttle.recordSuccess(caller.label);
    }

    return {
      viewer: outcome.user === null ? null : personViewer(outcome.user, caller.csrfToken),
      errors: errorsOf(outcome.errors),
    };
  }

  @Query(() => [User], { description: 'Every person, enabled first.' })
  async users(@Ctx() { pool }: RequestContext): Promise<User[]> {
    return (await listUsers(pool)).map(toUser);
  }

  @Query(() => User, { nullable: true })
  async user(
    @Ctx() { pool }: RequestContext,
    @Arg('id', () => ID) id: string,
  ): Promise<User | null> {
    const found = await findUser(pool, id);
    return found === null ? null : toUser(found);
  }

  @Mutation(() => OneTimePasswordPayload)
  async createUser(
    @Ctx() { pool, caller }: RequestContext,
    @Arg('input') input: CreateUserInput,
  ): Promise<OneTimePasswordPayload> {
    const created = await createUser(pool, { ...input, createdBy: caller.actor });
    return {
      user: created.user === null ? null : toUser(created.user),
      oneTimePassword: created.oneTimePassword,
      errors: errorsOf(created.errors),
    };
  }

  @Mutation(() => UserPayload, { description: "Changes a person's name, roles or access." })
  async updateUser(
    @Ctx() { pool }: RequestContext,
    @Arg('input') input: UpdateUserInput,
  ): Promise<UserPayload> {
    const updated = await updateUser(pool, input);
    return {
      user: updated.user === null ? null : toUser(updated.user),
      errors: errorsOf(updated.errors),
    };
  }

  @Mutation(() => OneTimePasswordPayload, {
    description: "Replaces a person's password with a one-time one and ends their sessions.",
  })
  async resetPassword(
    @Ctx() { pool }: RequestContext,
    @Arg('userId', () => ID) userId: string,
  ): Promise<OneTimePasswordPayload> {
    const reset = await resetPassword(pool, userId);
    return {
      user: reset.user === null ? null : toUser(reset.user),
      oneTimePassword: reset.oneTimePassword,
      errors: errorsOf(reset.errors),
    };
  }

  @Mutation(() => EndSessionsPayload, { description: 'Signs a person out everywhere.' })
  async endSessions(
    @Ctx() { pool }: RequestContext,
    @Arg('userId', () => ID) userId: string,
  ): Promise<EndSessionsPayload> {
    const user = await findUser(pool, userId);
    if (user === null) {
      return { endedCount: 0, errors: [notFound(userId)] };
    }
    return { endedCount: await endSessionsOfUser(pool, user.id, 'ended_by_admin'), errors: [] };
  }

  @Mutation(() => UserPayload, { description: "Forgets a person's failed sign-ins; unlocks." })
  async clearSignInLock(
    @Ctx() { pool, access }: RequestContext,
    @Arg('userId', () => ID) userId: string,
  ): Promise<UserPayload> {
    const user = await findUser(pool, userId);
    if (user === null) {
      return { user: null, errors: [notFound(userId)] };
    }
    await access.throttle.clear(user.email);
    return { user: toUser(user), errors: [] };
  }
}

@Resolver(() => User)
export class UserFieldsResolver {
  @FieldResolver(() => SignInLock, {
    nullable: true,
    description: 'Failed sign-ins since the last success; null when there are none.',
  })
  async signInLock(
    @Root() user: User,
    @Ctx() { access }: RequestContext,
  ): Promise<SignInLock | null> {
    return access.throttle.lockOf(user.email);
  }

  @FieldResolver(() => [UserSession], { description: 'Sessions that have not ended.' })
  async activeSessions(
    @Root() user: User,
    @Ctx() { pool }: RequestContext,
  ): Promise<UserSession[]> {
    return liveSessionsOf(pool, user.id);
  }
}

function notFound(userId: string): AccessError {
  return {
    field: 'userId',
    code: AccessErrorCode.USER_NOT_FOUND,
    message: `no user ${userId.slice(0, 40)}`,
  };
}
