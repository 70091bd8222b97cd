/**
 * The benchmark's PostgreSQL: one embedded server in a temporary folder for the whole run,
 * with a fresh database per scenario, removed with the folder when the run ends.
 *
 * Leaves out: tuning. The server runs with the settings the system's own embedded server
 * gets, so that the system and the direct-SQL baseline meet the same PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { startEmbeddedPostgres } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';

export interface BenchPostgres {
  /** The server's `postgres` database; other databases are reached by changing the path. */
  serverUrl: string;
  /** Where scratch files for the run may go; removed on stop. */
  dataDir: string;
  stop(): Promise<void>;
}

/** Settings that decide how fast a commit is, reported beside the figures. */
export interface PostgresSettings {
  version: string;
  fsync: string;
  synchronousCommit: string;
  sharedBuffers: string;
  maxConnections: string;
}

export async function startBenchPostgres(logger: Logger): Promise<BenchPostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-bench-'));
  // PostgreSQL runs as its own user when we are root; it must reach the folder.
  await chmod(dataDir, 0o755);

  try {
    const server = await startEmbeddedPostgres(dataDir, logger, 'postgres');
    return {
      serverUrl: server.url,
      dataDir,
      stop: async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Creates an empty database with a unique name and answers its URL. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  return databaseUrl(serverUrl, name);
}

export async function dropScratchDatabase(serverUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await onServer(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

export async function readPostgresSettings(serverUrl: string): Promise<PostgresSettings> {
  return onServer(serverUrl, async (client) => {
    const found = await client.query<PostgresSettings>(
      `SELECT current_setting('server_version') AS "version",
              current_setting('fsync') AS "fsync",
              current_setting('synchronous_commit') AS "synchronousCommit",
              current_setting('shared_buffers') AS "sharedBuffers",
              current_setting('max_connections') AS "maxConnections"`,
    );
    const settings = found.rows[0];
    if (settings === undefined) {
      throw new Error('PostgreSQL answered no settings');
    }
    return settings;
  });
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
