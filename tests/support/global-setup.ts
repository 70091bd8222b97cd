/**
 * Starts one PostgreSQL for the whole test run (embedded, unless DATABASE_URL names a server)
 * and migrates a template database; each test file then gets a fresh copy of the template.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { migrateJobQueue } from '../../api/src/platform/jobs.ts';
import { createLogger } from '../../api/src/platform/logger.ts';
import { migrate, openOrm } from '../../api/src/platform/orm.ts';
import { startEmbeddedPostgres } from '../../api/src/platform/database.ts';

export const templateDatabase = 'qm_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = createLogger('warn');
  let serverUrl: string;
  let stop = (): Promise<void> => Promise.resolve();

  if (process.env.DATABASE_URL) {
    serverUrl = process.env.DATABASE_URL;
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-test-'));
    // PostgreSQL runs as its own user when the tests run as root; it must reach the folder.
    await chmod(dataDir, 0o755);
    const server = await startEmbeddedPostgres(dataDir, logger, 'postgres');
    serverUrl = server.url;
    stop = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }

  await recreateDatabase(serverUrl, templateDatabase);
  const templateUrl = databaseUrl(serverUrl, templateDatabase);
  const orm = await openOrm(templateUrl, []);
  await migrate(orm, templateUrl, logger);
  await orm.close();
  const pool = new pg.Pool({ connectionString: templateUrl });
  pool.on('error', () => undefined);
  await migrateJobQueue(pool);
  await pool.end();

  project.provide('serverUrl', serverUrl);
  return stop;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function recreateDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}
