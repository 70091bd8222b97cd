/**
 * People, sessions and signing in, over real HTTP and WebSocket on a real database: the first
 * admin, the session cookie and what ends it, the CSRF check of cookie mutations, throttled
 * sign-in (slowed, then locked, per account; blocked per address), password resets and
 * changes, what each role may reach, the last admin, and `pnpm qm users`.
 *
 * Each scenario that counts failures signs in from an address of its own in 127.0.0.0/8, so
 * that the per-address count of one does not leak into another.
 */
import { spawnSync } from 'node:child_process';
import { stat, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { startSystem } from '../api/src/app/system.ts';
import { loadConfig } from '../api/src/platform/config.ts';
import { createLogger } from '../api/src/platform/logger.ts';
import { startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;
let warehouseId: string;

const throttle = {
  slowAfterFailures: 2,
  delayFirstMs: 150,
  delayMaxMs: 600,
  lockAfterFailures: 5,
  lockDurationMs: 60_000,
  addressBlockAfterFailures: 8,
};
const allowedOrigin = 'http://localhost:3000';
const strongPassword = 'a sturdy passphrase 42';

beforeAll(async () => {
  system = await startTestSystem({ signInThrottle: throttle });
  const data = await system.graphql<{ locations: { id: string; name: string }[] }>(
    '{ locations { id name } }',
  );
  warehouseId = data.locations.find((l) => l.name.endsWith('Warehouse'))?.id ?? '';
});

afterAll(async () => {
  await system.stopAll();
});

interface GraphQLAnswer<T> {
  status: number;
  data: T | null;
  errors: { message: string; extensions?: { code?: string; reason?: string } }[];
  setCookie: string[];
}

/** One GraphQL request over HTTP from a chosen loopback address, with the headers given. */
function post<T>(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  from = '127.0.0.1',
): Promise<GraphQLAnswer<T>> {
  const url = new URL(`${system.apiUrl}/graphql`);
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const parsed = JSON.parse(text) as {
            data?: T | null;
            errors?: GraphQLAnswer<T>['errors'];
          };
          resolve({
            status: response.statusCode ?? 0,
            data: parsed.data ?? null,
            errors: parsed.errors ?? [],
            setCookie: response.headers['set-cookie'] ?? [],
          });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const signInMutation = `mutation($email: String!, $password: String!) {
  signIn(email: $email, password: $password) {
    viewer { kind csrfToken permissions user { id email mustChangePassword roles } }
    errors { field code message } } }`;

interface SignInData {
  signIn: {
    viewer: {
      kind: string;
      csrfToken: string;
      permissions: string[];
      user: { id: string; email: string; mustChangePassword: boolean; roles: string[] };
    } | null;
    errors: { field: string; code: string; message: string }[];
  };
}

/** A browser: the cookie the API set, the CSRF token it was told, and its address. */
class Browser {
  cookie = '';
  csrfToken = '';
  userId = '';

  constructor(readonly from = '127.0.0.1') {}

  async signIn(email: string, password: string) {
    const answer = await post<SignInData>(signInMutation, { email, password }, {}, this.from);
    const cookie = answer.setCookie.find((value) => value.startsWith('qm_session='));
    if (cookie !== undefined) {
      this.cookie = cookie.split(';')[0] ?? '';
      this.csrfToken = answer.data?.signIn.viewer?.csrfToken ?? '';
      this.userId = answer.data?.signIn.viewer?.user.id ?? '';
    }
    return answer;
  }

  /** A request as the admin's pages send it: the cookie, and the CSRF token on mutations. */
  graphql<T>(query: string, variables: Record<string, unknown> = {}, headers = {}) {
    return post<T>(
      query,
      variables,
      { cookie: this.cookie, 'x-csrf-token': this.csrfToken, origin: allowedOrigin, ...headers },
      this.from,
    );
  }
}

async function createPerson(email: string, roles: string[], password = strongPassword) {
  const data = await system.graphql<{
    createUser: { user: { id: string } | null; errors: unknown[] };
  }>(
    `mutation($input: CreateUserInput!) {
      createUser(input: $input) { user { id } oneTimePassword errors { field code } } }`,
    {
      input: {
        email,
        roles: roles.map((role) => role.toUpperCase()),
        password,
        name: email.split('@')[0],
      },
    },
  );
  expect(data.createUser.errors).toEqual([]);
  return data.createUser.user?.id ?? '';
}

async function signedIn(email: string, roles: string[], from = '127.0.0.1') {
  await createPerson(email, roles);
  const browser = new Browser(from);
  const answer = await browser.signIn(email, strongPassword);
  expect(answer.data?.signIn.errors).toEqual([]);
  return browser;
}

const viewerQuery = '{ viewer { kind user { email mustChangePassword } permissions csrfToken } }';
type ViewerData = {
  viewer: {
    kind: string;
    user: { email: string; mustChangePassword: boolean } | null;
    permissions: string[];
    csrfToken: string | null;
  } | null;
};

async function sessionRows() {
  const rows = await system.pool.query<{ count: number }>('SELECT count(*)::int FROM sessions');
  return rows.rows[0]?.count ?? 0;
}

async function onHand(sku: string) {
  const found = await system.pool.query<{ on_hand: number }>(
    `SELECT b.on_hand FROM stock_balances b JOIN skus s ON s.id = b.sku_id
     WHERE s.code = $1 AND b.location_id = $2`,
    [sku, warehouseId],
  );
  return found.rows[0]?.on_hand ?? 0;
}

const receiveOne = `mutation($locationId: ID!) { receiveStock(input: {
  sku: "HL-SPOON-ENML", locationId: $locationId, quantity: 1 }) { errors { code } } }`;

describe('the first admin', () => {
  it('is made on first start with a one-time password in a file only its owner reads', async () => {
    const file = path.join(system.dataDir, 'first-admin-password');
    const password = (await readFile(file, 'utf8')).trim();
    const mode = (await stat(file)).mode & 0o777;
    const browser = new Browser();

    const answer = await browser.signIn('admin@localhost', password);

    expect(mode).toBe(0o600);
    expect(answer.data?.signIn.viewer).toMatchObject({
      kind: 'USER',
      permissions: [],
      user: { email: 'admin@localhost', mustChangePassword: true, roles: ['ADMIN'] },
    });

    const changed = await browser.graphql<{
      changePassword: { viewer: { user: { mustChangePassword: boolean } }; errors: unknown[] };
    }>(
      `mutation($current: String!, $next: String!) {
        changePassword(currentPassword: $current, newPassword: $next) {
          viewer { user { mustChangePassword } } errors { code } } }`,
      { current: password, next: strongPassword },
    );
    expect(changed.data?.changePassword).toEqual({
      viewer: { user: { mustChangePassword: false } },
      errors: [],
    });
    const users = await browser.graphql<{ users: { email: string }[] }>('{ users { email } }');
    expect(users.data?.users.map((user) => user.email)).toContain('admin@localhost');
  });

  it('is not made again when the database already has people', async () => {
    const second = await startSystem({
      config: loadConfig({
        DATABASE_URL: system.databaseUrl,
        QM_DATA_DIR: path.join(system.dataDir, 'second'),
        QM_ADMIN_EMAIL: 'other-admin@example.com',
        PORT: '0',
      }),
      logger: createLogger('silent'),
      runApi: false,
      runWorker: false,
    });
    await second.close();

    const admins = await system.pool.query('SELECT 1 FROM users WHERE email = $1', [
      'other-admin@example.com',
    ]);
    expect(admins.rowCount).toBe(0);
    await expect(
      stat(path.join(system.dataDir, 'second', 'first-admin-password')),
    ).rejects.toThrow();
  });
});

describe('sessions', () => {
  it('sets an HTTP-only, SameSite=Strict cookie that authenticates the person', async () => {
    await createPerson('ann@example.com', ['warehouse']);
    const browser = new Browser();

    const answer = await browser.signIn('  Ann@Example.com ', strongPassword);
    const viewer = await browser.graphql<ViewerData>(viewerQuery);
    const stored = await system.pool.query<{ token_hash: string; address: string }>(
      'SELECT token_hash, address FROM sessions WHERE user_id = $1',
      [browser.userId],
    );

    const cookie = answer.setCookie.find((value) => value.startsWith('qm_session=')) ?? '';
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/);
    expect(viewer.data?.viewer).toEqual({
      kind: 'USER',
      user: { email: 'ann@example.com', mustChangePassword: false },
      permissions: ['stock:read', 'stock:write', 'orders:read'],
      csrfToken: browser.csrfToken,
    });
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie).not.toContain(stored.rows[0]?.token_hash);
  });

  it('refuses a wrong password or an unknown email alike, and creates nothing', async () => {
    await createPerson('bob@example.com', ['viewer']);
    const before = await sessionRows();

    const wrong = await new Browser('127.0.0.2').signIn('bob@example.com', 'not the password 1');
    const unknown = await new Browser('127.0.0.2').signIn('nobody@example.com', strongPassword);

    for (const answer of [wrong, unknown]) {
      expect(answer.data?.signIn).toEqual({
        viewer: null,
        errors: [
          { field: '', code: 'INVALID_CREDENTIALS', message: 'The email or password is wrong' },
        ],
      });
      expect(answer.setCookie).toEqual([]);
    }
    expect(await sessionRows()).toBe(before);
  });

  it('ends the session at sign-out and clears the cookie', async () => {
    const browser = await signedIn('carol@example.com', ['viewer']);

    const answer = await browser.graphql<{ signOut: { signedOut: boolean } }>(
      'mutation { signOut { signedOut errors { code } } }',
    );
    const after = await browser.graphql<ViewerData>(viewerQuery);
    const row = await system.pool.query<{ ended_reason: string }>(
      'SELECT ended_reason FROM sessions WHERE user_id = $1',
      [browser.userId],
    );

    expect(answer.data?.signOut.signedOut).toBe(true);
    expect(answer.setCookie[0]).toMatch(/^qm_session=; .*Expires=Thu, 01 Jan 1970/);
    expect(after.data?.viewer).toBeNull();
    expect(row.rows).toEqual([{ ended_reason: 'signed_out' }]);
  });

  it('refuses a session idle too long, or past its absolute limit', async () => {
    const idle = await signedIn('dan@example.com', ['viewer']);
    const old = await signedIn('dora@example.com', ['viewer']);
    await system.pool.query(
      `UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE user_id = $1`,
      [idle.userId],
    );
    await system.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [old.userId],
    );

    const idleAnswer = await idle.graphql<ViewerData>(viewerQuery);
    const oldAnswer = await old.graphql<ViewerData>('{ locations { id } }');
    const ended = await system.pool.query<{ ended_reason: string }>(
      'SELECT ended_reason FROM sessions WHERE user_id IN ($1, $2)',
      [idle.userId, old.userId],
    );

    expect(idleAnswer.data?.viewer).toBeNull();
    expect(oldAnswer.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(ended.rows).toEqual([{ ended_reason: 'expired' }, { ended_reason: 'expired' }]);
  });

  it("refuses sessions an admin ended, and shows a person's live sessions", async () => {
    const browser = await signedIn('eve@example.com', ['viewer']);
    const second = new Browser();
    await second.signIn('eve@example.com', strongPassword);
    const query = `query($id: ID!) { user(id: $id) { activeSessions { id address } } }`;
    const live = await system.graphql<{ user: { activeSessions: { address: string }[] } }>(query, {
      id: browser.userId,
    });

    const ended = await system.graphql<{ endSessions: { endedCount: number } }>(
      'mutation($id: ID!) { endSessions(userId: $id) { endedCount errors { code } } }',
      { id: browser.userId },
    );
    const after = await browser.graphql<ViewerData>(viewerQuery);
    const left = await system.graphql<{ user: { activeSessions: unknown[] } }>(query, {
      id: browser.userId,
    });

    expect(live.user.activeSessions).toHaveLength(2);
    expect(live.user.activeSessions[0]?.address).toMatch(/127\.0\.0\.1$/);
    expect(ended.endSessions.endedCount).toBe(2);
    expect(after.data?.viewer).toBeNull();
    expect(left.user.activeSessions).toEqual([]);
  });

  it('treats a forged or malformed cookie as nobody', async () => {
    for (const cookie of [
      'qm_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'qm_session=not-a-session',
      'qm_session=',
    ]) {
      const answer = await post<ViewerData>(viewerQuery, {}, { cookie });
      expect(answer.data?.viewer, cookie).toBeNull();
    }
  });

  it('lets an API token through as a token, with no CSRF token', async () => {
    const answer = await post<ViewerData>(
      viewerQuery,
      {},
      {
        authorization: `Bearer ${system.adminToken}`,
      },
    );

    expect(answer.data?.viewer).toMatchObject({ kind: 'TOKEN', user: null, csrfToken: null });
  });
});

describe('cross-site request forgery', () => {
  it('refuses a cookie mutation without the CSRF token or with a wrong one', async () => {
    const browser = await signedIn('frank@example.com', ['warehouse']);
    const before = await onHand('HL-SPOON-ENML');
    // The token with its last character changed (to another character, whatever it was).
    const lastCharacter = browser.csrfToken.endsWith('A') ? 'B' : 'A';
    const wrongToken = `${browser.csrfToken.slice(0, -1)}${lastCharacter}`;

    const missing = await browser.graphql(
      receiveOne,
      { locationId: warehouseId },
      {
        'x-csrf-token': '',
      },
    );
    const wrong = await browser.graphql(
      receiveOne,
      { locationId: warehouseId },
      {
        'x-csrf-token': wrongToken,
      },
    );

    for (const answer of [missing, wrong]) {
      expect(answer.status).toBe(403);
      expect(answer.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(answer.errors[0]?.message).toContain('X-CSRF-Token');
      expect(answer.data).toBeNull();
    }
    expect(await onHand('HL-SPOON-ENML')).toBe(before);
  });

  it('runs a cookie mutation that carries the CSRF token', async () => {
    const browser = await signedIn('gina@example.com', ['warehouse']);
    const before = await onHand('HL-SPOON-ENML');

    const answer = await browser.graphql<{ receiveStock: { errors: unknown[] } }>(receiveOne, {
      locationId: warehouseId,
    });

    expect(answer.data?.receiveStock.errors).toEqual([]);
    expect(await onHand('HL-SPOON-ENML')).toBe(before + 1);
  });

  it('refuses a cookie mutation from a foreign origin, even with the CSRF token', async () => {
    const browser = await signedIn('hal@example.com', ['warehouse']);
    const before = await onHand('HL-SPOON-ENML');

    const answer = await browser.graphql(
      receiveOne,
      { locationId: warehouseId },
      {
        origin: 'https://evil.example',
      },
    );
    const signIn = await post<SignInData>(
      signInMutation,
      { email: 'hal@example.com', password: strongPassword },
      { origin: 'https://evil.example' },
    );

    expect(answer.status).toBe(403);
    expect(answer.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(signIn.status).toBe(403);
    expect(signIn.setCookie).toEqual([]);
    expect(await onHand('HL-SPOON-ENML')).toBe(before);
  });

  it('leaves bearer-token mutations alone, whatever their origin', async () => {
    const answer = await post<{ receiveStock: { errors: unknown[] } }>(
      receiveOne,
      { locationId: warehouseId },
      { authorization: `Bearer ${system.adminToken}`, origin: 'https://integrator.example' },
    );

    expect(answer.status).toBe(200);
    expect(answer.data?.receiveStock.errors).toEqual([]);
  });

  it('allows credentials and the CSRF header to the admin origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${system.apiUrl}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });

    const admin = await preflight(allowedOrigin);
    const foreign = await preflight('https://evil.example');

    expect(admin.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(admin.headers.get('access-control-allow-credentials')).toBe('true');
    expect(admin.headers.get('access-control-allow-headers')).toContain('x-csrf-token');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses a cookie WebSocket from a foreign origin, accepts the admin', async () => {
    const browser = await signedIn('ivy@example.com', ['warehouse']);
    const subscribe = (origin: string) => {
      class BrowserSocket extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: { cookie: browser.cookie, origin } });
        }
      }
      const client = createClient({
        url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
        webSocketImpl: BrowserSocket,
        retryAttempts: 0,
        lazy: false,
      });
      return new Promise<string>((resolve) => {
        client.on('connected', () => resolve('connected'));
        client.on('closed', () => resolve('closed'));
      }).finally(() => void client.dispose());
    };

    expect(await subscribe('https://evil.example')).toBe('closed');
    expect(await subscribe(allowedOrigin)).toBe('connected');
  });
});

