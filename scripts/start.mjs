// `pnpm start`: installs what is missing, then runs the API (with its job worker and, when no
// shop is configured, the Shopify simulator) and the admin side by side, and stops both
// together. The API is started first so the admin has something to talk to.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const apiPort = process.env.PORT ?? '4000';
const adminPort = process.env.ADMIN_PORT ?? '3000';

run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], 'installing dependencies');
if (isStale(path.join(root, 'admin/build/index.js'), path.join(root, 'admin/src'))) {
  run('pnpm', ['--filter', 'admin', 'build'], 'building the admin');
}

const children = [];
const api = start('api', 'pnpm', ['--filter', 'api', '--silent', 'start'], {});
const admin = start('admin', 'node', ['admin/build/index.js'], {
  PORT: adminPort,
  HOST: process.env.ADMIN_HOST ?? '0.0.0.0',
  PUBLIC_API_URL: process.env.PUBLIC_API_URL ?? `http://localhost:${apiPort}`,
});
children.push(api, admin);

announceWhenReady();

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopAll(signal));
}
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`\n${child.label} stopped (exit ${code}); stopping the rest\n`);
      stopAll('SIGTERM', code ?? 1);
    }
  });
}

let stopping = false;
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
  Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve)))).then(
    () => process.exit(exitCode),
  );
}

function start(label, command, args, env) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  child.label = label;
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

async function announceWhenReady() {
  for (let attempt = 0; attempt < 240 && !stopping; attempt += 1) {
    try {
      const response = await fetch(`http://127.0.0.1:${apiPort}/health`);
      if (response.ok) {
        const dataDir = path.resolve(root, process.env.QM_DATA_DIR ?? '.data');
        const signIn = process.env.QM_ADMIN_TOKEN
          ? 'the QM_ADMIN_TOKEN you set'
          : `the token in ${path.relative(process.cwd(), path.join(dataDir, 'admin-token'))}`;
        process.stderr.write(
          `\n  Quartermaster is running.\n` +
            `  Admin:   http://localhost:${adminPort}  (sign in with ${signIn})\n` +
            `  GraphQL: http://localhost:${apiPort}/graphql\n\n`,
        );
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
