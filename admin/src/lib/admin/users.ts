/**
 * The people who may sign in, as the Users screen reads and changes them: the documents, the
 * roles with what each allows, and a person's state in words. Only an admin reaches any of it;
 * the API refuses everyone else.
 */
import { graphql } from '$lib/gql';
import type { Role, UserFieldsFragment } from '$lib/gql/graphql';

export type User = UserFieldsFragment;

export const userFields = graphql(`
  fragment UserFields on User {
    id
    email
    name
    roles
    isDisabled
    mustChangePassword
    createdAt
    lastSignInAt
    activeSessions {
      id
      lastSeenAt
    }
    signInLock {
      failures
      lockedUntil
    }
  }
`);

export const usersQuery = graphql(`
  query Users {
    users {
      ...UserFields
    }
  }
`);

export const createUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      user {
        ...UserFields
      }
      oneTimePassword
      errors {
        field
        code
        message
      }
    }
  }
`);

export const updateUserMutation = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      user {
        ...UserFields
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

export const resetPasswordMutation = graphql(`
  mutation ResetPassword($userId: ID!) {
    resetPassword(userId: $userId) {
      oneTimePassword
      errors {
        field
        code
        message
      }
    }
  }
`);

export const endSessionsMutation = graphql(`
  mutation EndSessions($userId: ID!) {
    endSessions(userId: $userId) {
      errors {
        field
        code
        message
      }
    }
  }
`);

export const clearSignInLockMutation = graphql(`
  mutation ClearSignInLock($userId: ID!) {
    clearSignInLock(userId: $userId) {
      errors {
        field
        code
        message
      }
    }
  }
`);

/** Every role, in the order the screen offers them, with what each lets a person do. */
export const roleChoices: readonly { role: Role; label: string; allows: string }[] = [
  { role: 'WAREHOUSE', label: 'Warehouse', allows: 'stock: read and change; orders: read' },
  { role: 'FINANCE', label: 'Finance', allows: 'stock and orders: read; money: read and change' },
  { role: 'VIEWER', label: 'Viewer', allows: 'stock, orders and money: read only' },
  { role: 'ADMIN', label: 'Admin', allows: 'everything, people and tokens included' },
];

export function roleLabel(role: Role): string {
  return roleChoices.find((choice) => choice.role === role)?.label ?? role;
}

/** True while the person is locked out of signing in, at `nowMs`. */
export function isLocked(user: User, nowMs: number): boolean {
  const lockedUntil = user.signInLock?.lockedUntil;
  return lockedUntil !== null && lockedUntil !== undefined && Date.parse(lockedUntil) > nowMs;
}

/** True when a lock or counted failures are there to clear. */
export function hasSignInLock(user: User): boolean {
  return (user.signInLock?.failures ?? 0) > 0 || isLocked(user, Date.now());
}
