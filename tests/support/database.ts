/**
 * A fresh, migrated database for one test file, copied from the template the global setup
 * made. Copying a template takes milliseconds, so every file starts from a clean slate.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { inject } from 'vitest';

import { databaseUrl, templateDatabase } from './global-setup.ts';

export async function createTestDatabase(): Promise<string> {
  const serverUrl = inject('serverUrl');
  const name = `qm_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase}`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}
