/**
 * `pnpm qm` against a running system on its embedded PostgreSQL: the command finds the server
 * the system started (through its data folder) instead of starting another, verifies the
 * ledger, and exits 1 when a balance no longer equals its movements.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSystem, type System } from '../api/src/app/system.ts';
import { loadConfig } from '../api/src/platform/config.ts';
import { createLogger } from '../api/src/platform/logger.ts';

let system: System;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-cli-'));
  await chmod(dataDir, 0o755);
  system = await startSystem({
    config: loadConfig({ QM_DATA_DIR: dataDir, PORT: '0' }),
    logger: createLogger('silent'),
    host: '127.0.0.1',
    orderStreamIntervalMs: null,
  });
});

afterAll(async () => {
  await system.close();
  await rm(dataDir, { recursive: true, force: true });
});

function qm(...args: string[]) {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    QM_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  };
  delete environment.DATABASE_URL;
  return spawnSync(process.execPath, ['--import', './register.mjs', 'src/cli/main.ts', ...args], {
    cwd: new URL('../api/', import.meta.url),
    env: environment,
    encoding: 'utf8',
  });
}

describe('pnpm qm', () => {
  it('verifies the ledger of the running system', () => {
    const run = qm('ledger', 'verify');

    expect(run.stdout).toContain('Ledger is consistent');
    expect(run.status).toBe(0);
  });

  it('exits 1 and names the balance that differs from its movements', async () => {
    await system.pool.query(
      `UPDATE stock_balances SET on_hand = on_hand + 3
       WHERE sku_id = (SELECT id FROM skus WHERE code = 'HL-RUG-JUTE-160') AND location_id = 1`,
    );

    const run = qm('ledger', 'verify');

    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/DIFFERENCE HL-RUG-JUTE-160 at Hearth & Loom Warehouse: on hand 7/);
  });

  it('creates a token that the API accepts, shown once', async () => {
    const run = qm('tokens', 'create', '--name', 'integration', '--scope', 'stock:read');
    const token = run.stdout.trim();

    const response = await fetch(`${system.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ locations { name } }' }),
    });

    expect(run.status).toBe(0);
    expect(response.status).toBe(200);
  });

  it('lists tokens without their secrets and revokes one, which the API then refuses', async () => {
    const token = qm(
      'tokens',
      'create',
      '--name',
      'to-revoke',
      '--scope',
      'stock:read',
    ).stdout.trim();
    const listed = qm('tokens', 'list').stdout;
    const id = /^(\d+)\tlive\tto-revoke\t/m.exec(listed)?.[1] ?? '';

    const revoke = qm('tokens', 'revoke', id);
    const response = await fetch(`${system.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ locations { name } }' }),
    });

    expect(listed).not.toContain(token);
    expect(revoke.status).toBe(0);
    expect(response.status).toBe(401);
    expect(qm('tokens', 'revoke', id).status).toBe(1);
  });

  it('explains its usage for an unknown command', () => {
    const run = qm('ledger', 'fix');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage');
  });
});
