/**
 * The GraphQL API over real HTTP and WebSocket: every operation needs a token, stock
 * operations answer business refusals in their payload and change nothing when refused, the
 * committed schema matches the code, and a subscriber on another API process hears changes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { freePort } from '../api/src/platform/database.ts';
import { orderBody, variants } from '../api/src/shopify/simulator/webhook-bodies.ts';
import {
  accessToken,
  clientSecret,
  readFixture,
  shopDomain,
  startTestSystem,
  type TestSystem,
} from './support/system.ts';

let system: TestSystem;
let warehouseId: string;
let shopFloorId: string;

beforeAll(async () => {
  system = await startTestSystem();
  const data = await system.graphql<{ locations: { id: string; name: string }[] }>(
    '{ locations { id name } }',
  );
  warehouseId = data.locations.find((l) => l.name.endsWith('Warehouse'))?.id ?? '';
  shopFloorId = data.locations.find((l) => l.name.endsWith('Shop'))?.id ?? '';
});

afterAll(async () => {
  await system.stopAll();
});

async function post(body: unknown, authorization?: string) {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function level(sku: string, locationId: string) {
  const data = await system.graphql<{
    stockLevels: { onHand: number; reserved: number; available: number }[];
  }>(
    `query($sku: String, $loc: ID) {
      stockLevels(sku: $sku, locationId: $loc) { onHand reserved available } }`,
    { sku, loc: locationId },
  );
  return data.stockLevels[0];
}

const stockPayload = `movements { kind sku onHandDelta actor location { name } }
  levels { sku onHand reserved available location { id } }
  errors { field code message }`;

describe('authentication', () => {
  it('refuses a request without a token, with a bad one, and with a malformed header', async () => {
    const query = { query: '{ locations { id } }' };
    for (const header of [undefined, 'Bearer qm_not_a_real_token', 'Basic abc', 'Bearer']) {
      const answer = await post(query, header);
      expect(answer.status, String(header)).toBe(401);
      expect(JSON.stringify(answer.body)).toContain('UNAUTHENTICATED');
    }
  });

  it('refuses a WebSocket subscription without a valid token', async () => {
    const client = createClient({
      url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer qm_wrong' },
      retryAttempts: 0,
    });
    const outcome = await new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { stockLevelChanged { onHand } }' },
        {
          next: () => resolve('data'),
          error: () => resolve('refused'),
          complete: () => resolve('complete'),
        },
      );
    });
    await client.dispose();
    expect(outcome).toBe('refused');
  });

  it('limits a token to its scopes', async () => {
    const created = await system.pool.query<{ id: string }>('SELECT 1');
    expect(created.rowCount).toBe(1);
    const { createToken } = await import('../api/src/access/tokens.ts');
    const reader = await createToken(system.pool, { name: 'reader', scopes: ['stock:read'] });

    const read = await post({ query: '{ locations { id } }' }, `Bearer ${reader.token}`);
    const write = await post(
      {
        query: `mutation { receiveStock(input: {
          sku: "HL-SPOON-ENML", locationId: "${warehouseId}", quantity: 1 }) { errors { code } } }`,
      },
      `Bearer ${reader.token}`,
    );

    expect(read.status).toBe(200);
    expect(JSON.stringify(write.body)).toContain('needs the stock:write permission');
  });
});

describe('stock operations', () => {
  it('receives stock, names who did it, and answers the new level', async () => {
    const before = await level('HL-SPOON-ENML', warehouseId);

    const data = await system.graphql<{
      receiveStock: {
        movements: { kind: string; actor: string }[];
        levels: { onHand: number }[];
        errors: unknown[];
      };
    }>(`mutation($input: ReceiveStockInput!) { receiveStock(input: $input) { ${stockPayload} } }`, {
      input: { sku: ' hl-spoon-enml ', locationId: warehouseId, quantity: 5, note: 'PO 88' },
    });

    expect(data.receiveStock.errors).toEqual([]);
    expect(data.receiveStock.movements).toEqual([
      expect.objectContaining({ kind: 'RECEIPT', actor: expect.stringMatching(/^token:\d+$/) }),
    ]);
    expect(data.receiveStock.levels[0]?.onHand).toBe((before?.onHand ?? 0) + 5);
  });

  it('answers the first result for a retried request id instead of receiving twice', async () => {
    const input = {
      sku: 'HL-SPOON-ENML',
      locationId: warehouseId,
      quantity: 2,
      requestId: 'scan-77',
    };
    const mutation = `mutation($input: ReceiveStockInput!) {
      receiveStock(input: $input) { ${stockPayload} } }`;
    await system.graphql(mutation, { input });
    const after = await level('HL-SPOON-ENML', warehouseId);

    await system.graphql(mutation, { input });

    expect(await level('HL-SPOON-ENML', warehouseId)).toEqual(after);
  });

  it('refuses bad input with the field and code, and changes nothing', async () => {
    const before = await level('HL-SPOON-ENML', warehouseId);
    const cases: [string, Record<string, unknown>, string, string][] = [
      [
        'receiveStock',
        { sku: 'NOPE', locationId: warehouseId, quantity: 1 },
        'sku',
        'SKU_NOT_FOUND',
      ],
      [
        'receiveStock',
        { sku: 'HL-SPOON-ENML', locationId: '999', quantity: 1 },
        'locationId',
        'LOCATION_NOT_FOUND',
      ],
      [
        'receiveStock',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantity: 0 },
        'quantity',
        'INVALID_QUANTITY',
      ],
      [
        'adjustStock',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantityChange: -1000, reason: 'DAMAGED' },
        'quantityChange',
        'INSUFFICIENT_AVAILABLE',
      ],
      [
        'adjustStock',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantityChange: 5, reason: 'THEFT' },
        'quantityChange',
        'REASON_CONTRADICTS_CHANGE',
      ],
      [
        'receiveStock',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantity: 2147483647 },
        'quantity',
        'INVALID_QUANTITY',
      ],
      [
        'receiveStock',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, quantity: 1, note: 'x'.repeat(501) },
        'note',
        'TOO_LONG',
      ],
      [
        'transferStock',
        {
          sku: 'HL-SPOON-ENML',
          fromLocationId: warehouseId,
          toLocationId: warehouseId,
          quantity: 1,
        },
        'toLocationId',
        'SAME_LOCATION',
      ],
      [
        'transferStock',
        {
          sku: 'HL-SPOON-ENML',
          fromLocationId: warehouseId,
          toLocationId: shopFloorId,
          quantity: 1000,
        },
        'quantity',
        'INSUFFICIENT_AVAILABLE',
      ],
      [
        'recordCount',
        { sku: 'HL-SPOON-ENML', locationId: warehouseId, countedQuantity: -1 },
        'countedQuantity',
        'INVALID_QUANTITY',
      ],
    ];
    const inputTypes: Record<string, string> = {
      receiveStock: 'ReceiveStockInput',
      adjustStock: 'AdjustStockInput',
      transferStock: 'TransferStockInput',
      recordCount: 'RecordCountInput',
    };

    for (const [mutation, input, field, code] of cases) {
      const data = await system.graphql<
        Record<string, { movements: unknown[]; errors: { field: string; code: string }[] }>
      >(
        `mutation($input: ${inputTypes[mutation]}!) {
          ${mutation}(input: $input) { ${stockPayload} } }`,
        { input },
      );
      expect(data[mutation]?.errors, `${mutation} ${code}`).toEqual([
        expect.objectContaining({ field, code }),
      ]);
      expect(data[mutation]?.movements).toEqual([]);
    }
    expect(await level('HL-SPOON-ENML', warehouseId)).toEqual(before);
    const shopFloor = await level('HL-SPOON-ENML', shopFloorId);
    expect(shopFloor?.onHand).toBe(2);
  });

  it('transfers between locations and records a count as the gap to what was found', async () => {
    const transfer = await system.graphql<{
      transferStock: { movements: { kind: string }[]; errors: unknown[] };
    }>(
      `mutation($input: TransferStockInput!) { transferStock(input: $input) { ${stockPayload} } }`,
      {
        input: {
          sku: 'HL-SPOON-ENML',
          fromLocationId: warehouseId,
          toLocationId: shopFloorId,
          quantity: 2,
        },
      },
    );
    expect(transfer.transferStock.movements.map((m) => m.kind)).toEqual([
      'TRANSFER_OUT',
      'TRANSFER_IN',
    ]);
    expect((await level('HL-SPOON-ENML', shopFloorId))?.onHand).toBe(4);

    const count = await system.graphql<{
      recordCount: { movements: { kind: string; onHandDelta: number }[] };
    }>(`mutation($input: RecordCountInput!) { recordCount(input: $input) { ${stockPayload} } }`, {
      input: { sku: 'HL-SPOON-ENML', locationId: shopFloorId, countedQuantity: 3 },
    });
    expect(count.recordCount.movements).toEqual([
      expect.objectContaining({ kind: 'COUNT', onHandDelta: -1 }),
    ]);
    expect((await level('HL-SPOON-ENML', shopFloorId))?.onHand).toBe(3);
  });

  it('pages movements with a cursor and filters them by SKU and kind', async () => {
    const query = `query($after: String) {
      movements(filter: { sku: "HL-SPOON-ENML" }, first: 2, after: $after) {
        edges { cursor node { id kind } } pageInfo { hasNextPage endCursor } } }`;
    type Page = {
      movements: {
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const first = await system.graphql<Page>(query);
    const second = await system.graphql<Page>(query, { after: first.movements.pageInfo.endCursor });

    expect(first.movements.edges).toHaveLength(2);
    expect(first.movements.pageInfo.hasNextPage).toBe(true);
    const ids = [...first.movements.edges, ...second.movements.edges].map((e) => Number(e.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);

    const receipts = await system.graphql<{ movements: { nodes: { kind: string }[] } }>(
      '{ movements(filter: { sku: "HL-SPOON-ENML", kinds: [RECEIPT] }) { nodes { kind } } }',
    );
    expect(new Set(receipts.movements.nodes.map((n) => n.kind))).toEqual(new Set(['RECEIPT']));
  });

  it('resolves an open exception once', async () => {
    const open = await system.graphql<{ openExceptions: { id: string; kind: string }[] }>(
      '{ openExceptions { id kind } }',
    );
    const exception = open.openExceptions.find((e) => e.kind === 'SKU_NEEDS_NAME');
    expect(exception).toBeDefined();
    const mutation = `mutation($id: ID!) { resolveException(id: $id, note: "named it") {
      exception { status resolvedBy resolvedAt raisedAt } errors { code } } }`;

    const first = await system.graphql<{
      resolveException: { exception: { status: string }; errors: unknown[] };
    }>(mutation, { id: exception?.id });
    const again = await system.graphql<{ resolveException: { errors: { code: string }[] } }>(
      mutation,
      { id: exception?.id },
    );
    const missing = await system.graphql<{ resolveException: { errors: { code: string }[] } }>(
      mutation,
      { id: '999999' },
    );

    expect(first.resolveException.exception.status).toBe('resolved');
    expect(again.resolveException.errors).toEqual([{ code: 'ALREADY_RESOLVED' }]);
    expect(missing.resolveException.errors).toEqual([{ code: 'EXCEPTION_NOT_FOUND' }]);
  });
});

describe('bad arguments and internal errors', () => {
  it("answers a malformed id, cursor or page size as the caller's mistake, naming it", async () => {
    const cases: [string, string][] = [
      ['{ stockLevels(locationId: "abc") { onHand } }', 'locationId'],
      ['{ movements(filter: { skuId: "99999999999999999999" }) { nodes { id } } }', 'filter.skuId'],
      ['{ movements(after: "garbage") { nodes { id } } }', 'after'],
      ['{ movements(first: 0) { nodes { id } } }', 'first'],
      ['{ orders(first: 1000) { id } }', 'first'],
      ['{ sku(id: "x") { id } }', 'id'],
    ];

    for (const [query, argument] of cases) {
      const answer = await post({ query }, `Bearer ${system.adminToken}`);
      const [error] = (answer.body.errors ?? []) as {
        message: string;
        extensions: { code: string; stacktrace?: unknown };
      }[];
      expect(error?.extensions.code, query).toBe('BAD_USER_INPUT');
      expect(error?.message.startsWith(`${argument}:`), error?.message).toBe(true);
      expect(error?.extensions.stacktrace).toBeUndefined();
    }
  });

  it('refuses an operation that costs too much, naming the limit, before it runs', async () => {
    const aliases = Array.from(
      { length: 200 },
      (_, index) => `a${index}: skus(first: 200) { levels { location { name } } }`,
    );
    const answer = await post({ query: `{ ${aliases.join(' ')} }` }, `Bearer ${system.adminToken}`);

    const [error] = (answer.body.errors ?? []) as {
      message: string;
      extensions: { code: string };
    }[];
    expect(answer.status).toBe(400);
    expect(error?.extensions.code).toBe('BAD_USER_INPUT');
    expect(error?.message).toMatch(/^query costs \d+; the limit is 20000$/);
  });

  it('costs a list without a page size as a full page, so aliases of it add up', async () => {
    const aliases = Array.from(
      { length: 50 },
      (_, index) => `a${index}: stockLevels { sku onHand location { name } }`,
    );

    const answer = await post({ query: `{ ${aliases.join(' ')} }` }, `Bearer ${system.adminToken}`);

    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toMatch(/query costs \d+; the limit is 20000/);
  });

  it('answers malformed JSON in JSON, without a stack trace', async () => {
    const response = await fetch(`${system.apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${system.adminToken}` },
      body: '{"query":',
    });
    const text = await response.text();

    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: expect.stringContaining('not valid JSON') }],
    });
    expect(text).not.toContain('/work/');
  });

  it("answers a variable of the wrong type as the caller's mistake, naming it", async () => {
    const answer = await post(
      {
        query: `mutation($input: CreateApiTokenInput!) {
          createApiToken(input: $input) { errors { code } } }`,
        variables: { input: { name: 'reader', scopes: ['STOCK_READ', 'EVERYTHING'] } },
      },
      `Bearer ${system.adminToken}`,
    );

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          '"$input" got invalid value "EVERYTHING" at "input.scopes[1]"',
        ),
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });

  it('refuses a count below what orders have reserved, and a reused request id', async () => {
    await system.deliver(
      'orders/create',
      (await import('../api/src/shopify/simulator/webhook-bodies.ts')).orderBody(9700100, [
        { lineId: 9800100, variantId: 47100000002001, sku: '005512', quantity: 2 },
      ]),
    );
    await system.waitForProcessing();
    const count = await system.graphql<{
      recordCount: { errors: { code: string; field: string }[] };
    }>(
      `mutation { recordCount(input: {
        sku: "005512", locationId: "${warehouseId}", countedQuantity: 1 }) {
        errors { code field } } }`,
    );
    expect(count.recordCount.errors).toEqual([
      { code: 'COUNT_BELOW_RESERVED', field: 'countedQuantity' },
    ]);

    const receipt = `mutation { receiveStock(input: { sku: "005512",
      locationId: "${warehouseId}", quantity: 1, requestId: "r-9" }) { errors { code } } }`;
    const adjustment = `mutation { adjustStock(input: { sku: "005512",
      locationId: "${warehouseId}", quantityChange: 1, reason: FOUND, requestId: "r-9" }) {
      errors { code } } }`;
    await system.graphql(receipt);
    const reused = await system.graphql<{ adjustStock: { errors: { code: string }[] } }>(
      adjustment,
    );
    expect(reused.adjustStock.errors).toEqual([{ code: 'REQUEST_REUSED' }]);
  });
});

describe('the committed schema', () => {
  it('matches the schema the code builds', () => {
    // In its own process: the schema tooling and this test runner load graphql differently.
    const check = spawnSync(
      process.execPath,
      ['--import', './register.mjs', 'src/app/print-schema.ts', '--check'],
      { cwd: new URL('../api/', import.meta.url), encoding: 'utf8' },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('subscriptions across API processes', () => {
  let other: ChildProcess;
  let otherUrl: string;
  let client: Client;

  beforeAll(async () => {
    // A second API process on the same database, as a second server behind a load balancer.
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
    client = createClient({
      url: `${otherUrl.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${system.adminToken}` },
    });
  }, 60_000);

  afterAll(async () => {
    await client.dispose();
    other.kill('SIGTERM');
    await once(other, 'exit');
  });

  it('hears a stock change and an order change made through the first process', async () => {
    const heard: Record<string, unknown>[] = [];
    const levelDone = new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription {
            stockLevelChanged(locationId: "${warehouseId}") { sku onHand available } }`,
        },
        {
          next: (message) => {
            heard.push(message.data as Record<string, unknown>);
            resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const orderDone = new Promise<Record<string, unknown>>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { orderChanged { name allocationState } }' },
        {
          next: (message) => resolve(message.data as Record<string, unknown>),
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    await system.graphql(
      `mutation { receiveStock(input: {
        sku: "HL-POT-TERR-20", locationId: "${warehouseId}", quantity: 4 }) { errors { code } } }`,
    );
    const { orderBody } = await import('../api/src/shopify/simulator/webhook-bodies.ts');
    await system.deliver(
      'orders/create',
      orderBody(9700001, [
        { lineId: 9800001, variantId: 47100000001702, sku: 'HL-POT-TERR-20', quantity: 1 },
      ]),
    );

    await levelDone;
    expect(heard[0]).toEqual({
      stockLevelChanged: { sku: 'HL-POT-TERR-20', onHand: 7, available: 7 },
    });
    expect(await orderDone).toEqual({ orderChanged: { name: '#1', allocationState: 'reserved' } });
  });
});

describe('transfers are all or nothing', () => {
  it('undoes the departure when the arrival is refused, and refuses a reused id', async () => {
    const before = await level('HL-TEATOWEL-STRP', shopFloorId);
    const receipt = `mutation { receiveStock(input: { sku: "HL-TEATOWEL-STRP",
      locationId: "${warehouseId}", quantity: 1, requestId: "t-77" }) { errors { code } } }`;
    const transfer = `mutation { transferStock(input: { sku: "HL-TEATOWEL-STRP",
      fromLocationId: "${shopFloorId}", toLocationId: "${warehouseId}", quantity: 3,
      requestId: "t-77" }) { movements { kind } errors { code } } }`;

    await system.graphql(receipt);
    const refused = await system.graphql<{
      transferStock: { movements: unknown[]; errors: { code: string }[] };
    }>(transfer);

    expect(refused.transferStock).toEqual({ movements: [], errors: [{ code: 'REQUEST_REUSED' }] });
    expect(await level('HL-TEATOWEL-STRP', shopFloorId)).toEqual(before);
  });

  it('refuses a NUL or half a character in text, naming where, and changes nothing', async () => {
    const before = await level('HL-TEATOWEL-STRP', warehouseId);

    const inVariables = await post(
      {
        query: `mutation($input: ReceiveStockInput!) {
          receiveStock(input: $input) { errors { code } } }`,
        variables: {
          input: {
            sku: 'HL-TEATOWEL-STRP',
            locationId: warehouseId,
            quantity: 1,
            note: 'a\u0000b',
          },
        },
      },
      `Bearer ${system.adminToken}`,
    );
    const halfCharacter = await post(
      { query: 'query($s: String) { skus(search: $s) { id } }', variables: { s: 'a\ud800' } },
      `Bearer ${system.adminToken}`,
    );
    const signIn = await post({
      query: 'mutation { signIn(email: "a\\u0000b", password: "x") { errors { code } } }',
    });

    expect(inVariables.status).toBe(400);
    expect(JSON.stringify(inVariables.body)).toContain('Text at $input.note holds a NUL');
    expect(JSON.stringify(halfCharacter.body)).toContain('Text at $s holds');
    expect(JSON.stringify(signIn.body)).toContain('Text at line 1, column 26 holds');
    expect(await level('HL-TEATOWEL-STRP', warehouseId)).toEqual(before);
  });
});

describe('money', () => {
  /**
   * Waits for the order itself rather than for an empty job queue, which jobs left behind by
   * the second API process above (on the same database) can keep from emptying.
   */
  async function orderArrived(shopifyId: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const data = await system.graphql<{ order: { hasDetails: boolean } | null }>(
        `{ order(shopifyId: "${shopifyId}") { hasDetails } }`,
      );
      if (data.order?.hasDetails === true) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`order ${shopifyId} was not processed within 10 seconds`);
  }

  const orderMoney = `total { amountMinor currency }
    lines { sku unitPrice { amountMinor currency } }`;

  it('shows an order paid in EUR in EUR, though the shop sells in GBP', async () => {
    // Given order #1042, paid in EUR in a GBP shop
    await system.deliver('orders/create', null, {
      raw: readFixture('webhooks/D06-orders-create-1042-eur.json'),
    });
    await orderArrived('5912345678902');

    // When finance reads its total and unit prices
    const data = await system.graphql<{ order: unknown }>(
      `{ order(shopifyId: "5912345678902") { currency ${orderMoney} } }`,
    );

    // Then they are what the customer paid, in the currency paid, as on the invoice
    expect(data.order).toEqual({
      currency: 'EUR',
      total: { amountMinor: 12985, currency: 'EUR' },
      lines: [
        { sku: 'HL-THROW-WOOL-OAT', unitPrice: { amountMinor: 7995, currency: 'EUR' } },
        { sku: 'HL-VASE-GLS-AMB', unitPrice: { amountMinor: 3495, currency: 'EUR' } },
      ],
    });
  });

  it('leaves an amount unknown rather than label a GBP figure as EUR', async () => {
    // Given an order paid in EUR whose body lacks the amounts in the currency paid
    const body = orderBody(9700200, [
      { lineId: 9800200, ...variants.doormat, quantity: 1, price: '20.00' },
    ]);
    const { total_price_set: _total, line_items: lines, ...rest } = body;
    const foreign = {
      ...rest,
      presentment_currency: 'EUR',
      line_items: lines.map(({ price_set: _price, ...line }) => line),
    };
    await system.deliver('orders/create', foreign);
    await orderArrived('9700200');

    // When finance reads it
    const data = await system.graphql<{ order: unknown }>(
      `{ order(shopifyId: "9700200") { currency ${orderMoney} } }`,
    );

    // Then the amounts are null, not the shop's pounds called euros
    expect(data.order).toEqual({
      currency: 'EUR',
      total: null,
      lines: [{ sku: 'HL-DOORMAT-COIR', unitPrice: null }],
    });
  });

  async function skuIdOf(code: string): Promise<string> {
    const data = await system.graphql<{ skus: { id: string }[] }>(
      `{ skus(search: "${code}") { id } }`,
    );
    return data.skus[0]?.id ?? '';
  }

  const setUnitCost = `mutation($input: SetUnitCostInput!) { setUnitCost(input: $input) {
    sku { code unitCost { amountMinor currency } } errors { field code message } } }`;

  it("sets a SKU's unit cost, in the shop's currency unless another is named", async () => {
    // Given a SKU without a cost
    const skuId = await skuIdOf('HL-BOWL-SERV-L');

    // When finance sets its cost without a currency, then in euros written in lower case
    const inShopCurrency = await system.graphql<{ setUnitCost: unknown }>(setUnitCost, {
      input: { skuId, amountMinor: 1234 },
    });
    const inEuros = await system.graphql<{ setUnitCost: unknown }>(setUnitCost, {
      input: { skuId, amountMinor: 0, currency: ' eur ' },
    });

    // Then each answers the SKU with its cost
    expect(inShopCurrency.setUnitCost).toEqual({
      sku: { code: 'HL-BOWL-SERV-L', unitCost: { amountMinor: 1234, currency: 'GBP' } },
      errors: [],
    });
    expect(inEuros.setUnitCost).toEqual({
      sku: { code: 'HL-BOWL-SERV-L', unitCost: { amountMinor: 0, currency: 'EUR' } },
      errors: [],
    });
  });

  it('refuses an unknown SKU, a negative or absurd amount and a made-up currency', async () => {
    // Given a SKU with a cost
    const skuId = await skuIdOf('HL-LAMP-CER-WHT');
    await system.graphql(setUnitCost, { input: { skuId, amountMinor: 5000 } });
    const costs = () =>
      system.pool.query('SELECT id, unit_cost_minor, unit_cost_currency FROM skus ORDER BY id');
    const before = (await costs()).rows;

    // When finance sends input that cannot be a unit cost
    const inputs = [
      { skuId: '999999999', amountMinor: 100 },
      { skuId: 'lamp', amountMinor: 100 },
      { skuId, amountMinor: -1 },
      { skuId, amountMinor: 2_000_000_000 },
      { skuId, amountMinor: 100, currency: 'XYZ' },
      { skuId, amountMinor: 100, currency: 'pounds' },
    ];
    const answers = [];
    for (const input of inputs) {
      const data = await system.graphql<{
        setUnitCost: { sku: unknown; errors: { field: string; code: string }[] };
      }>(setUnitCost, { input });
      answers.push({
        sku: data.setUnitCost.sku,
        errors: data.setUnitCost.errors.map((e) => [e.field, e.code]),
      });
    }

    // Then each is refused naming the field, and no cost changed
    expect(answers).toEqual([
      { sku: null, errors: [['skuId', 'SKU_NOT_FOUND']] },
      { sku: null, errors: [['skuId', 'SKU_NOT_FOUND']] },
      { sku: null, errors: [['amountMinor', 'INVALID_AMOUNT']] },
      { sku: null, errors: [['amountMinor', 'INVALID_AMOUNT']] },
      { sku: null, errors: [['currency', 'INVALID_CURRENCY']] },
      { sku: null, errors: [['currency', 'INVALID_CURRENCY']] },
    ]);
    expect((await costs()).rows).toEqual(before);
  });

  it('keeps a cost whole in the database: both halves or neither, never negative', async () => {
    const skuId = await skuIdOf('HL-LAMP-CER-WHT');
    const write = (sql: string) => system.pool.query(sql, [skuId]).catch((e: Error) => e.message);

    expect(await write('UPDATE skus SET unit_cost_currency = NULL WHERE id = $1')).toContain(
      'skus_unit_cost_complete',
    );
    expect(await write('UPDATE skus SET unit_cost_minor = -1 WHERE id = $1')).toContain(
      'skus_unit_cost_not_negative',
    );
  });
});
