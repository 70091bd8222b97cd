/**
 * The audit trail over real HTTP and the real database: every mutation is recorded with who
 * made it, a summary of its input and how it ended, refused and rejected ones included; the
 * movements a request makes point to its record; the trail cannot be changed; admins page and
 * filter it, others cannot read it; the CLI's token changes are recorded too.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';

import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createToken } from '../api/src/access/tokens.ts';
import { orderBody } from '../api/src/shopify/simulator/webhook-bodies.ts';
import { startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;
let warehouseId: string;
let deskToken: string;
let deskTokenId: string;
let readerToken: string;

beforeAll(async () => {
  system = await startTestSystem();
  const data = await system.graphql<{ locations: { id: string; name: string }[] }>(
    '{ locations { id name } }',
  );
  warehouseId = data.locations.find((l) => l.name.endsWith('Warehouse'))?.id ?? '';

  const desk = await createToken(system.pool, {
    name: 'receiving desk',
    scopes: ['stock:read', 'stock:write'],
  });
  deskToken = desk.token;
  deskTokenId = desk.id;
  readerToken = (await createToken(system.pool, { name: 'reader', scopes: ['stock:read'] })).token;
});

afterAll(async () => {
  await system.stopAll();
});

interface GraphQLAnswer<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions: { code: string; argument?: string } }[];
}

async function post<T = Record<string, unknown>>(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'user-agent': 'audit-test',
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    ...((await response.json()) as Omit<GraphQLAnswer<T>, 'status'>),
  };
}

interface AuditEvent {
  id: string;
  occurredAt: string;
  actor: string;
  actorKind: string;
  actorLabel: string;
  operation: string;
  input: Record<string, unknown>;
  outcome: string | null;
  outcomeDetail: Record<string, unknown> | null;
  subject: string | null;
  sourceAddress: string | null;
  userAgent: string | null;
  channel: string;
}

const eventFields = `id occurredAt actor actorKind actorLabel operation input outcome
  outcomeDetail subject sourceAddress userAgent channel`;

async function auditEvents(
  variables: { first?: number; after?: string; filter?: Record<string, unknown> } = {},
) {
  const data = await system.graphql<{
    auditEvents: {
      nodes: AuditEvent[];
      edges: { cursor: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(
    `query($first: Int, $after: String, $filter: AuditFilter) {
      auditEvents(first: $first, after: $after, filter: $filter) {
        nodes { ${eventFields} } edges { cursor } pageInfo { hasNextPage endCursor } } }`,
    variables,
  );
  return data.auditEvents;
}

async function latestEvent(): Promise<AuditEvent> {
  const [event] = (await auditEvents({ first: 1 })).nodes;
  if (event === undefined) {
    throw new Error('no audit event');
  }
  return event;
}

async function counts() {
  const found = await system.pool.query<{ movements: number; events: number }>(
    `SELECT (SELECT count(*) FROM stock_movements)::int AS movements,
            (SELECT count(*) FROM audit_events)::int AS events`,
  );
  return found.rows[0] ?? { movements: 0, events: 0 };
}

describe('recording mutations', () => {
  it('records a receipt: token, input, success; its movement points to it', async () => {
    const answer = await post<{
      receiveStock: { movements: { id: string; auditEventId: string; madeBy: string }[] };
    }>(
      deskToken,
      `mutation($qty: Int!) { receiveStock(input: {
        sku: "HL-SPOON-ENML", locationId: "${warehouseId}", quantity: $qty, note: "PO 88" }) {
        movements { id auditEventId madeBy } errors { code } } }`,
      { qty: 4 },
    );

    const event = await latestEvent();
    const [movement] = answer.data?.receiveStock.movements ?? [];
    expect(event).toMatchObject({
      actor: `token:${deskTokenId}`,
      actorKind: 'TOKEN',
      actorLabel: 'receiving desk',
      operation: 'receiveStock',
      input: {
        receiveStock: {
          input: { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantity: 4, note: 'PO 88' },
        },
      },
      outcome: 'SUCCEEDED',
      outcomeDetail: {},
      subject: null,
      userAgent: 'audit-test',
      channel: 'GRAPHQL',
    });
    expect(event.sourceAddress).toMatch(/127\.0\.0\.1/);
    expect(movement).toMatchObject({ auditEventId: event.id, madeBy: 'receiving desk' });
  });

  it('shows who made each movement, from its audit record or its actor', async () => {
    await system.deliver(
      'orders/create',
      orderBody(9700200, [
        { lineId: 9800200, variantId: 47100000002001, sku: '005512', quantity: 1 },
      ]),
    );
    await system.waitForProcessing();

    const data = await system.graphql<{
      movements: {
        nodes: { kind: string; actor: string; auditEventId: string | null; madeBy: string }[];
      };
    }>('{ movements(first: 200) { nodes { kind actor auditEventId madeBy } } }');

    const byKind = (kind: string) => data.movements.nodes.find((node) => node.kind === kind);
    expect(byKind('RECEIPT')).toMatchObject({ madeBy: 'receiving desk' });
    expect(byKind('RESERVATION')).toEqual({
      kind: 'RESERVATION',
      actor: 'shopify',
      auditEventId: null,
      madeBy: 'shopify',
    });
  });

  it('records a stock refusal as rejected with its code, errors selected or not', async () => {
    const before = await counts();

    await post(
      deskToken,
      `mutation { adjustStock(input: { sku: "HL-SPOON-ENML", locationId: "${warehouseId}",
        quantityChange: 3, reason: DAMAGED }) { movements { id } } }`,
    );

    const event = await latestEvent();
    expect(event.operation).toBe('adjustStock');
    expect(event.outcome).toBe('REJECTED');
    expect(event.outcomeDetail).toEqual({
      payloadErrors: [
        {
          operation: 'adjustStock',
          field: 'quantityChange',
          code: 'REASON_CONTRADICTS_CHANGE',
          message: expect.any(String),
        },
      ],
    });
    expect(await counts()).toEqual({ movements: before.movements, events: before.events + 1 });
  });

  it('records a mutation the token may not make as refused, and nothing moves', async () => {
    const before = await counts();

    const answer = await post(
      readerToken,
      `mutation { receiveStock(input: { sku: "HL-SPOON-ENML", locationId: "${warehouseId}",
        quantity: 1 }) { errors { code } } }`,
    );

    const event = await latestEvent();
    expect(answer.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(event).toMatchObject({ actorLabel: 'reader', outcome: 'REFUSED' });
    expect(event.outcomeDetail).toEqual({
      errors: [
        {
          code: 'FORBIDDEN',
          message: expect.stringContaining('stock:write'),
          path: 'receiveStock',
        },
      ],
    });
    expect(await counts()).toEqual({ movements: before.movements, events: before.events + 1 });
  });

  it('records a mutation with credentials naming no token as refused, anonymous', async () => {
    const answer = await post(
      'qm_not_a_real_token',
      `mutation { recordCount(input: { sku: "X", locationId: "1", countedQuantity: 1 }) {
        errors { code } } }`,
    );

    const event = await latestEvent();
    expect(answer.status).toBe(401);
    expect(event).toMatchObject({
      actor: 'anonymous',
      actorKind: 'ANONYMOUS',
      operation: 'recordCount',
      outcome: 'REFUSED',
      outcomeDetail: { errors: [expect.objectContaining({ code: 'UNAUTHENTICATED' })] },
    });
    expect(JSON.stringify(event)).not.toContain('qm_not_a_real_token');
  });

  it('records a mutation over the cost limit as rejected, before anything runs', async () => {
    const before = await counts();
    // One receipt asking for its errors ten thousand times over: more than the cost limit.
    const selections = Array.from({ length: 10_001 }, (_, index) => `e${index}: errors { code }`);
    const query = `mutation { receiveStock(input: { sku: "HL-SPOON-ENML",
      locationId: "${warehouseId}", quantity: 1 }) { ${selections.join(' ')} } }`;

    const answer = await post(deskToken, query);

    const event = await latestEvent();
    expect(answer.status).toBe(400);
    expect(event.outcome).toBe('REJECTED');
    expect(event.outcomeDetail).toEqual({
      errors: [{ code: 'BAD_USER_INPUT', message: expect.stringMatching(/limit is/) }],
    });
    expect(await counts()).toEqual({ movements: before.movements, events: before.events + 1 });
  });

  it('refuses a mutation over WebSocket, saying to use HTTP, and records nothing', async () => {
    const before = await counts();
    const client = createClient({
      url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${deskToken}` },
      retryAttempts: 0,
    });

    const outcome = await new Promise<string>((resolve) => {
      client.subscribe(
        {
          query: `mutation { receiveStock(input: { sku: "HL-SPOON-ENML",
            locationId: "${warehouseId}", quantity: 1 }) { errors { code } } }`,
        },
        {
          next: () => resolve('data'),
          error: (error) => resolve(JSON.stringify(error)),
          complete: () => resolve('complete'),
        },
      );
    });
    await client.dispose();

    expect(outcome).toContain('send them with POST /graphql');
    expect(await counts()).toEqual(before);
  });
});

describe('recording token changes through GraphQL', () => {
  it('records creating a token without its secret, and revoking it', async () => {
    const created = await system.graphql<{
      createApiToken: { token: { id: string }; secret: string };
    }>(
      `mutation { createApiToken(input: { name: "label printer", scopes: [STOCK_READ] }) {
        token { id } secret errors { code } } }`,
    );
    const createdEvent = await latestEvent();
    const id = created.createApiToken.token.id;
    await system.graphql(`mutation { revokeApiToken(id: "${id}") { errors { code } } }`);
    const revokedEvent = await latestEvent();

    expect(createdEvent).toMatchObject({
      actorLabel: 'QM_ADMIN_TOKEN',
      operation: 'createApiToken',
      input: { createApiToken: { input: { name: 'label printer', scopes: ['stock:read'] } } },
      outcome: 'SUCCEEDED',
    });
    expect(JSON.stringify(createdEvent)).not.toContain(created.createApiToken.secret);
    expect(revokedEvent).toMatchObject({
      operation: 'revokeApiToken',
      input: { revokeApiToken: { id } },
      outcome: 'SUCCEEDED',
    });
  });
});

describe('the trail itself', () => {
  it('cannot be updated, deleted or truncated', async () => {
    const { id } = await latestEvent();
    const attempts = [
      `UPDATE audit_events SET actor = 'someone else' WHERE id = ${id}`,
      `DELETE FROM audit_events WHERE id = ${id}`,
      `UPDATE audit_outcomes SET outcome = 'succeeded' WHERE audit_event_id = ${id}`,
      `DELETE FROM audit_outcomes WHERE audit_event_id = ${id}`,
      'TRUNCATE audit_outcomes',
      'TRUNCATE audit_events CASCADE',
    ];

    for (const statement of attempts) {
      await expect(system.pool.query(statement), statement).rejects.toThrow(/append-only/);
    }
    expect((await latestEvent()).id).toBe(id);
  });

  it('pages newest first and filters by actor, kind, operation, outcome, time', async () => {
    const startedAt = new Date(Date.now() - 1);
    for (const quantity of [1, 2, 3]) {
      await post(
        deskToken,
        `mutation { recordCount(input: { sku: "HL-SPOON-ENML", locationId: "${warehouseId}",
          countedQuantity: ${quantity} }) { errors { code } } }`,
      );
    }

    const first = await auditEvents({ first: 2, filter: { operation: 'recordCount' } });
    const second = await auditEvents({
      first: 2,
      after: first.pageInfo.endCursor ?? '',
      filter: { operation: 'recordCount', from: startedAt.toISOString() },
    });
    const quantities = [...first.nodes, ...second.nodes].map(
      (node) =>
        (node.input.recordCount as { input: { countedQuantity: number } }).input.countedQuantity,
    );
    expect(quantities).toEqual([3, 2, 1]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const byLabel = await auditEvents({ filter: { actor: 'reader' } });
    const byActor = await auditEvents({ filter: { actor: `token:${deskTokenId}` } });
    const refused = await auditEvents({ filter: { outcome: 'REFUSED' } });
    const anonymous = await auditEvents({ filter: { actorKind: 'ANONYMOUS' } });
    const future = await auditEvents({ filter: { from: new Date(Date.now() + 60_000) } });
    const past = await auditEvents({ filter: { before: startedAt.toISOString() } });

    expect(byLabel.nodes.map((node) => node.actorLabel)).toEqual(['reader']);
    expect(byActor.nodes.length).toBeGreaterThanOrEqual(6);
    expect(byActor.nodes.every((node) => node.actor === `token:${deskTokenId}`)).toBe(true);
    expect(refused.nodes.map((node) => node.operation)).toEqual(['recordCount', 'receiveStock']);
    expect(anonymous.nodes.map((node) => node.operation)).toEqual(['recordCount']);
    expect(future.nodes).toEqual([]);
    expect(past.nodes.some((node) => node.operation === 'recordCount')).toBe(true);
    expect(past.nodes.every((node) => new Date(node.occurredAt) < startedAt)).toBe(true);
  });

  it("answers a bad cursor or page size as the caller's mistake, naming the argument", async () => {
    const cases: [string, string][] = [
      ['{ auditEvents(after: "garbage") { nodes { id } } }', 'after'],
      ['{ auditEvents(first: 0) { nodes { id } } }', 'first'],
      ['{ auditEvents(first: 201) { nodes { id } } }', 'first'],
    ];

    for (const [query, argument] of cases) {
      const answer = await post(system.adminToken, query);
      expect(answer.errors?.[0]?.extensions.code, query).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message.startsWith(`${argument}:`), query).toBe(true);
    }
  });

  it('cannot be read without the admin permission', async () => {
    const answer = await post(deskToken, '{ auditEvents { nodes { id } } }');

    expect(answer.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(answer.data).toBeNull();
  });
});

describe('the CLI', () => {
  // Run without blocking: the API under test serves from this same process.
  async function qm(...args: string[]) {
    const child = spawn(
      process.execPath,
      ['--import', './register.mjs', 'src/cli/main.ts', ...args],
      {
        cwd: new URL('../api/', import.meta.url),
        env: { ...process.env, DATABASE_URL: system.databaseUrl, LOG_LEVEL: 'silent' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [status] = (await once(child, 'close')) as [number | null];
    return { status, stdout, stderr };
  }

  it('records creating and revoking a token as the OS user, never the secret', async () => {
    const created = await qm('tokens', 'create', '--name', 'night shift', '--scope', 'stock:read');
    const token = created.stdout.trim();
    const id = /Token (\d+) created/.exec(created.stderr)?.[1] ?? '';
    const revoked = await qm('tokens', 'revoke', id);
    const missing = await qm('tokens', 'revoke', '999999');

    const events = (await auditEvents({ first: 3, filter: { actorKind: 'CLI' } })).nodes;
    const user = os.userInfo().username;
    expect([created.status, revoked.status, missing.status]).toEqual([0, 0, 1]);
    expect(events.map((event) => [event.operation, event.outcome, event.subject])).toEqual([
      ['qm tokens revoke', 'REJECTED', null],
      ['qm tokens revoke', 'SUCCEEDED', `token:${id}`],
      ['qm tokens create', 'SUCCEEDED', `token:${id}`],
    ]);
    expect(events[2]).toMatchObject({
      actor: `cli:${user}`,
      actorLabel: user,
      channel: 'CLI',
      input: { name: 'night shift', scopes: ['stock:read'], expiresAt: null },
    });
    expect(events[1]?.input).toEqual({ id });
    expect(events[0]?.outcomeDetail).toEqual({ errors: [{ code: 'TOKEN_NOT_FOUND' }] });
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
