/**
 * People: creating accounts, changing their names, roles and whether they may sign in,
 * resetting and changing passwords, and listing them. Every refusal comes back as an
 * `AccessError` with a code from `accessErrorCodes`; exceptions mean a bug or an outage.
 *
 * There is always at least one enabled admin: removing the admin role from, or disabling, the
 * last one is refused. Accounts are never deleted (sessions and the audit trail point at
 * them); a person who leaves is disabled. Changing an email is not offered: it names the
 * person in the audit trail, and a new account is the honest way to record a new address.
 */
import type pg from 'pg';

import { emailPattern } from '../platform/config.ts';
import { withTransaction, type Queryable, type Tx } from '../platform/transaction.ts';
import {
  generateOneTimePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from './passwords.ts';
import { isRole, roles as allRoles, type Role } from './permissions.ts';
import { endSessionsOfUser } from './sessions.ts';

/** Every way an access operation can be refused; the GraphQL enum mirrors it. */
export const accessErrorCodes = [
  'INVALID_CREDENTIALS',
  'ACCOUNT_LOCKED',
  'ADDRESS_BLOCKED',
  'PASSWORD_TOO_WEAK',
  'WRONG_PASSWORD',
  'SAME_PASSWORD',
  'EMAIL_TAKEN',
  'INVALID_EMAIL',
  'INVALID_NAME',
  'USER_NOT_FOUND',
  'ROLE_REQUIRED',
  'LAST_ADMIN',
  'SESSION_REQUIRED',
] as const;
export type AccessErrorCode = (typeof accessErrorCodes)[number];

export interface AccessError {
  /** The input field at fault, or '' when the refusal is about the whole request. */
  field: string;
  code: AccessErrorCode;
  message: string;
}

export const emailLengthMax = 254;
export const nameLengthMax = 200;

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  mustChangePassword: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  passwordChangedAt: Date;
  lastSignInAt: Date | null;
  createdBy: string;
}

const userColumns = `id::text, email, name, roles, must_change_password AS "mustChangePassword",
  disabled_at AS "disabledAt", created_at AS "createdAt", updated_at AS "updatedAt",
  password_changed_at AS "passwordChangedAt", last_sign_in_at AS "lastSignInAt",
  created_by AS "createdBy"`;

/** The stored form of an email: trimmed and lower-cased, so one address is one person. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Roles without repeats, in the order `roles` lists them. */
function canonicalRoles(held: readonly Role[]): Role[] {
  return allRoles.filter((role) => held.includes(role));
}

function refused(field: string, code: AccessErrorCode, message: string) {
  return { user: null, errors: [{ field, code, message }] };
}

export interface UserOutcome {
  user: UserRecord | null;
  errors: AccessError[];
}

export interface CreateUserInput {
  email: string;
  name?: string | null;
  roles: readonly string[];
  /** A chosen password; without one a one-time password is made and must be changed. */
  password?: string | null;
  /** Who creates the account, as recorded: 'user:<id>', 'token:<id>', 'cli', 'first-run'. */
  createdBy: string;
}

export interface CreatedUser extends UserOutcome {
  /** The generated password, returned this once and never stored; null when one was chosen. */
  oneTimePassword: string | null;
}

export async function createUser(db: Queryable, input: CreateUserInput): Promise<CreatedUser> {
  const email = normalizeEmail(input.email);
  const name = (input.name ?? '').trim();
  const problem = emailProblem(email) ?? rolesProblem(input.roles) ?? nameProblem(name);
  if (problem !== null) {
    return { ...problem, oneTimePassword: null };
  }
  const chosen = input.password ?? null;
  const weakness = chosen === null ? null : passwordProblem(chosen, email);
  if (weakness !== null) {
    return {
      ...refused('password', 'PASSWORD_TOO_WEAK', `password ${weakness}`),
      oneTimePassword: null,
    };
  }

  const oneTimePassword = chosen === null ? generateOneTimePassword() : null;
  const created = await db.query<UserRecord>(
    `INSERT INTO users (email, name, password_hash, roles, must_change_password, created_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT ((lower(email))) DO NOTHING
     RETURNING ${userColumns}`,
    [
      email,
      name,
      await hashPassword(chosen ?? oneTimePassword ?? ''),
      canonicalRoles(input.roles as Role[]),
      oneTimePassword !== null,
      input.createdBy,
    ],
  );
  const user = created.rows[0];
  if (user === undefined) {
    return {
      ...refused('email', 'EMAIL_TAKEN', `${email} already has an account`),
      oneTimePassword: null,
    };
  }
  return { user, errors: [], oneTimePassword };
}