describe('live connections of people', () => {
  /** A subscription opened with the person's cookie; resolves with how its socket closed. */
  function subscribeWithCookie(cookie: string) {
    class BrowserSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie, origin: allowedOrigin } });
      }
    }
    let closedWith: (code: number) => void = () => undefined;
    const closed = new Promise<number>((resolve) => {
      closedWith = resolve;
    });
    const connected = new Promise<void>((resolve) => {
      const client = createClient({
        url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
        webSocketImpl: BrowserSocket,
        retryAttempts: 0,
        on: {
          connected: () => resolve(),
          closed: (event) => closedWith((event as { code: number }).code),
        },
      });
      client.subscribe(
        { query: 'subscription { stockLevelChanged { available } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    });
    return { connected, closed };
  }

  it('refuses a socket opened with a forged, expired or ended session cookie', async () => {
    // Given a live session, one left idle too long, one signed out, and a made-up cookie
    const live = await signedIn('quinn@example.com', ['viewer']);
    const idle = await signedIn('rosa@example.com', ['viewer']);
    const gone = await signedIn('sami@example.com', ['viewer']);
    await system.pool.query(
      `UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE user_id = $1`,
      [idle.userId],
    );
    await gone.graphql('mutation { signOut { signedOut errors { code } } }');
    const forged = 'qm_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

    // When each opens a socket with its cookie
    const outcome = (cookie: string) => {
      const socket = subscribeWithCookie(cookie);
      return Promise.race([
        socket.connected.then(() => 'connected'),
        socket.closed.then((code) => `closed ${code}`),
      ]);
    };

    // Then only the live session's socket opens
    expect(await outcome(live.cookie)).toBe('connected');
    expect(await outcome(idle.cookie)).toBe('closed 4403');
    expect(await outcome(gone.cookie)).toBe('closed 4403');
    expect(await outcome(forged)).toBe('closed 4403');
  });

  it("closes a person's subscriptions when they sign out", async () => {
    // Given a person subscribed over a socket opened with their session cookie
    const browser = await signedIn('olive@example.com', ['warehouse']);
    const socket = subscribeWithCookie(browser.cookie);
    await socket.connected;

    // When they sign out
    await browser.graphql('mutation { signOut { signedOut errors { code } } }');

    // Then the socket is closed as forbidden
    expect(await socket.closed).toBe(4403);
  });

  it("closes a person's subscriptions when an admin disables them", async () => {
    // Given a person subscribed over a socket opened with their session cookie
    const browser = await signedIn('pearl@example.com', ['viewer']);
    const socket = subscribeWithCookie(browser.cookie);
    await socket.connected;

    // When an admin disables them
    await system.graphql(
      `mutation { updateUser(input: { userId: "${browser.userId}", disabled: true }) {
        errors { code } } }`,
    );

    // Then the socket is closed as forbidden
    expect(await socket.closed).toBe(4403);
  });
});

describe('sign-in throttling', () => {
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };

  it('slows repeated failures, then locks the account even for the right password', async () => {
    const userId = await createPerson('jack@example.com', ['viewer']);
    const browser = new Browser('127.0.0.11');
    const fail = () => browser.signIn('jack@example.com', 'wrong wrong wrong');

    const durationsMs: number[] = [];
    const codes: string[] = [];
    for (let attempt = 1; attempt <= throttle.lockAfterFailures; attempt += 1) {
      let answer: Awaited<ReturnType<typeof fail>> | undefined;
      durationsMs.push(await timed(async () => (answer = await fail())));
      codes.push(answer?.data?.signIn.errors[0]?.code ?? '');
    }
    const right = await browser.signIn('jack@example.com', strongPassword);
    const seen = await system.graphql<{
      user: { signInLock: { failures: number; lockedUntil: string | null } | null };
    }>('query($id: ID!) { user(id: $id) { signInLock { failures lockedUntil } } }', {
      id: userId,
    });

    // The third attempt follows two failures and waits 150 ms, then 300, then 600 (the most).
    expect(durationsMs[2]).toBeGreaterThanOrEqual(150);
    expect(durationsMs[3]).toBeGreaterThanOrEqual(300);
    expect(durationsMs[4]).toBeGreaterThanOrEqual(600);
    expect(codes).toEqual([
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'ACCOUNT_LOCKED',
    ]);
    expect(right.data?.signIn.viewer).toBeNull();
    expect(right.data?.signIn.errors[0]?.code).toBe('ACCOUNT_LOCKED');
    expect(right.setCookie).toEqual([]);
    expect(seen.user.signInLock?.failures).toBeGreaterThanOrEqual(throttle.lockAfterFailures);
    const lockedForMs = Date.parse(seen.user.signInLock?.lockedUntil ?? '') - Date.now();
    expect(lockedForMs).toBeGreaterThan(30_000);
    expect(lockedForMs).toBeLessThanOrEqual(throttle.lockDurationMs);
  });

  it('locks for the lock duration, not the failure window, after a parallel burst', async () => {
    // Given a person whose account is guessed at many times at once, from many addresses
    const userId = await createPerson('kit@example.com', ['viewer']);
    const burst = Array.from({ length: throttle.lockAfterFailures * 3 }, (_unused, index) =>
      new Browser(`127.0.1.${index + 1}`).signIn('kit@example.com', 'wrong wrong wrong'),
    );

    // When every guess has been answered
    const answers = await Promise.all(burst);
    const seen = await system.graphql<{
      user: { signInLock: { lockedUntil: string | null } | null };
    }>('query($id: ID!) { user(id: $id) { signInLock { lockedUntil } } }', { id: userId });

    // Then the account is locked, but only for the lock's duration
    const codes = new Set(answers.map((answer) => answer.data?.signIn.errors[0]?.code));
    expect(codes).toContain('ACCOUNT_LOCKED');
    const lockedForMs = Date.parse(seen.user.signInLock?.lockedUntil ?? '') - Date.now();
    expect(lockedForMs).toBeGreaterThan(0);
    expect(lockedForMs).toBeLessThanOrEqual(throttle.lockDurationMs);
  });

  it('lets an admin clear the lock, after which the right password signs in', async () => {
    const userId = await createPerson('kim@example.com', ['viewer']);
    const browser = new Browser('127.0.0.12');
    for (let attempt = 1; attempt <= throttle.lockAfterFailures; attempt += 1) {
      await browser.signIn('kim@example.com', 'wrong wrong wrong');
    }

    const cleared = await system.graphql<{
      clearSignInLock: { user: { signInLock: unknown }; errors: unknown[] };
    }>(
      `mutation($id: ID!) { clearSignInLock(userId: $id) {
        user { signInLock { failures } } errors { code } } }`,
      { id: userId },
    );
    const answer = await browser.signIn('kim@example.com', strongPassword);

    expect(cleared.clearSignInLock).toEqual({ user: { signInLock: null }, errors: [] });
    expect(answer.data?.signIn.errors).toEqual([]);
  });

  it('forgets the failures of an account once its person signs in', async () => {
    const userId = await createPerson('lea@example.com', ['viewer']);
    const browser = new Browser('127.0.0.13');
    await browser.signIn('lea@example.com', 'wrong wrong wrong');
    await browser.signIn('lea@example.com', 'wrong wrong wrong');

    await browser.signIn('lea@example.com', strongPassword);
    const seen = await system.graphql<{ user: { signInLock: unknown } }>(
      'query($id: ID!) { user(id: $id) { signInLock { failures } } }',
      { id: userId },
    );
    const quick = await timed(() => browser.signIn('lea@example.com', 'wrong wrong wrong'));

    expect(seen.user.signInLock).toBeNull();
    expect(quick).toBeLessThan(throttle.delayFirstMs + 1000);
  });

  it('blocks an address that fails across many accounts, but not other addresses', async () => {
    await createPerson('max@example.com', ['viewer']);
    const attacker = new Browser('127.0.0.14');
    for (let attempt = 1; attempt <= throttle.addressBlockAfterFailures; attempt += 1) {
      await attacker.signIn(`guess${attempt}@example.com`, 'wrong wrong wrong');
    }

    const blocked = await attacker.signIn('max@example.com', strongPassword);
    const elsewhere = await new Browser('127.0.0.15').signIn('max@example.com', strongPassword);

    expect(blocked.data?.signIn.errors[0]?.code).toBe('ADDRESS_BLOCKED');
    expect(blocked.setCookie).toEqual([]);
    expect(elsewhere.data?.signIn.errors).toEqual([]);
  });
});

