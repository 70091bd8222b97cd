/**
 * The quick start's first command as a newcomer runs it: `pnpm start` brings up the API and
 * the admin on the embedded database, says where to sign in, and stops everything on SIGTERM;
 * a bad setting stops it at once with a message naming the variable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../api/src/platform/database.ts';

const root = new URL('../', import.meta.url);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-start-'));
  await chmod(dataDir, 0o755);
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function startSystem(environment: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
} {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      QM_DATA_DIR: dataDir,
      QM_SIMULATED_ORDER_INTERVAL_MS: '0',
      LOG_LEVEL: 'warn',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('pnpm start', () => {
  it('runs the API and the admin, then stops them all on SIGTERM', async () => {
    const [apiPort, adminPort] = [await freePort(), await freePort()];
    const run = startSystem({ PORT: String(apiPort), ADMIN_PORT: String(adminPort) });

    await waitFor(() => run.output().includes('Quartermaster is running'), 240_000).catch(() => {
      throw new Error(`no banner; output:\n${run.output()}`);
    });
    const admin = await fetch(`http://127.0.0.1:${adminPort}/`);
    const health = await fetch(`http://127.0.0.1:${apiPort}/health`);
    expect(admin.status).toBe(200);
    expect(health.status).toBe(200);
    expect(run.output()).toContain('admin-token');
    expect(run.output()).toContain('first-admin-password');
    expect(run.output()).not.toMatch(/ReferenceError|TypeError/);

    run.child.kill('SIGTERM');
    const [code] = (await once(run.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${adminPort}/`)).rejects.toThrow();
  }, 300_000);

  it('stops at once, naming the variable, when a setting is bad', async () => {
    const run = startSystem({ PORT: 'abc' });

    const [code] = (await once(run.child, 'exit')) as [number | null];

    expect(code).not.toBe(0);
    expect(run.output()).toContain('PORT');
    expect(run.output()).not.toContain('Quartermaster is running');
  }, 120_000);
});
