// `pnpm start`: installs what is missing, then runs the API (with its job worker and, when no
// shop is configured, the Shopify simulator) and the admin side by side, and stops both
// together. The API is started first so the admin has something to talk to.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
let stopping = false;
const apiPort = process.env.PORT ?? '4000';
const adminPort = process.env.ADMIN_PORT ?? '3000';

run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], 'installing dependencies');
if (isStale(path.join(root, 'admin/build/index.js'), path.join(root, 'admin/src'))) {
  run('pnpm', ['--filter', 'admin', 'build'], 'building the admin');
}

const children = [];
// Node directly rather than through pnpm, so that a signal reaches the process it is meant for.
// A relative QM_DATA_DIR stays relative to where the command was typed, not to api/.
start(
  'api',
  process.execPath,
  ['--import', './register.mjs', 'src/main.ts'],
  {
    INIT_CWD: process.env.INIT_CWD ?? process.cwd(),
  },
  'api',
);

// The admin starts once the API answers: the API checks the configuration first, and a bad
// setting then stops everything before anything else is listening.
void whenReady(apiPort, '/health').then(async (ready) => {
  if (!ready || stopping) {
    return;
  }
  start('admin', process.execPath, ['admin/build/index.js'], {
    PORT: adminPort,
    HOST: process.env.ADMIN_HOST ?? '0.0.0.0',
    PUBLIC_API_URL: process.env.PUBLIC_API_URL ?? `http://localhost:${apiPort}`,
  });
  if (await whenReady(adminPort, '/')) {
    announce();
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopAll(signal));
}

function stopAll(signal, exitCode = 0) {
  if (stopping) {
    return;
  }
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill(signal);
    }
  }
  setTimeout(() => process.exit(exitCode), 8000).unref();
  const exited = (child) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once('exit', resolve));
  void Promise.all(children.map(exited)).then(() => process.exit(exitCode));
}

function start(label, command, args, env, folder = '.') {
  const child = spawn(command, args, {
    cwd: path.join(root, folder),
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  child.label = label;
  children.push(child);
  child.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`\n${label} stopped (exit ${code}); stopping the rest\n`);
      stopAll('SIGTERM', code ?? 1);
    }
  });
  return child;
}

function run(command, args, what) {
  process.stderr.write(`quartermaster: ${what}…\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`quartermaster: ${what} failed\n`);
    process.exit(result.status ?? 1);
  }
}

function isStale(builtFile, sourceDir) {
  if (!existsSync(builtFile)) {
    return true;
  }
  const builtAt = statSync(builtFile).mtimeMs;
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const full = path.join(dir, entry.name);
      const time = entry.isDirectory() ? newest(full) : statSync(full).mtimeMs;
      return Math.max(latest, time);
    }, 0);
  return newest(sourceDir) > builtAt;
}

async function whenReady(port, urlPath) {
  for (let attempt = 0; attempt < 480 && !stopping; attempt += 1) {
    const up = await fetch(`http://127.0.0.1:${port}${urlPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Relative to where the command was typed when that is shorter, else absolute. */
function shortPath(file) {
  const relative = path.relative(process.env.INIT_CWD ?? process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

function announce() {
  const dataDir = path.resolve(
    process.env.INIT_CWD ?? process.cwd(),
    process.env.QM_DATA_DIR ?? path.join(root, '.data'),
  );
  const adminEmail = process.env.QM_ADMIN_EMAIL ?? 'admin@localhost';
  const passwordFile = shortPath(path.join(dataDir, 'first-admin-password'));
  const token = process.env.QM_ADMIN_TOKEN
    ? 'the QM_ADMIN_TOKEN you set'
    : `the token in ${shortPath(path.join(dataDir, 'admin-token'))}`;
  process.stderr.write(
    `\n  Quartermaster is running.\n` +
      `  Admin:   http://localhost:${adminPort}  (the first time, sign in as ${adminEmail}\n` +
      `           with the one-time password in ${passwordFile})\n` +
      `  GraphQL: http://localhost:${apiPort}/graphql  (with ${token})\n` +
      `  Stop:    Ctrl-C\n\n`,
  );
}
