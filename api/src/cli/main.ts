/**
 * `pnpm qm …`: operations on the running system's database from the command line. It finds
 * the same database the system uses (DATABASE_URL, or the embedded server under QM_DATA_DIR,
 * started for the command if the system is not running).
 *
 *   qm ledger verify            recompute balances from movements; exit 1 on any difference
 *   qm tokens create --name N --scope S [--scope S ...] [--expires-in 30d | --expires-at ISO]
 *                               print a new API token once
 *   qm tokens list              every token (never its secret), its expiry and creator
 *   qm tokens revoke ID         refuse the token from now on
 *   qm users create --email E --role R [--role R ...] [--name N] [--password-stdin]
 *                               a new person; prints a one-time password unless one is read
 *   qm users list               every person (never a password)
 *
 * Creating a person and creating or revoking a token are recorded in the audit trail as the OS
 * user running the command (`cli:<user>`), in the same transaction as the change.
 */
import 'reflect-metadata';

import os from 'node:os';
import { parseArgs } from 'node:util';

import {
  createToken,
  listTokens,
  revokeToken,
  scopes,
  tokenInputErrors,
  type TokenError,
  type TokenSummary,
} from '../access/tokens.ts';
import { roles } from '../access/permissions.ts';
import { createUser, listUsers } from '../access/users.ts';
import { recordAuditEvent, summariseInput, type AuditEventInput } from '../audit/audit.ts';
import { verifyLedger } from '../ledger/ledger.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { createPool, openDatabase } from '../platform/database.ts';
import { createLogger } from '../platform/logger.ts';
import { withTransaction } from '../platform/transaction.ts';
import { parseExpiry } from './expiry.ts';

const usage = `usage:
  pnpm qm ledger verify [--json]
  pnpm qm tokens create --name NAME --scope ${scopes.join('|')} [--scope ...]
                        [--expires-in 30d|12h | --expires-at 2027-01-31T18:00:00Z]
  pnpm qm tokens list
  pnpm qm tokens revoke ID
  pnpm qm users create --email EMAIL --role ${roles.join('|')} [--role ...] [--name NAME]
                       [--password-stdin]
  pnpm qm users list`;

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL === undefined ? 'warn' : config.logLevel);
  const database = await openDatabase({ ...config, logger });
  const pool = createPool(database.url, 2);

  try {
    if (group === 'ledger' && command === 'verify') {
      return await ledgerVerify(pool, rest);
    }
    if (group === 'tokens' && command === 'create') {
      return await tokensCreate(pool, rest);
    }
    if (group === 'tokens' && command === 'list') {
      process.stdout.write(
        (await listTokens(pool)).map((token) => `${tokenLine(token)}\n`).join(''),
      );
      return 0;
    }
    if (group === 'tokens' && command === 'revoke' && rest.length === 1) {
      return await tokensRevoke(pool, rest[0] ?? '');
    }
    if (group === 'users' && command === 'create') {
      return await usersCreate(pool, rest);
    }
    if (group === 'users' && command === 'list') {
      for (const user of await listUsers(pool)) {
        const state = user.disabledAt === null ? 'enabled' : 'disabled';
        const signedIn = user.lastSignInAt?.toISOString() ?? 'never';
        process.stdout.write(
          `${user.id}\t${state}\t${user.email}\t${user.roles.join(',')}\t${user.name}` +
            `\tlast sign-in ${signedIn}\n`,
        );
      }
      return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await pool.end();
    await database.stop();
  }
}

async function ledgerVerify(pool: ReturnType<typeof createPool>, args: string[]) {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const report = await verifyLedger(pool);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.differences.length === 0 ? 0 : 1;
  }

  process.stdout.write(
    `Checked ${report.balancesChecked} balances against ${report.movementsChecked} movements.\n`,
  );
  for (const difference of report.differences) {
    process.stdout.write(
      `DIFFERENCE ${difference.skuCode ?? `(unnamed SKU ${difference.skuId})`} at ` +
        `${difference.locationName}: on hand ${difference.onHandBalance} in the balance, ` +
        `${difference.onHandMovements} from movements; reserved ${difference.reservedBalance}` +
        ` in the balance, ${difference.reservedMovements} from movements\n`,
    );
  }
  process.stdout.write(
    report.differences.length === 0
      ? 'Ledger is consistent: every balance equals the sum of its movements.\n'
      : `${report.differences.length} balance(s) differ from their movements.\n`,
  );
  return report.differences.length === 0 ? 0 : 1;
}

async function tokensCreate(pool: ReturnType<typeof createPool>, args: string[]) {
  let values: { name?: string; scope?: string[]; 'expires-in'?: string; 'expires-at'?: string };
  try {
    values = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        scope: { type: 'string', multiple: true },
        'expires-in': { type: 'string' },
        'expires-at': { type: 'string' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`qm: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }

  const expiry = parseExpiry({ expiresIn: values['expires-in'], expiresAt: values['expires-at'] });
  const input = {
    name: values.name ?? '',
    scopes: values.scope ?? [],
    expiresAt: 'expiresAt' in expiry ? expiry.expiresAt : null,
  };
  const problems = [
    ...tokenInputErrors(input).map(describeTokenError),
    ...('problem' in expiry ? [expiry.problem] : []),
  ];
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `qm: ${problem}\n`).join('')}${usage}\n`);
    return 2;
  }

  const created = await withTransaction(pool, async (tx) => {
    const token = await createToken(tx, { ...input, createdBy: `cli:${osUser()}` });
    await recordAuditEvent(tx, {
      ...cliEvent('qm tokens create', input),
      outcome: 'succeeded',
      detail: {},
      subject: `token:${token.id}`,
    });
    return token;
  });
  process.stdout.write(`${created.token}\n`);
  const until = input.expiresAt === null ? '' : `, valid until ${input.expiresAt.toISOString()}`;
  process.stderr.write(`Token ${created.id} created${until}; it is shown only this once.\n`);
  return 0;
}

