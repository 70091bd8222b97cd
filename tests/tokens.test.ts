/**
 * API tokens end to end: an admin creates one through GraphQL and sees its secret once; the
 * token works with exactly its scopes; expired, revoked and forged tokens are refused over HTTP
 * and WebSocket; and an open subscription is closed with 4403 the moment its token is revoked
 * (through GraphQL, plain SQL or the CLI, on this API process and on another) or expires.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createToken } from '../api/src/access/tokens.ts';
import { freePort } from '../api/src/platform/database.ts';
import {
  accessToken,
  clientSecret,
  shopDomain,
  startTestSystem,
  type TestSystem,
} from './support/system.ts';

let system: TestSystem;
let adminTokenId: string;
let warehouseId: string;

beforeAll(async () => {
  // Open connections are re-authenticated every 250 ms here, so expiry shows within a second.
  system = await startTestSystem({ accessRecheckIntervalMs: 250 });
  const admin = await system.pool.query<{ id: string }>(
    `SELECT id::text FROM api_tokens WHERE name = 'QM_ADMIN_TOKEN'`,
  );
  adminTokenId = admin.rows[0]?.id ?? '';
  const data = await system.graphql<{ locations: { id: string; name: string }[] }>(
    '{ locations { id name } }',
  );
  warehouseId = data.locations.find((l) => l.name.endsWith('Warehouse'))?.id ?? '';
});

afterAll(async () => {
  await system.stopAll();
});

const tokenFields = 'id name scopes createdBy expiresAt revokedAt lastUsedAt isActive';

async function post(query: string, variables: Record<string, unknown>, token: string) {
  return postTo(system.apiUrl ?? '', query, variables, token);
}

async function postTo(
  apiUrl: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
) {
  const response = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return { status: response.status, ...body, codes: (body.errors ?? []).map(codeOf) };
}

function codeOf(error: { extensions?: { code?: string } }): string | undefined {
  return error.extensions?.code;
}

async function tokenCount(): Promise<number> {
  const counted = await system.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM api_tokens',
  );
  return counted.rows[0]?.count ?? -1;
}

interface CreatePayload {
  createApiToken: {
    token: Record<string, unknown> | null;
    secret: string | null;
    errors: { field: string; code: string }[];
  };
}

async function createThroughGraphql(input: Record<string, unknown>) {
  return system.graphql<CreatePayload>(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
      token { ${tokenFields} } secret errors { field code } } }`,
    { input },
  );
}

/** A graphql-ws connection, opened with a bearer token in its init payload. */
interface LiveSocket {
  acknowledged: boolean;
  closed: Promise<{ code: number; reason: string }>;
  socket: WebSocket;
  /** Subscribes to stock level changes and resolves at the first one heard. */
  hearStockChange(): Promise<void>;
}

