/**
 * `pnpm qm …`: operations on the running system's database from the command line. It finds
 * the same database the system uses (DATABASE_URL, or the embedded server under QM_DATA_DIR,
 * started for the command if the system is not running).
 *
 *   qm ledger verify            recompute balances from movements; exit 1 on any difference
 *   qm tokens create --name N --scope S [--scope S ...]   print a new API token once
 *   qm tokens list              every token (never its secret)
 *   qm tokens revoke ID         refuse the token from now on
 *   qm users create --email E --role R [--role R ...] [--name N] [--password-stdin]
 *                               a new person; prints a one-time password unless one is read
 *   qm users list               every person (never a password)
 */
import 'reflect-metadata';

import { parseArgs } from 'node:util';

import { roles } from '../access/permissions.ts';
import { createToken, listTokens, revokeToken, scopes, type Scope } from '../access/tokens.ts';
import { createUser, listUsers } from '../access/users.ts';
import { verifyLedger } from '../ledger/ledger.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { createPool, openDatabase } from '../platform/database.ts';
import { createLogger } from '../platform/logger.ts';

const usage = `usage:
  pnpm qm ledger verify [--json]
  pnpm qm tokens create --name NAME --scope ${scopes.join('|')} [--scope ...]
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
      for (const token of await listTokens(pool)) {
        const state = token.revokedAt ? 'revoked' : 'live';
        const used = token.lastUsedAt?.toISOString() ?? 'never';
        process.stdout.write(
          `${token.id}\t${state}\t${token.name}\t${token.scopes.join(',')}\tlast used ${used}\n`,
        );
      }
      return 0;
    }
    if (group === 'tokens' && command === 'revoke' && rest.length === 1) {
      const revoked = await revokeToken(pool, rest[0] ?? '');
      process.stderr.write(revoked ? 'Token revoked.\n' : `qm: no live token ${rest[0]}\n`);
      return revoked ? 0 : 1;
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
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } },
  });
  const requested = values.scope ?? [];
  const unknown = requested.filter((scope) => !(scopes as readonly string[]).includes(scope));
  const name = values.name?.trim() ?? '';
  const problem =
    name === '' || name.length > 100
      ? '--name is required, at most 100 characters'
      : requested.length === 0
        ? `name at least one --scope (${scopes.join(', ')})`
        : unknown.length > 0
          ? `unknown scope(s): ${unknown.join(', ')}`
          : null;
  if (problem !== null) {
    process.stderr.write(`qm: ${problem}\n${usage}\n`);
    return 2;
  }
  const created = await createToken(pool, { name, scopes: requested as Scope[] });
  process.stdout.write(`${created.token}\n`);
  process.stderr.write(`Token ${created.id} created; it is shown only this once.\n`);
  return 0;
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
  const created = await createUser(pool, {
    email: values.email,
    name: values.name,
    roles: requested,
    password,
    createdBy: 'cli',
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
