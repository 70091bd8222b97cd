/**
 * MikroORM over the same database: the schema migrations and the entities that the read side
 * of the API maps rows to. Stock writes do not go through the unit of work; they call the
 * ledger's database functions so that the locking and the rules stay in one place.
 */
import { MikroORM, type EntityClass, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';

import * as auditSchema from '../../../migrations/Migration20261203110000_audit.ts';
import * as ledgerSchema from '../../../migrations/Migration20261203000000_ledger.ts';
import * as peopleSchema from '../../../migrations/Migration20261203100000_people.ts';
import * as tokensSchema from '../../../migrations/Migration20261203120000_tokens.ts';
import * as costsSchema from '../../../migrations/Migration20261203130000_costs.ts';
import * as accountingSchema from '../../../migrations/Migration20261204000000_accounting.ts';
import * as orderStateSchema from '../../../migrations/Migration20261205000000_order_state.ts';
import type { Logger } from './logger.ts';

export const migrationsList = [
  { name: 'Migration20261203000000_ledger', class: ledgerSchema.Migration20261203000000Ledger },
  { name: 'Migration20261203100000_people', class: peopleSchema.Migration20261203100000People },
  { name: 'Migration20261203110000_audit', class: auditSchema.Migration20261203110000Audit },
  { name: 'Migration20261203120000_tokens', class: tokensSchema.Migration20261203120000Tokens },
  { name: 'Migration20261203130000_costs', class: costsSchema.Migration20261203130000Costs },
  {
    name: 'Migration20261204000000_accounting',
    class: accountingSchema.Migration20261204000000Accounting,
  },
  {
    name: 'Migration20261205000000_order_state',
    class: orderStateSchema.Migration20261205000000OrderState,
  },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEntity = EntityClass<any>;

export function ormOptions(url: string, entities: AnyEntity[]): Options {
  return {
    clientUrl: url,
    entities,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList,
      tableName: 'schema_migrations',
      transactional: true,
      silent: true,
      // The schema is written by hand in the migrations; no snapshot to diff entities against.
      snapshot: false,
    },
    pool: { min: 0, max: 10 },
    debug: false,
    allowGlobalContext: false,
  };
}

export async function openOrm(url: string, entities: AnyEntity[]): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, entities));
}

/** Applies every pending migration; safe to run on each start and from several processes. */
export async function migrate(orm: MikroORM, url: string, logger: Logger): Promise<void> {
  // Two processes starting together must not both apply the same migration; the advisory
  // lock is held on a connection of its own for the whole run.
  const lockClient = new pg.Client({ connectionString: url });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock(72710001)');
    const applied = await orm.getMigrator().up();
    if (applied.length > 0) {
      logger.info({ migrations: applied.map((migration) => migration.name) }, 'migrated');
    }
  } finally {
    await lockClient.end();
  }
}