async function openSocket(apiUrl: string, token: string): Promise<LiveSocket> {
  const socket = new WebSocket(`${apiUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = once(socket, 'close').then(([code, reason]) => ({
    code: code as number,
    reason: String(reason),
  }));
  await once(socket, 'open');
  socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
  );

  const acknowledged = await Promise.race([
    once(socket, 'message').then(([data]) => String(data).includes('connection_ack')),
    closed.then(() => false),
  ]);
  return {
    acknowledged,
    closed,
    socket,
    hearStockChange: () => {
      socket.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: 'subscription { stockLevelChanged { onHand } }' },
        }),
      );
      return new Promise<void>((resolve) => {
        socket.on('message', (data: Buffer) => {
          if ((JSON.parse(data.toString('utf8')) as { type: string }).type === 'next') {
            resolve();
          }
        });
      });
    },
  };
}

/** Proves the subscription is live: a stock change made now reaches it. */
async function changeStock(): Promise<void> {
  await system.graphql(
    `mutation($loc: ID!) { receiveStock(input: {
      sku: "HL-SPOON-ENML", locationId: $loc, quantity: 1 }) { errors { code } } }`,
    { loc: warehouseId },
  );
}

/** Answers the close, or fails when the socket is still open after the time given. */
async function closedWithin(live: LiveSocket, timeoutMs: number) {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs),
  );
  return Promise.race([live.closed, timeout]);
}

function qm(...args: string[]) {
  return spawnSync(process.execPath, ['--import', './register.mjs', 'src/cli/main.ts', ...args], {
    cwd: new URL('../api/', import.meta.url),
    env: { ...process.env, DATABASE_URL: system.databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
}

describe('creating a token through GraphQL', () => {
  it('shows the secret once; it works with exactly its scopes, never readable again', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();

    const created = await createThroughGraphql({
      name: 'Packing station connector',
      scopes: ['STOCK_READ', 'ORDERS_READ'],
      expiresAt,
    });

    const { token, secret, errors } = created.createApiToken;
    expect(errors).toEqual([]);
    expect(secret).toMatch(/^qm_[\w-]{32}$/);
    expect(token).toMatchObject({
      name: 'Packing station connector',
      scopes: ['STOCK_READ', 'ORDERS_READ'],
      createdBy: `token:${adminTokenId}`,
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      isActive: true,
    });

    const stock = await post(
      '{ locations { id } stockLevels(sku: "HL-SPOON-ENML") { onHand } }',
      {},
      secret ?? '',
    );
    const orders = await post('{ orders(first: 1) { id } }', {}, secret ?? '');
    const write = await post(
      `mutation($loc: ID!) { receiveStock(input: {
        sku: "HL-SPOON-ENML", locationId: $loc, quantity: 1 }) { errors { code } } }`,
      { loc: warehouseId },
      secret ?? '',
    );
    const list = await post('{ apiTokens { id } }', {}, secret ?? '');
    expect([stock.status, stock.codes, orders.status, orders.codes]).toEqual([200, [], 200, []]);
    expect(write.codes).toEqual(['FORBIDDEN']);
    expect(list.codes).toEqual(['FORBIDDEN']);

    const listed = await system.graphql<{ apiTokens: Record<string, unknown>[] }>(
      `{ apiTokens { ${tokenFields} } }`,
    );
    const stored = await system.pool.query<{ row: string; token_hash: string }>(
      'SELECT row_to_json(t)::text AS row, token_hash FROM api_tokens t WHERE id = $1',
      [token?.id],
    );
    expect(listed.apiTokens[0]).toMatchObject({ id: token?.id, isActive: true });
    expect(listed.apiTokens[0]?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(stored.rows[0]?.row).not.toContain(secret);
    expect(stored.rows[0]?.token_hash).toBe(
      createHash('sha256')
        .update(secret ?? '')
        .digest('hex'),
    );
  });

  it('refuses a token without the admin scope to create, list or revoke tokens', async () => {
    const reader = await createToken(system.pool, { name: 'reader', scopes: ['stock:read'] });
    const before = await tokenCount();

    const create = await post(
      `mutation { createApiToken(input: { name: "sneaky", scopes: [ADMIN] }) { secret } }`,
      {},
      reader.token,
    );
    const list = await post('{ apiTokens { id } }', {}, reader.token);
    const revoke = await post(
      'mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }',
      { id: adminTokenId },
      reader.token,
    );

    expect([create.codes, list.codes, revoke.codes]).toEqual([
      ['FORBIDDEN'],
      ['FORBIDDEN'],
      ['FORBIDDEN'],
    ]);
    expect(create.data).toBeNull();
    expect(await tokenCount()).toBe(before);
    const admin = await system.pool.query(
      'SELECT 1 FROM api_tokens WHERE id = $1 AND revoked_at IS NULL',
      [adminTokenId],
    );
    expect(admin.rowCount).toBe(1);
  });

  it('answers bad input with its code and creates nothing', async () => {
    const before = await tokenCount();
    const past = new Date(Date.now() - 60_000).toISOString();

    const answers = await Promise.all([
      createThroughGraphql({ name: 'late', scopes: ['STOCK_READ'], expiresAt: past }),
      createThroughGraphql({ name: 'no scopes', scopes: [] }),
      createThroughGraphql({ name: '   ', scopes: ['STOCK_READ'] }),
      createThroughGraphql({ name: 'x'.repeat(101), scopes: ['STOCK_READ'] }),
    ]);
    const unknownScope = await post(
      `mutation { createApiToken(input: { name: "odd", scopes: [STOCK_DELETE] }) { secret } }`,
      {},
      system.adminToken,
    );

    expect(answers.map((answer) => answer.createApiToken)).toEqual([
      { token: null, secret: null, errors: [{ field: 'expiresAt', code: 'EXPIRY_IN_PAST' }] },
      { token: null, secret: null, errors: [{ field: 'scopes', code: 'SCOPE_REQUIRED' }] },
      { token: null, secret: null, errors: [{ field: 'name', code: 'NAME_REQUIRED' }] },
      { token: null, secret: null, errors: [{ field: 'name', code: 'NAME_TOO_LONG' }] },
    ]);
    expect(unknownScope.codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await tokenCount()).toBe(before);
  });

  it('revokes a token once, and names a token that does not exist', async () => {
    const target = await createToken(system.pool, { name: 'short-lived', scopes: ['stock:read'] });
    const revoke = `mutation($id: ID!) { revokeApiToken(id: $id) {
      token { id isActive revokedAt } errors { field code } } }`;
    type Revoked = {
      revokeApiToken: {
        token: { id: string; isActive: boolean; revokedAt: string | null } | null;
        errors: { field: string; code: string }[];
      };
    };

    const first = await system.graphql<Revoked>(revoke, { id: target.id });
    const again = await system.graphql<Revoked>(revoke, { id: target.id });
    const missing = await system.graphql<Revoked>(revoke, { id: '987654' });
    const malformed = await system.graphql<Revoked>(revoke, { id: 'token:1' });

    expect(first.revokeApiToken.errors).toEqual([]);
    expect(first.revokeApiToken.token).toMatchObject({ id: target.id, isActive: false });
    expect(again.revokeApiToken.errors).toEqual([{ field: 'id', code: 'ALREADY_REVOKED' }]);
    expect(again.revokeApiToken.token?.revokedAt).toBe(first.revokeApiToken.token?.revokedAt);
    expect(missing.revokeApiToken).toEqual({
      token: null,
      errors: [{ field: 'id', code: 'TOKEN_NOT_FOUND' }],
    });
    expect(malformed.revokeApiToken.errors).toEqual([{ field: 'id', code: 'TOKEN_NOT_FOUND' }]);
  });
});

describe('listing tokens', () => {
  it('lists the newest first, past ten tokens too', async () => {
    // Given enough tokens that their ids run past one digit
    for (let index = 0; index < 10; index += 1) {
      await createToken(system.pool, { name: `listed ${index}`, scopes: ['stock:read'] });
    }

    // When an admin lists them
    const listed = await system.graphql<{ apiTokens: { id: string }[] }>('{ apiTokens { id } }');

    // Then the ids fall as numbers
    const ids = listed.apiTokens.map((token) => Number(token.id));
    expect(ids.length).toBeGreaterThan(10);
    expect(ids).toEqual([...ids].sort((left, right) => right - left));
  });
});

describe('refused credentials', () => {
  it('refuses an expired, a revoked and a forged token over HTTP and WebSocket', async () => {
    const expired = await createToken(system.pool, { name: 'expired', scopes: ['stock:read'] });
    await system.pool.query(
      `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expired.id],
    );
    const revoked = await createToken(system.pool, { name: 'revoked', scopes: ['stock:read'] });
    await system.pool.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [revoked.id]);
    const forged = `qm_${'A'.repeat(32)}`;

    for (const token of [expired.token, revoked.token, forged]) {
      const http = await post('{ locations { id } }', {}, token);
      const live = await openSocket(system.apiUrl ?? '', token);

      expect(http.status).toBe(401);
      expect(http.codes).toEqual(['UNAUTHENTICATED']);
      expect(live.acknowledged).toBe(false);
      expect((await live.closed).code).toBe(4403);
    }
  });
});