describe('passwords', () => {
  it('after a reset, allows only viewer, changePassword and signOut until changed', async () => {
    const userId = await createPerson('nora@example.com', ['warehouse']);
    const before = new Browser();
    await before.signIn('nora@example.com', strongPassword);

    const reset = await system.graphql<{
      resetPassword: { oneTimePassword: string; user: { mustChangePassword: boolean } };
    }>(
      `mutation($id: ID!) { resetPassword(userId: $id) {
        oneTimePassword user { mustChangePassword } errors { code } } }`,
      { id: userId },
    );
    const oldSession = await before.graphql<ViewerData>(viewerQuery);
    const browser = new Browser();
    const signIn = await browser.signIn('nora@example.com', reset.resetPassword.oneTimePassword);
    const stock = await browser.graphql('{ skus(first: 1) { code } }');
    const receive = await browser.graphql(receiveOne, { locationId: warehouseId });
    const viewer = await browser.graphql<ViewerData>(viewerQuery);

    expect(reset.resetPassword.user.mustChangePassword).toBe(true);
    expect(reset.resetPassword.oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(oldSession.data?.viewer).toBeNull();
    expect(signIn.data?.signIn.viewer?.user.mustChangePassword).toBe(true);
    for (const refused of [stock, receive]) {
      expect(refused.errors[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'PASSWORD_CHANGE_REQUIRED',
      });
    }
    expect(viewer.data?.viewer?.permissions).toEqual([]);

    const change = (current: string, next: string) =>
      browser.graphql<{ changePassword: { errors: { field: string; code: string }[] } }>(
        `mutation($current: String!, $next: String!) {
          changePassword(currentPassword: $current, newPassword: $next) {
            errors { field code } } }`,
        { current, next },
      );
    const wrong = await change('not my password 1', 'another good passphrase');
    const weak = await change(reset.resetPassword.oneTimePassword, 'short');
    const good = await change(reset.resetPassword.oneTimePassword, 'another good passphrase');
    const after = await browser.graphql<{ skus: unknown[] }>('{ skus(first: 1) { code } }');
    const signOut = await browser.graphql<{ signOut: { signedOut: boolean } }>(
      'mutation { signOut { signedOut } }',
    );

    expect(wrong.data?.changePassword.errors).toEqual([
      { field: 'currentPassword', code: 'WRONG_PASSWORD' },
    ]);
    expect(weak.data?.changePassword.errors).toEqual([
      { field: 'newPassword', code: 'PASSWORD_TOO_WEAK' },
    ]);
    expect(good.data?.changePassword.errors).toEqual([]);
    expect(after.data?.skus).toHaveLength(1);
    expect(signOut.data?.signOut.signedOut).toBe(true);
  });

  it("ends a person's other sessions when they change their password", async () => {
    const here = await signedIn('olga@example.com', ['viewer']);
    const there = new Browser();
    await there.signIn('olga@example.com', strongPassword);

    await here.graphql(
      `mutation($current: String!, $next: String!) {
        changePassword(currentPassword: $current, newPassword: $next) { errors { code } } }`,
      { current: strongPassword, next: 'a brand new passphrase' },
    );

    expect((await here.graphql<ViewerData>(viewerQuery)).data?.viewer).not.toBeNull();
    expect((await there.graphql<ViewerData>(viewerQuery)).data?.viewer).toBeNull();
  });

  it('refuses a password change from an API token', async () => {
    const data = await system.graphql<{ changePassword: { errors: { code: string }[] } }>(
      `mutation { changePassword(currentPassword: "x", newPassword: "y") { errors { code } } }`,
    );

    expect(data.changePassword.errors).toEqual([{ code: 'SESSION_REQUIRED' }]);
  });
});

describe('managing people', () => {
  it('refuses bad accounts with the field and code, and creates nothing', async () => {
    await createPerson('pat@example.com', ['viewer']);
    const before = await system.pool.query('SELECT id FROM users');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ email: ' PAT@example.com', roles: ['VIEWER'] }, 'email', 'EMAIL_TAKEN'],
      [{ email: 'not an email', roles: ['VIEWER'] }, 'email', 'INVALID_EMAIL'],
      [{ email: 'x'.repeat(250) + '@e.com', roles: ['VIEWER'] }, 'email', 'INVALID_EMAIL'],
      [{ email: 'quinn@example.com', roles: [] }, 'roles', 'ROLE_REQUIRED'],
      [
        { email: 'quinn@example.com', roles: ['VIEWER'], password: 'too short' },
        'password',
        'PASSWORD_TOO_WEAK',
      ],
      [
        { email: 'quinn@example.com', roles: ['VIEWER'], password: 'quinn@example.com' },
        'password',
        'PASSWORD_TOO_WEAK',
      ],
      [
        { email: 'quinn@example.com', roles: ['VIEWER'], name: 'n'.repeat(201) },
        'name',
        'INVALID_NAME',
      ],
    ];

    for (const [input, field, code] of cases) {
      const data = await system.graphql<{
        createUser: { user: unknown; oneTimePassword: unknown; errors: unknown[] };
      }>(
        `mutation($input: CreateUserInput!) {
          createUser(input: $input) { user { id } oneTimePassword errors { field code } } }`,
        { input },
      );
      expect(data.createUser, code).toEqual({
        user: null,
        oneTimePassword: null,
        errors: [{ field, code }],
      });
    }
    expect((await system.pool.query('SELECT id FROM users')).rowCount).toBe(before.rowCount);
  });

  it('gives a one-time password when none is chosen, to be changed at first sign-in', async () => {
    const data = await system.graphql<{
      createUser: { oneTimePassword: string; user: { mustChangePassword: boolean } };
    }>(
      `mutation { createUser(input: { email: "rita@example.com", roles: [FINANCE, VIEWER] }) {
        oneTimePassword user { mustChangePassword roles } } }`,
    );

    const browser = new Browser();
    const answer = await browser.signIn('rita@example.com', data.createUser.oneTimePassword);

    expect(data.createUser.user).toEqual({
      mustChangePassword: true,
      roles: ['FINANCE', 'VIEWER'],
    });
    expect(answer.data?.signIn.viewer?.user.mustChangePassword).toBe(true);
  });

  it('keeps a warehouse person out of every admin operation, changing nothing', async () => {
    const browser = await signedIn('sam@example.com', ['warehouse']);
    const before = await system.pool.query('SELECT id FROM users');

    const answers = [
      await browser.graphql('{ users { id } }'),
      await browser.graphql(
        `mutation { createUser(input: { email: "x@example.com", roles: [ADMIN] }) {
          errors { code } } }`,
      ),
      await browser.graphql(
        `mutation($id: ID!) { updateUser(input: { userId: $id, roles: [ADMIN] }) {
          errors { code } } }`,
        { id: browser.userId },
      ),
      await browser.graphql(
        'mutation($id: ID!) { resetPassword(userId: $id) { oneTimePassword } }',
        {
          id: browser.userId,
        },
      ),
      await browser.graphql('mutation($id: ID!) { endSessions(userId: $id) { endedCount } }', {
        id: browser.userId,
      }),
      await browser.graphql(
        'mutation($id: ID!) { clearSignInLock(userId: $id) { errors { code } } }',
        {
          id: browser.userId,
        },
      ),
    ];

    for (const answer of answers) {
      expect(answer.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(answer.errors[0]?.message).toContain('needs the admin permission');
    }
    expect((await system.pool.query('SELECT id FROM users')).rowCount).toBe(before.rowCount);
    const roles = await system.pool.query('SELECT roles FROM users WHERE id = $1', [
      browser.userId,
    ]);
    expect(roles.rows).toEqual([{ roles: ['warehouse'] }]);
  });

  it('disables a person, ending their sessions, and enables them again', async () => {
    const browser = await signedIn('tom@example.com', ['viewer']);
    const update = (disabled: boolean) =>
      system.graphql<{ updateUser: { user: { isDisabled: boolean }; errors: unknown[] } }>(
        `mutation($id: ID!, $disabled: Boolean) {
          updateUser(input: { userId: $id, disabled: $disabled }) {
            user { isDisabled } errors { code } } }`,
        { id: browser.userId, disabled },
      );

    const disabled = await update(true);
    const refused = await new Browser().signIn('tom@example.com', strongPassword);
    const oldSession = await browser.graphql<ViewerData>(viewerQuery);
    const enabled = await update(false);
    const again = await new Browser().signIn('tom@example.com', strongPassword);

    expect(disabled.updateUser).toEqual({ user: { isDisabled: true }, errors: [] });
    expect(refused.data?.signIn.errors[0]?.code).toBe('INVALID_CREDENTIALS');
    expect(oldSession.data?.viewer).toBeNull();
    expect(enabled.updateUser.user.isDisabled).toBe(false);
    expect(again.data?.signIn.errors).toEqual([]);
  });

  it('never lets the last enabled admin lose the role or be disabled', async () => {
    const adminId = await createPerson('uma@example.com', ['admin']);
    const others = await system.pool.query<{ id: string }>(
      `SELECT id::text FROM users WHERE 'admin' = ANY (roles) AND id <> $1`,
      [adminId],
    );
    const update = (input: Record<string, unknown>) =>
      system.graphql<{
        updateUser: { user: { roles: string[] } | null; errors: { field: string; code: string }[] };
      }>(
        `mutation($input: UpdateUserInput!) {
          updateUser(input: $input) { user { roles } errors { field code } } }`,
        { input },
      );
    for (const other of others.rows) {
      expect((await update({ userId: other.id, roles: ['VIEWER'] })).updateUser.errors).toEqual([]);
    }

    const demoted = await update({ userId: adminId, roles: ['WAREHOUSE'] });
    const disabled = await update({ userId: adminId, disabled: true });
    const stored = await system.pool.query('SELECT roles, disabled_at FROM users WHERE id = $1', [
      adminId,
    ]);

    expect(demoted.updateUser).toEqual({
      user: null,
      errors: [{ field: 'roles', code: 'LAST_ADMIN' }],
    });
    expect(disabled.updateUser).toEqual({
      user: null,
      errors: [{ field: 'disabled', code: 'LAST_ADMIN' }],
    });
    expect(stored.rows).toEqual([{ roles: ['admin'], disabled_at: null }]);

    await update({ userId: others.rows[0]?.id, roles: ['ADMIN'] });
    const nowAllowed = await update({ userId: adminId, roles: ['WAREHOUSE'] });
    expect(nowAllowed.updateUser).toEqual({ user: { roles: ['WAREHOUSE'] }, errors: [] });
  });
});

