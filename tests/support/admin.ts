/**
 * What a browser test of the admin needs around it: an admin build that matches the sources
 * (built once, rebuilt when any source is newer), the built server as a child process pointed
 * at a test API, and headless Chromium. Starting the API itself is the test's business.
 *
 * Chromium is Debian's package at /usr/bin/chromium (playwright's own download does not work
 * here). Without it the browser tests are skipped on a workstation but fail under CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser } from 'playwright-core';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const adminDir = path.join(repositoryRoot, 'admin');
const adminEntry = path.join(adminDir, 'build', 'index.js');

/** What the build reads: a change to any of these makes an existing build stale. */
const adminSources = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json'];

export const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const adminStartTimeoutMs = 20_000;
const adminStopTimeoutMs = 5_000;

/** True when the browser tests should be skipped: no Chromium, and not under CI. */
export function shouldSkipBrowserTests(): boolean {
  return !existsSync(chromiumPath) && !process.env.CI;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is missing at ${chromiumPath}: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** Builds the admin unless admin/build is newer than every source it was built from. */
export async function ensureAdminBuild(): Promise<void> {
  if (existsSync(adminEntry) && statSync(adminEntry).mtimeMs >= newestSourceMtimeMs()) {
    return;
  }
  const build = spawn('pnpm', ['--filter', 'admin', 'build'], {
    cwd: repositoryRoot,
    // Vitest sets NODE_ENV=test, and Vite would then bundle Svelte's and SvelteKit's
    // development builds: the test would exercise something no one ships.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  build.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  build.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const [exitCode] = (await once(build, 'exit')) as [number | null];
  if (exitCode !== 0) {
    throw new Error(`admin build failed (exit ${exitCode}):\n${output.join('').slice(-4000)}`);
  }
}

function newestSourceMtimeMs(): number {
  let newestMs = 0;
  const visit = (entry: string): void => {
    if (!existsSync(entry)) {
      return;
    }
    const stats = statSync(entry);
    newestMs = Math.max(newestMs, stats.mtimeMs);
    if (stats.isDirectory()) {
      for (const child of readdirSync(entry)) {
        visit(path.join(entry, child));
      }
    }
  };
  adminSources.forEach((source) => visit(path.join(adminDir, source)));
  return newestMs;
}

export interface AdminServer {
  /** Where the browser opens the admin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs the built admin (`node build`) on `port`, talking to `apiUrl`, and waits until it
 * answers. The port must be the one the API allows as an origin (its ADMIN_PORT).
 */
export async function startAdminServer(options: {
  port: number;
  apiUrl: string;
}): Promise<AdminServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [adminEntry], {
    cwd: adminDir,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(options.port),
      PUBLIC_API_URL: options.apiUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

  const server = { url, stop: () => stopChild(child) };
  try {
    await waitUntilAnswering(url, child);
  } catch (error) {
    await server.stop();
    throw new Error(`the admin server did not start: ${String(error)}\n${output.join('')}`, {
      cause: error,
    });
  }
  return server;
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + adminStartTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`it exited with code ${child.exitCode}`);
    }
    const answer = await fetch(url).catch(() => null);
    if (answer?.ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer from ${url} within ${adminStartTimeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), adminStopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