async function tokensRevoke(pool: ReturnType<typeof createPool>, id: string) {
  const outcome = await withTransaction(pool, async (tx) => {
    const revoked = await revokeToken(tx, id);
    await recordAuditEvent(tx, {
      ...cliEvent('qm tokens revoke', { id }),
      outcome: revoked === 'revoked' ? 'succeeded' : 'rejected',
      // The codes revokeApiToken answers for the same refusals.
      detail: revoked === 'revoked' ? {} : { errors: [{ code: revokeErrorCodes[revoked] }] },
      subject: revoked === 'not_found' ? null : `token:${id}`,
    });
    return revoked;
  });
  switch (outcome) {
    case 'revoked':
      process.stderr.write(`Token ${id} revoked; its open connections are being closed.\n`);
      return 0;
    case 'already_revoked':
      process.stderr.write(`qm: token ${id} was already revoked\n`);
      return 1;
    case 'not_found':
      process.stderr.write(`qm: no token ${id.slice(0, 40)}\n`);
      return 1;
  }
}

/** One tab-separated line: id, state, name, scopes, expiry, creator, last use. */
function tokenLine(token: TokenSummary): string {
  const state = token.revokedAt ? 'revoked' : token.isActive ? 'live' : 'expired';
  return [
    token.id,
    state,
    token.name,
    token.scopes.join(','),
    `expires ${token.expiresAt?.toISOString() ?? 'never'}`,
    `created by ${token.createdBy ?? 'unknown'}`,
    `last used ${token.lastUsedAt?.toISOString() ?? 'never'}`,
  ].join('\t');
}

/** A token error in the command line's words: the option at fault, then what is wrong. */
function describeTokenError(error: TokenError): string {
  const option = { name: '--name', scopes: '--scope', expiresAt: '--expires-in/--expires-at' };
  return `${option[error.field as keyof typeof option] ?? error.field}: ${error.message}`;
}

const revokeErrorCodes = { not_found: 'TOKEN_NOT_FOUND', already_revoked: 'ALREADY_REVOKED' };

/** An audit event for a command run by the OS user at this terminal. */
function cliEvent(operation: string, input: Record<string, unknown>): AuditEventInput {
  const user = osUser();
  return {
    actor: `cli:${user}`,
    actorKind: 'cli',
    actorLabel: user,
    operation,
    input: summariseInput(input),
    sourceAddress: os.hostname(),
    userAgent: `qm (Node.js ${process.version})`,
    channel: 'cli',
  };
}

/** The operating-system account running the command, recorded as who created a token. */
function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A container may run under a uid with no account name.
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

async function usersCreate(pool: ReturnType<typeof createPool>, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      role: { type: 'string', multiple: true },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });
  const requested = values.role ?? [];
  const unknown = requested.filter((role) => !(roles as readonly string[]).includes(role));
  const problem =
    values.email === undefined
      ? '--email is required'
      : requested.length === 0
        ? `name at least one --role (${roles.join(', ')})`
        : unknown.length > 0
          ? `unknown role(s): ${unknown.join(', ')}`
          : null;
  if (problem !== null || values.email === undefined) {
    process.stderr.write(`qm: ${problem}\n${usage}\n`);
    return 2;
  }

  const password = values['password-stdin'] ? await passwordFromStdin() : null;
  const input = { email: values.email, name: values.name, roles: requested };
  const created = await withTransaction(pool, async (tx) => {
    const outcome = await createUser(tx, { ...input, password, createdBy: `cli:${osUser()}` });
    await recordAuditEvent(tx, {
      ...cliEvent('qm users create', input),
      outcome: outcome.user === null ? 'rejected' : 'succeeded',
      detail: { errors: outcome.errors.map((error) => ({ ...error })) },
      subject: outcome.user === null ? null : `user:${outcome.user.id}`,
    });
    return outcome;
  });
  if (created.user === null) {
    for (const error of created.errors) {
      process.stderr.write(`qm: ${error.message} (${error.code})\n`);
    }
    return 1;
  }

  if (created.oneTimePassword !== null) {
    process.stdout.write(`${created.oneTimePassword}\n`);
    process.stderr.write(
      `User ${created.user.id} (${created.user.email}) created. The one-time password above ` +
        'is shown only this once; they must change it at their first sign-in.\n',
    );
  } else {
    process.stderr.write(`User ${created.user.id} (${created.user.email}) created.\n`);
  }
  return 0;
}

/** The whole of standard input, less one line ending: a password piped in or typed. */
async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError ? `${error.message}\n` : `qm: ${(error as Error).message}\n`,
    );
    process.exit(1);
  },
);