describe('pnpm qm users', () => {
  function qm(args: string[], input?: string) {
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: system.databaseUrl,
      LOG_LEVEL: 'silent',
    };
    return spawnSync(process.execPath, ['--import', './register.mjs', 'src/cli/main.ts', ...args], {
      cwd: new URL('../api/', import.meta.url),
      env: environment,
      input,
      encoding: 'utf8',
    });
  }

  it('creates a person with a one-time password to be changed at first sign-in', async () => {
    const run = qm(['users', 'create', '--email', 'Vic@Example.com', '--role', 'warehouse']);
    const password = run.stdout.trim();

    const answer = await new Browser().signIn('vic@example.com', password);

    expect(run.status).toBe(0);
    expect(run.stderr).toContain('must change it');
    expect(answer.data?.signIn.viewer?.user).toMatchObject({
      email: 'vic@example.com',
      mustChangePassword: true,
      roles: ['WAREHOUSE'],
    });
  });

  it('creates a person with a password read from standard input, and lists people', async () => {
    const run = qm(
      [
        'users',
        'create',
        '--email',
        'wes@example.com',
        '--role',
        'finance',
        '--role',
        'viewer',
        '--name',
        'Wes',
        '--password-stdin',
      ],
      `${strongPassword}\n`,
    );
    const answer = await new Browser().signIn('wes@example.com', strongPassword);
    const listed = qm(['users', 'list']);

    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(answer.data?.signIn.viewer?.user.mustChangePassword).toBe(false);
    expect(listed.stdout).toMatch(/^\d+\tenabled\twes@example\.com\tfinance,viewer\tWes/m);
    expect(listed.stdout).not.toContain(strongPassword);
  });

  it('refuses a bad account with the reason and exit code 1, creating nothing', async () => {
    const weak = qm(
      ['users', 'create', '--email', 'xia@example.com', '--role', 'viewer', '--password-stdin'],
      'short\n',
    );
    const noRole = qm(['users', 'create', '--email', 'xia@example.com']);
    const taken = qm(['users', 'create', '--email', 'WES@example.com', '--role', 'viewer']);

    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    expect(noRole.status).toBe(2);
    expect(noRole.stderr).toContain('--role');
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain('already has an account');
    const found = await system.pool.query('SELECT 1 FROM users WHERE email = $1', [
      'xia@example.com',
    ]);
    expect(found.rowCount).toBe(0);
  });
});