export interface UpdateUserInput {
  userId: string;
  /** Unchanged when undefined or null. */
  name?: string | null;
  roles?: readonly string[] | null;
  disabled?: boolean | null;
}

/**
 * Changes a person's name, roles or whether they may sign in. Disabling ends every session
 * they hold at once. The enabled admins are locked first, always in id order, so that two
 * admins demoting each other at the same moment cannot both succeed and leave none.
 */
export async function updateUser(pool: pg.Pool, input: UpdateUserInput): Promise<UserOutcome> {
  const name = input.name == null ? null : input.name.trim();
  const problem =
    (name === null ? null : nameProblem(name)) ??
    (input.roles == null ? null : rolesProblem(input.roles));
  if (problem !== null) {
    return problem;
  }

  return withTransaction(pool, async (tx) => {
    const admins = await tx.query<{ id: string }>(
      `SELECT id::text FROM users WHERE 'admin' = ANY (roles) AND disabled_at IS NULL
       ORDER BY users.id FOR UPDATE`,
    );
    const current = await lockUser(tx, input.userId);
    if (current === null) {
      return refused('userId', 'USER_NOT_FOUND', `no user ${input.userId}`);
    }

    const roles = input.roles == null ? current.roles : canonicalRoles(input.roles as Role[]);
    const disabled = input.disabled ?? current.disabledAt !== null;
    const wasAdmin = current.roles.includes('admin') && current.disabledAt === null;
    const staysAdmin = roles.includes('admin') && !disabled;
    if (wasAdmin && !staysAdmin && admins.rows.length <= 1) {
      return refused(
        input.roles != null && !roles.includes('admin') ? 'roles' : 'disabled',
        'LAST_ADMIN',
        `${current.email} is the only enabled admin; make someone else an admin first`,
      );
    }

    const updated = await tx.query<UserRecord>(
      `UPDATE users SET name = $2, roles = $3, updated_at = now(),
         disabled_at = CASE WHEN NOT $4 THEN NULL ELSE coalesce(disabled_at, now()) END
       WHERE id = $1 RETURNING ${userColumns}`,
      [current.id, name ?? current.name, roles, disabled],
    );
    if (disabled && current.disabledAt === null) {
      await endSessionsOfUser(tx, current.id, 'user_disabled');
    }
    return { user: updated.rows[0] ?? null, errors: [] };
  });
}

export interface ResetPassword extends UserOutcome {
  oneTimePassword: string | null;
}

/**
 * An admin's reset: a new one-time password the person must replace at their next sign-in.
 * Every session they hold ends, since whoever knew the old password may hold one of them.
 */
export async function resetPassword(pool: pg.Pool, userId: string): Promise<ResetPassword> {
  if (!/^\d{1,18}$/.test(userId)) {
    return { ...refused('userId', 'USER_NOT_FOUND', `no user ${userId}`), oneTimePassword: null };
  }
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);

  return withTransaction(pool, async (tx) => {
    const updated = await tx.query<UserRecord>(
      `UPDATE users SET password_hash = $2, must_change_password = true,
         password_changed_at = now(), updated_at = now()
       WHERE id = $1 RETURNING ${userColumns}`,
      [userId, passwordHash],
    );
    const user = updated.rows[0];
    if (user === undefined) {
      return { ...refused('userId', 'USER_NOT_FOUND', `no user ${userId}`), oneTimePassword: null };
    }
    await endSessionsOfUser(tx, userId, 'password_reset');
    return { user, errors: [], oneTimePassword };
  });
}

export interface ChangePasswordInput {
  userId: string;
  /** The session asking; it stays signed in while every other one ends. */
  sessionId: string;
  currentPassword: string;
  newPassword: string;
}