describe('open subscriptions when access ends', () => {
  it('closes a subscription with 4403 when its token is revoked through GraphQL', async () => {
    const reader = await createToken(system.pool, { name: 'watcher', scopes: ['stock:read'] });
    const live = await openSocket(system.apiUrl ?? '', reader.token);
    const bystander = await openSocket(system.apiUrl ?? '', system.adminToken);
    const heard = live.hearStockChange();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await changeStock();
    await heard;

    const revokedAt = Date.now();
    await system.graphql('mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }', {
      id: reader.id,
    });

    const close = await closedWithin(live, 2000);
    expect(close).toEqual({ code: 4403, reason: 'API token revoked' });
    expect(Date.now() - revokedAt).toBeLessThan(2000);
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
    bystander.socket.close();
  });

  it('closes a subscription when its token is revoked in plain SQL', async () => {
    const reader = await createToken(system.pool, { name: 'sql-revoked', scopes: ['stock:read'] });
    const live = await openSocket(system.apiUrl ?? '', reader.token);
    const heard = live.hearStockChange();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await changeStock();
    await heard;

    await system.pool.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [reader.id]);

    expect(await closedWithin(live, 2000)).toEqual({ code: 4403, reason: 'API token revoked' });
  });

  it('closes a subscription when its token expires while it is open', async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const reader = await createToken(system.pool, {
      name: 'expiring',
      scopes: ['stock:read'],
      expiresAt,
    });
    const live = await openSocket(system.apiUrl ?? '', reader.token);
    void live.hearStockChange();

    const close = await closedWithin(live, 5000);

    expect(close).toEqual({ code: 4403, reason: 'Credentials no longer valid' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
  });

  it('announces the end of any kind of access named by the trigger, on commit only', async () => {
    // The same function serves the sessions and users tables; a stand-in table shows how.
    const listener = await system.pool.connect();
    const heard: string[] = [];
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query('LISTEN qm_access_ended');
    const table = 'stand_in_sessions';
    await system.pool.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, ended_at timestamptz)`);
    await system.pool.query(`CREATE TRIGGER stand_in_ended AFTER UPDATE OF ended_at ON ${table}
      FOR EACH ROW EXECUTE FUNCTION announce_access_change('session', 'ended_at')`);
    await system.pool.query(`INSERT INTO ${table} VALUES (7, NULL), (8, NULL)`);

    await system.pool.query(`BEGIN; UPDATE ${table} SET ended_at = now() WHERE id = 8; ROLLBACK`);
    await system.pool.query(`UPDATE ${table} SET ended_at = now() WHERE id = 7`);
    await system.pool.query(`UPDATE ${table} SET ended_at = now() WHERE id = 7`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    await system.pool.query(`DROP TABLE ${table}`);
    listener.release();
    expect(heard.map((payload) => JSON.parse(payload) as unknown)).toEqual([
      { kind: 'session', id: '7' },
    ]);
  });
});

describe('a second API process', () => {
  let other: ChildProcess;
  let otherUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    other = spawn(process.execPath, ['--import', './register.mjs', 'src/main.ts'], {
      cwd: new URL('../api/', import.meta.url),
      env: {
        ...process.env,
        DATABASE_URL: system.databaseUrl,
        PORT: String(port),
        SHOPIFY_SHOP: shopDomain,
        SHOPIFY_ACCESS_TOKEN: accessToken,
        SHOPIFY_CLIENT_SECRET: clientSecret,
        SHOPIFY_ADMIN_URL: system.simulator.url,
        QM_ADMIN_TOKEN: system.adminToken,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    otherUrl = `http://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const up = await fetch(`${otherUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);

  afterAll(async () => {
    other.kill('SIGTERM');
    await once(other, 'exit');
  });

  it('closes its subscriptions too when the CLI revokes the token', async () => {
    const reader = await createToken(system.pool, {
      name: 'two processes',
      scopes: ['stock:read'],
    });
    const here = await openSocket(system.apiUrl ?? '', reader.token);
    const there = await openSocket(otherUrl, reader.token);
    const heardThere = there.hearStockChange();
    void here.hearStockChange();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await changeStock();
    await heardThere;

    const revoke = qm('tokens', 'revoke', reader.id);

    expect(revoke.status).toBe(0);
    const closes = await Promise.all([closedWithin(here, 2000), closedWithin(there, 2000)]);
    // This process also re-checks every 250 ms and may get there first; the other process
    // re-checks every 30 s, so only the announcement can have closed its socket in time.
    expect(closes).toEqual([
      {
        code: 4403,
        reason: expect.stringMatching(/^(API token revoked|Credentials no longer valid)$/),
      },
      { code: 4403, reason: 'API token revoked' },
    ]);
    const refused = await postTo(otherUrl, '{ locations { id } }', {}, reader.token);
    expect(refused.status).toBe(401);
  });
});

describe('tokens from the CLI', () => {
  it('creates a token with an expiry and lists its expiry and creator', () => {
    const run = qm(
      'tokens',
      'create',
      '--name',
      'nightly export',
      '--scope',
      'orders:read',
      '--expires-in',
      '30d',
    );
    const listed = qm('tokens', 'list').stdout;

    expect(run.status).toBe(0);
    const line = listed.split('\n').find((l) => l.includes('\tnightly export\t')) ?? '';
    const [, state, , scopes, expires, createdBy] = line.split('\t');
    expect([state, scopes]).toEqual(['live', 'orders:read']);
    const expiresAt = Date.parse(expires?.replace('expires ', '') ?? '');
    expect(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    expect(createdBy).toMatch(/^created by cli:.+/);
    expect(listed).not.toContain(run.stdout.trim());
  });

  it('accepts an expiry as an ISO date-time', () => {
    const run = qm(
      'tokens',
      'create',
      '--name',
      'until new year',
      '--scope',
      'stock:read',
      '--expires-at',
      '2099-01-01T00:00:00Z',
    );

    expect(run.status).toBe(0);
    expect(run.stderr).toContain('valid until 2099-01-01T00:00:00.000Z');
  });

  it('refuses bad values with a message naming them, and creates nothing', async () => {
    const before = await tokenCount();
    const cases: [string[], string][] = [
      [['--scope', 'stock:delete'], '--scope: Unknown scope(s) stock:delete'],
      [[], '--scope: Name at least one scope'],
      [['--scope', 'stock:read', '--expires-in', '30m'], '--expires-in "30m" is not a duration'],
      [['--scope', 'stock:read', '--expires-at', '2027-02-30'], '--expires-at "2027-02-30"'],
      [['--scope', 'stock:read', '--expires-at', '2020-01-01'], 'is not in the future'],
    ];

    for (const [args, message] of cases) {
      const run = qm('tokens', 'create', '--name', 'refused', ...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(message);
      expect(run.stdout).toBe('');
    }
    expect(await tokenCount()).toBe(before);
  });
});
