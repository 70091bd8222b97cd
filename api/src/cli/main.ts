/**
 * `pnpm qm …`: operations on the running system's database from the command line. It finds
 * the same database the system uses (DATABASE_URL, or the embedded server under QM_DATA_DIR,
 * started for the command if the system is not running).
 *
 *   qm ledger verify            recompute balances from movements; exit 1 on any difference
 *   qm tokens create --name N --scope S [--scope S ...]   print a new API token once
 *   qm tokens list              every token (never its secret)
 *   qm tokens revoke ID         refuse the token from now on
 *
 * Creating and revoking a token are recorded in the audit trail as the OS user running the
 * command (`cli:<user>`), in the same transaction as the change.
 */
import 'reflect-metadata';

import os from 'node:os';
import { parseArgs } from 'node:util';

import { createToken, listTokens, revokeToken, scopes, type Scope } from '../access/tokens.ts';
import { recordAuditEvent, summariseInput, type AuditEventInput } from '../audit/audit.ts';
import { verifyLedger } from '../ledger/ledger.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { createPool, openDatabase } from '../platform/database.ts';
import { createLogger } from '../platform/logger.ts';
import { withTransaction } from '../platform/transaction.ts';

const usage = `usage:
  pnpm qm ledger verify [--json]
  pnpm qm tokens create --name NAME --scope ${scopes.join('|')} [--scope ...]
  pnpm qm tokens list
  pnpm qm tokens revoke ID`;

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
      return await tokensRevoke(pool, rest[0] ?? '');
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
  const created = await withTransaction(pool, async (tx) => {
    const token = await createToken(tx, { name, scopes: requested as Scope[] });
    await recordAuditEvent(tx, {
      ...cliEvent('qm tokens create', { name, scopes: requested }),
      outcome: 'succeeded',
      detail: {},
      subject: `token:${token.id}`,
    });
    return token;
  });
  process.stdout.write(`${created.token}\n`);
  process.stderr.write(`Token ${created.id} created; it is shown only this once.\n`);
  return 0;
}

async function tokensRevoke(pool: ReturnType<typeof createPool>, tokenId: string) {
  const revoked = await withTransaction(pool, async (tx) => {
    const done = await revokeToken(tx, tokenId);
    const detail = done
      ? {}
      : { errors: [{ code: 'TOKEN_NOT_FOUND', message: `no live token ${tokenId}` }] };
    await recordAuditEvent(tx, {
      ...cliEvent('qm tokens revoke', { id: tokenId }),
      outcome: done ? 'succeeded' : 'rejected',
      detail,
      subject: done ? `token:${tokenId}` : null,
    });
    return done;
  });
  process.stderr.write(revoked ? 'Token revoked.\n' : `qm: no live token ${tokenId}\n`);
  return revoked ? 0 : 1;
}

/** An audit event for a command run by the OS user at this terminal. */
function cliEvent(operation: string, input: Record<string, unknown>): AuditEventInput {
  const user = osUserName();
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

function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A container user without a passwd entry has no name, only an id.
    return process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
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