/** A person choosing a new password; clears the need to change it after a reset. */
export async function changePassword(
  pool: pg.Pool,
  input: ChangePasswordInput,
): Promise<UserOutcome> {
  const found = await pool.query<{ email: string; password_hash: string }>(
    'SELECT email, password_hash FROM users WHERE id = $1 AND disabled_at IS NULL',
    [input.userId],
  );
  const stored = found.rows[0];
  if (stored === undefined) {
    return refused('', 'USER_NOT_FOUND', 'this account no longer exists or is disabled');
  }
  if (!(await verifyPassword(stored.password_hash, input.currentPassword))) {
    return refused('currentPassword', 'WRONG_PASSWORD', 'currentPassword is not your password');
  }
  if (input.newPassword === input.currentPassword) {
    return refused('newPassword', 'SAME_PASSWORD', 'newPassword must differ from the current one');
  }
  const weakness = passwordProblem(input.newPassword, stored.email);
  if (weakness !== null) {
    return refused('newPassword', 'PASSWORD_TOO_WEAK', `newPassword ${weakness}`);
  }

  const passwordHash = await hashPassword(input.newPassword);
  return withTransaction(pool, async (tx) => {
    const updated = await tx.query<UserRecord>(
      `UPDATE users SET password_hash = $2, must_change_password = false,
         password_changed_at = now(), updated_at = now()
       WHERE id = $1 RETURNING ${userColumns}`,
      [input.userId, passwordHash],
    );
    await endSessionsOfUser(tx, input.userId, 'password_changed', input.sessionId);
    return { user: updated.rows[0] ?? null, errors: [] };
  });
}

/** Every person, enabled first, then by email. */
export async function listUsers(db: Queryable): Promise<UserRecord[]> {
  const found = await db.query<UserRecord>(
    `SELECT ${userColumns} FROM users ORDER BY disabled_at IS NOT NULL, email`,
  );
  return found.rows;
}

export async function findUser(db: Queryable, userId: string): Promise<UserRecord | null> {
  if (!/^\d{1,18}$/.test(userId)) {
    return null;
  }
  const found = await db.query<UserRecord>(`SELECT ${userColumns} FROM users WHERE id = $1`, [
    userId,
  ]);
  return found.rows[0] ?? null;
}

/** The stored password hash of an email's account, for signing in. */
export async function credentialsOf(
  db: Queryable,
  email: string,
): Promise<(UserRecord & { passwordHash: string }) | null> {
  const found = await db.query<UserRecord & { passwordHash: string }>(
    `SELECT ${userColumns}, password_hash AS "passwordHash" FROM users WHERE lower(email) = $1`,
    [normalizeEmail(email)],
  );
  return found.rows[0] ?? null;
}

export async function hasAnyUser(db: Queryable): Promise<boolean> {
  const found = await db.query('SELECT 1 FROM users LIMIT 1');
  return found.rowCount === 1;
}

async function lockUser(tx: Tx, userId: string): Promise<UserRecord | null> {
  if (!/^\d{1,18}$/.test(userId)) {
    return null;
  }
  const found = await tx.query<UserRecord>(
    `SELECT ${userColumns} FROM users WHERE id = $1 FOR UPDATE`,
    [userId],
  );
  return found.rows[0] ?? null;
}

function emailProblem(email: string): UserOutcome | null {
  // eslint-disable-next-line no-control-regex
  const hasControl = /[\u0000-\u001f\u007f]/.test(email);
  if (email.length > emailLengthMax || !emailPattern.test(email) || hasControl) {
    return refused(
      'email',
      'INVALID_EMAIL',
      `email must be an address such as name@example.com, at most ${emailLengthMax} characters`,
    );
  }
  return null;
}

function rolesProblem(requested: readonly string[]): UserOutcome | null {
  const unknown = requested.filter((role) => !isRole(role));
  if (unknown.length > 0) {
    return refused('roles', 'ROLE_REQUIRED', `unknown role(s): ${unknown.join(', ')}`);
  }
  if (requested.length === 0) {
    return refused('roles', 'ROLE_REQUIRED', `give at least one role (${allRoles.join(', ')})`);
  }
  return null;
}

function nameProblem(name: string): UserOutcome | null {
  if ([...name].length > nameLengthMax || name.includes('\u0000')) {
    return refused(
      'name',
      'INVALID_NAME',
      `name must be at most ${nameLengthMax} characters, without NUL`,
    );
  }
  return null;
}
