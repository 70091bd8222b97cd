// The Shopify simulator over plain HTTP: token check, shapes from the catalogue fixture, paging,
// cost and throttling, `inventorySetQuantities` per API version, faults, signed webhooks and the
// order stream. The official client against the simulator is covered in admin-client.test.ts.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import {
  buildCreditNote,
  buildInvoice,
  parseAccountingOrder,
  parseAccountingRefund,
} from '../../accounting/documents.ts';
import { fixtureSettings } from '../../accounting/test-support.ts';

import { defaultCataloguePath, loadCatalogue, sharedCataloguePath } from './catalogue.ts';
import { inclusiveVatMinor, toMinor } from './order-payloads.ts';
import { startOrderStream } from './orders.ts';
import { seededRandom } from './random.ts';
import {
  type ShopifySimulator,
  type ShopifySimulatorOptions,
  startShopifySimulator,
} from './server.ts';

const warehouse = 'gid://shopify/Location/71234567890';
const shopFloor = 'gid://shopify/Location/71234567891';
const mugBlue = 'gid://shopify/InventoryItem/49200000000401';
const cushionSage = 'gid://shopify/InventoryItem/49200000000102';
const secret = 'hl_test_client_secret_4f1d9c0b7e2a';

const setMutation = `
  mutation Set($input: InventorySetQuantitiesInput!) {
    inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup { id createdAt reason referenceDocumentUri
        changes { name delta quantityAfterChange item { id sku } location { id name } } }
      userErrors { code field message }
    }
  }`;

const setIdempotentMutation = `
  mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
      userErrors { code field message }
    }
  }`;

interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: unknown;
    extensions?: { cost: Record<string, unknown> };
  };
}

const started: ShopifySimulator[] = [];

async function simulator(options: ShopifySimulatorOptions = {}): Promise<ShopifySimulator> {
  const sim = await startShopifySimulator(options);
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function call(
  sim: ShopifySimulator,
  query: string,
  variables: Record<string, unknown> = {},
  { version = '2026-01', token = sim.accessToken } = {},
): Promise<Answer> {
  const response = await fetch(`${sim.url}/admin/api/${version}/graphql.json`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': token },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

function setInput(quantities: Record<string, unknown>[]) {
  return {
    input: {
      name: 'available',
      reason: 'correction',
      referenceDocumentUri: 'quartermaster://stock-push/test',
      quantities,
    },
  };
}

describe('shopify simulator: access and shapes', () => {
  it('bundles a catalogue identical to the shared fixture, when that is present', () => {
    // Given the shared fixtures folder beside the repository (absent in some clones)
    const shared = sharedCataloguePath();

    // Then the copy the simulator loads by default has not drifted from it
    if (shared) {
      expect(readFileSync(defaultCataloguePath(), 'utf8')).toBe(readFileSync(shared, 'utf8'));
    }
    expect(loadCatalogue().products).toHaveLength(23);
  });

  it('refuses a wrong access token with 401 and Shopify’s message', async () => {
    // Given a simulator
    const sim = await simulator();

    // When a call carries another token
    const answer = await call(sim, '{ shop { name } }', {}, { token: 'shpat_wrong' });

    // Then it is refused as Shopify refuses it
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
    });
  });

  it('answers shop and locations from the catalogue, with cost on the answer', async () => {
    // Given the default catalogue
    const sim = await simulator();

    // When the shop and its locations are read
    const answer = await call(
      sim,
      `{ shop { myshopifyDomain currencyCode ianaTimezone taxesIncluded }
         locations(first: 10) {
           nodes { id legacyResourceId name isActive fulfillsOnlineOrders } } }`,
    );

    // Then they are the fixture's, and the cost is reported
    expect(answer.body.data).toEqual({
      shop: {
        myshopifyDomain: 'hearth-loom-test.myshopify.com',
        currencyCode: 'GBP',
        ianaTimezone: 'Europe/London',
        taxesIncluded: true,
      },
      locations: {
        nodes: [
          {
            id: warehouse,
            legacyResourceId: '71234567890',
            name: 'Hearth & Loom Warehouse',
            isActive: true,
            fulfillsOnlineOrders: true,
          },
          {
            id: shopFloor,
            legacyResourceId: '71234567891',
            name: 'Hearth & Loom Shop',
            isActive: true,
            fulfillsOnlineOrders: false,
          },
        ],
      },
    });
    // (1000 less the 5 points used; the bucket refills 100 a second while the answer is made.)
    expect(answer.body.extensions?.cost).toEqual({
      requestedQueryCost: 13,
      actualQueryCost: 5,
      throttleStatus: {
        maximumAvailable: 1000,
        currentlyAvailable: expect.toSatisfy((points: number) => points >= 995 && points < 1000),
        restoreRate: 100,
      },
    });
  });

  it('pages products with nodes, edges and cursors until the last page', async () => {
    // Given 23 products in the catalogue
    const sim = await simulator();
    const titles: string[] = [];
    let after: string | null = null;
    let pages = 0;

    // When they are read five at a time
    do {
      const answer = await call(
        sim,
        `query ($after: String) { products(first: 5, after: $after) {
           edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      const products = answer.body.data?.['products'] as {
        edges: { cursor: string; node: { title: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      titles.push(...products.edges.map((edge) => edge.node.title));
      expect(products.pageInfo.endCursor).toBe(products.edges.at(-1)?.cursor ?? null);
      after = products.pageInfo.hasNextPage ? products.pageInfo.endCursor : null;
      pages += 1;
    } while (after);

    // Then five pages hold every product once, in id order
    expect(pages).toBe(5);
    expect(titles).toHaveLength(23);
    expect(new Set(titles).size).toBe(23);
    expect(titles[0]).toBe('Linen Cushion Cover 45x45');
    expect(titles[22]).toBe('Linen Apron');
  });

  it('filters products by status and items by sku', async () => {
    const sim = await simulator();

    const answer = await call(
      sim,
      `{ archived: products(first: 50, query: "status:archived") { nodes { title status } }
         item: inventoryItems(first: 5, query: "sku:DEC-01") { nodes { legacyResourceId sku } } }`,
    );

    expect(answer.body.data).toEqual({
      archived: { nodes: [{ title: 'Linen Apron', status: 'ARCHIVED' }] },
      item: { nodes: [{ legacyResourceId: '49200000001901', sku: 'DEC-01' }] },
    });
  });

  it('reads an item’s levels and one level by location, and resolves nodes by id', async () => {
    const sim = await simulator();

    const answer = await call(
      sim,
      `query ($ids: [ID!]!) {
         inventoryItem(id: "${mugBlue}") {
           inventoryLevels(first: 5) { nodes { location { name }
             quantities(names: ["available", "on_hand", "committed"]) { name quantity } } }
           inventoryLevel(locationId: "${shopFloor}") {
             quantities(names: ["available"]) { quantity } }
         }
         nodes(ids: $ids) { __typename id }
       }`,
      { ids: [mugBlue, warehouse, 'gid://shopify/Product/1'] },
    );

    expect(answer.body.data).toEqual({
      inventoryItem: {
        inventoryLevels: {
          nodes: [
            {
              location: { name: 'Hearth & Loom Warehouse' },
              quantities: [
                { name: 'available', quantity: 23 },
                { name: 'on_hand', quantity: 23 },
                { name: 'committed', quantity: 0 },
              ],
            },
            {
              location: { name: 'Hearth & Loom Shop' },
              quantities: [
                { name: 'available', quantity: 4 },
                { name: 'on_hand', quantity: 4 },
                { name: 'committed', quantity: 0 },
              ],
            },
          ],
        },
        inventoryLevel: { quantities: [{ quantity: 4 }] },
      },
      nodes: [
        { __typename: 'InventoryItem', id: mugBlue },
        { __typename: 'Location', id: warehouse },
        null,
      ],
    });
  });
});

describe('shopify simulator: inventorySetQuantities up to 2026-01', () => {
  it('applies a batch whose compareQuantity matches; on_hand moves by the same delta', async () => {
    // Given mug 23 and cushion 8 available at the warehouse
    const sim = await simulator();

    // When both are set with matching compareQuantity
    const answer = await call(
      sim,
      setMutation,
      setInput([
        { inventoryItemId: mugBlue, locationId: warehouse, quantity: 19, compareQuantity: 23 },
        { inventoryItemId: cushionSage, locationId: warehouse, quantity: 10, compareQuantity: 8 },
      ]),
    );

    // Then the group lists available and on_hand changes, and the levels moved
    const payload = answer.body.data?.['inventorySetQuantities'] as {
      inventoryAdjustmentGroup: { reason: string; changes: Record<string, unknown>[] };
      userErrors: unknown[];
    };
    expect(payload.userErrors).toEqual([]);
    expect(payload.inventoryAdjustmentGroup.reason).toBe('correction');
    expect(payload.inventoryAdjustmentGroup.changes).toEqual([
      {
        name: 'available',
        delta: -4,
        quantityAfterChange: 19,
        item: { id: mugBlue, sku: 'HL-MUG-STONE-BLU' },
        location: { id: warehouse, name: 'Hearth & Loom Warehouse' },
      },
      {
        name: 'on_hand',
        delta: -4,
        quantityAfterChange: 19,
        item: { id: mugBlue, sku: 'HL-MUG-STONE-BLU' },
        location: { id: warehouse, name: 'Hearth & Loom Warehouse' },
      },
      {
        name: 'available',
        delta: 2,
        quantityAfterChange: 10,
        item: { id: cushionSage, sku: 'HL-CUSH-LIN-SAGE' },
        location: { id: warehouse, name: 'Hearth & Loom Warehouse' },
      },
      {
        name: 'on_hand',
        delta: 2,
        quantityAfterChange: 10,
        item: { id: cushionSage, sku: 'HL-CUSH-LIN-SAGE' },
        location: { id: warehouse, name: 'Hearth & Loom Warehouse' },
      },
    ]);
    expect(sim.available(mugBlue, warehouse)).toBe(19);
    expect(sim.levels().find((level) => level.inventoryItemGid === cushionSage)).toMatchObject({
      locationGid: warehouse,
      available: 10,
      onHand: 10,
    });
    expect(sim.setQuantityCalls.map((entry) => [entry.apiVersion, entry.outcome])).toEqual([
      ['2026-01', 'applied'],
    ]);
  });

  it('rejects the whole batch when a quantity is stale or unknown, changing nothing', async () => {
    // Given mug 23 at the warehouse
    const sim = await simulator();
    const before = sim.levels();

    // When a batch holds a good quantity, a stale compare, an unknown item and a negative one
    const answer = await call(
      sim,
      setMutation,
      setInput([
        { inventoryItemId: mugBlue, locationId: warehouse, quantity: 19, compareQuantity: 23 },
        { inventoryItemId: cushionSage, locationId: warehouse, quantity: 3, compareQuantity: 7 },
        { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: warehouse, quantity: 1 },
        { inventoryItemId: cushionSage, locationId: shopFloor, quantity: -1, compareQuantity: 1 },
      ]),
    );

    // Then every problem is a userError with Shopify's code and nothing was applied
    expect(answer.body.data?.['inventorySetQuantities']).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        {
          code: 'COMPARE_QUANTITY_STALE',
          field: ['input', 'quantities', '1', 'compareQuantity'],
          message: 'The compareQuantity value does not match persisted value.',
        },
        {
          code: 'INVALID_INVENTORY_ITEM',
          field: ['input', 'quantities', '2', 'inventoryItemId'],
          message: 'The specified inventory item could not be found.',
        },
        {
          code: 'INVALID_QUANTITY_NEGATIVE',
          field: ['input', 'quantities', '3', 'quantity'],
          message: "The quantity can't be negative.",
        },
      ],
    });
    expect(sim.levels()).toEqual(before);
    expect(sim.setQuantityCalls.map((entry) => entry.outcome)).toEqual(['userErrors']);
  });

  it('needs compareQuantity unless ignoreCompareQuantity is true', async () => {
    const sim = await simulator();
    const quantity = { inventoryItemId: mugBlue, locationId: warehouse, quantity: 5 };

    const refused = await call(sim, setMutation, setInput([quantity]));
    const ignored = await call(sim, setMutation, {
      input: { ...setInput([quantity]).input, ignoreCompareQuantity: true },
    });

    expect(refused.body.data?.['inventorySetQuantities']).toMatchObject({
      userErrors: [{ code: 'COMPARE_QUANTITY_REQUIRED' }],
    });
    expect(ignored.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
    expect(sim.available(mugBlue, warehouse)).toBe(5);
  });

  it('refuses more than 250 quantities before looking at any of them', async () => {
    const sim = await simulator();
    const quantities = Array.from({ length: 251 }, () => ({
      inventoryItemId: mugBlue,
      locationId: warehouse,
      quantity: 1,
      compareQuantity: 23,
    }));

    const answer = await call(sim, setMutation, setInput(quantities));

    expect(answer.body.errors).toMatchObject([
      {
        message: 'The input array size of 251 is greater than the maximum allowed of 250.',
        extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
      },
    ]);
    expect(sim.available(mugBlue, warehouse)).toBe(23);
  });
});

describe('shopify simulator: inventorySetQuantities from 2026-04', () => {
  const version = '2026-04';

  it('requires the @idempotent directive and changeFromQuantity on every quantity', async () => {
    const sim = await simulator();
    const withChange = { inventoryItemId: mugBlue, locationId: warehouse, quantity: 5 };

    const noKey = await call(
      sim,
      setMutation,
      setInput([{ ...withChange, changeFromQuantity: 23 }]),
      { version },
    );
    const noChangeFrom = await call(
      sim,
      setIdempotentMutation,
      { ...setInput([withChange]), key: 'k-1' },
      { version },
    );

    expect(noKey.body.errors).toMatchObject([
      { message: 'The @idempotent directive is required for this mutation.' },
    ]);
    const [missingChangeFrom] = noChangeFrom.body.errors as { message: string }[];
    expect(missingChangeFrom?.message).toContain('changeFromQuantity must be given');
    expect(sim.available(mugBlue, warehouse)).toBe(23);
    expect(sim.setQuantityCalls.map((entry) => entry.outcome)).toEqual(['error', 'error']);
  });

  it('compares changeFromQuantity, and null skips the comparison', async () => {
    const sim = await simulator();

    const stale = await call(
      sim,
      setIdempotentMutation,
      {
        ...setInput([
          { inventoryItemId: mugBlue, locationId: warehouse, quantity: 5, changeFromQuantity: 22 },
        ]),
        key: 'k-stale',
      },
      { version },
    );
    const unchecked = await call(
      sim,
      setIdempotentMutation,
      {
        ...setInput([
          {
            inventoryItemId: mugBlue,
            locationId: warehouse,
            quantity: 5,
            changeFromQuantity: null,
          },
        ]),
        key: 'k-unchecked',
      },
      { version },
    );

    expect(stale.body.data?.['inventorySetQuantities']).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        {
          code: 'CHANGE_FROM_QUANTITY_STALE',
          field: ['input', 'quantities', '0', 'changeFromQuantity'],
          message: 'The changeFromQuantity value does not match persisted value.',
        },
      ],
    });
    expect(unchecked.body.data?.['inventorySetQuantities']).toMatchObject({ userErrors: [] });
    expect(sim.available(mugBlue, warehouse)).toBe(5);
  });

  it('answers a repeated key with the first answer and applies once', async () => {
    // Given a call that set mug 23 → 19 under key K
    const sim = await simulator();
    const variables = {
      ...setInput([
        { inventoryItemId: mugBlue, locationId: warehouse, quantity: 19, changeFromQuantity: 23 },
      ]),
      key: 'stockpush-HL-MUG-STONE-BLU-WH-ledger-000184',
    };
    const first = await call(sim, setIdempotentMutation, variables, { version });

    // When the same call is retried, and then K is reused with another quantity
    const replay = await call(sim, setIdempotentMutation, variables, { version });
    const reused = await call(
      sim,
      setIdempotentMutation,
      {
        ...setInput([
          { inventoryItemId: mugBlue, locationId: warehouse, quantity: 18, changeFromQuantity: 19 },
        ]),
        key: variables.key,
      },
      { version },
    );

    // Then the retry gets the first answer, the reuse is refused, and 19 stands
    expect(replay.body.data).toEqual(first.body.data);
    expect(reused.body.data?.['inventorySetQuantities']).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [
        {
          code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          field: null,
          message: 'The same idempotency key cannot be used with different operation parameters.',
        },
      ],
    });
    expect(sim.available(mugBlue, warehouse)).toBe(19);
    expect(sim.setQuantityCalls.map((entry) => entry.outcome)).toEqual([
      'applied',
      'replayed',
      'userErrors',
    ]);
  });
});

describe('shopify simulator: cost, throttling and faults', () => {
  it('charges the requested cost, refunds the unused part, and throttles when short', async () => {
    // Given a bucket of 50 points restoring 1 a second
    const sim = await simulator({ maximumAvailable: 50, restoreRate: 1 });

    // When a query asks for 42 points but returns 23 products (actual 25), then asks again
    const first = await call(sim, '{ products(first: 40) { nodes { id } } }');
    const second = await call(sim, '{ products(first: 40) { nodes { id } } }');

    // Then the first ran and the second was throttled with no data, as Shopify answers
    expect(first.body.extensions?.cost).toEqual({
      requestedQueryCost: 42,
      actualQueryCost: 25,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 25, restoreRate: 1 },
    });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      errors: [
        {
          message: 'Throttled',
          extensions: {
            code: 'THROTTLED',
            documentation: 'https://shopify.dev/api/usage/rate-limits',
          },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 42,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 50, currentlyAvailable: 25, restoreRate: 1 },
        },
      },
    });
  });

  it('refuses a query dearer than the whole bucket with MAX_COST_EXCEEDED', async () => {
    const sim = await simulator();

    const answer = await call(
      sim,
      '{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }',
    );

    expect(answer.body).toMatchObject({
      errors: [{ extensions: { code: 'MAX_COST_EXCEEDED', cost: 63252, maxCost: 1000 } }],
    });
  });

  it('injects THROTTLED (with or without status), HTTP 500 and delays', async () => {
    const sim = await simulator();
    sim.injectFault({ kind: 'throttled-without-status', count: 1 });
    sim.injectFault({ kind: 'http-500', count: 2 });
    sim.injectFault({ kind: 'delay', delayMs: 150, count: 1 });

    const withoutStatus = await call(sim, '{ shop { name } }');
    const failedOnce = await call(sim, '{ shop { name } }');
    const failedTwice = await call(sim, '{ shop { name } }');
    const startedAt = performance.now();
    const delayed = await call(sim, '{ shop { name } }');
    const delayMs = performance.now() - startedAt;
    const normal = await call(sim, '{ shop { name } }');

    expect(withoutStatus.body).toEqual({
      errors: [
        {
          message: 'Throttled',
          extensions: {
            code: 'THROTTLED',
            documentation: 'https://shopify.dev/api/usage/rate-limits',
          },
        },
      ],
      extensions: { cost: { requestedQueryCost: 1, actualQueryCost: null } },
    });
    expect([failedOnce.status, failedTwice.status]).toEqual([500, 500]);
    expect(delayMs).toBeGreaterThanOrEqual(140);
    expect(delayed.body.data).toEqual({ shop: { name: 'hearth-loom-test' } });
    expect(normal.body.data).toEqual({ shop: { name: 'hearth-loom-test' } });
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function receiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.statusCode = 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhooks/shopify`, received, server };
}

function hmacIsValid(delivery: Received): boolean {
  const expected = createHmac('sha256', secret).update(delivery.body).digest();
  const given = Buffer.from(String(delivery.headers['x-shopify-hmac-sha256']), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('shopify simulator: webhooks', () => {
  it('signs the exact body bytes and sends Shopify’s headers', async () => {
    // Given a receiver and a body with escapes that re-serialising would change
    const sim = await simulator();
    const target = await receiver();
    const body = '{"id":5912345678901,"note":"caf\\u00e9"}';

    // When the simulator sends it
    const status = await sim.sendWebhook({
      targetUrl: target.url,
      topic: 'orders/create',
      body,
      webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      eventId: '9c1e5a40-2f55-4c1b-9a3e-1d0c7b6f3a11',
      triggeredAt: '2025-09-30T20:14:06.412Z',
    });
    target.server.close();

    // Then the receiver got those bytes, a valid HMAC and every header
    const [delivery] = target.received;
    expect(status).toBe(200);
    expect(delivery?.body.toString('utf8')).toBe(body);
    expect(delivery && hmacIsValid(delivery)).toBe(true);
    expect(delivery?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-shop-domain': 'hearth-loom-test.myshopify.com',
      'x-shopify-api-version': '2026-01',
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      'x-shopify-event-id': '9c1e5a40-2f55-4c1b-9a3e-1d0c7b6f3a11',
      'x-shopify-triggered-at': '2025-09-30T20:14:06.412Z',
    });
  });
});

interface OrderLineBody {
  variant_id: number;
  sku: string | null;
  quantity: number;
  price: string;
  tax_lines: { price: string; rate: number }[];
}

interface OrderBody {
  id: number;
  name: string;
  order_number: number;
  created_at: string;
  currency: string;
  taxes_included: boolean;
  financial_status: string;
  total_price: string;
  total_tax: string;
  line_items: OrderLineBody[];
  shipping_lines: { price: string; tax_lines: { price: string }[] }[];
}

describe('shopify simulator: order stream', () => {
  const clock = () => {
    let tickMs = Date.parse('2025-10-04T09:00:00Z');
    return () => {
      tickMs += 60_000;
      return new Date(tickMs);
    };
  };

  async function runStream(seed: number, ticks: number) {
    const sim = await simulator();
    const target = await receiver();
    const stream = startOrderStream(sim, {
      targetUrl: target.url,
      intervalMs: 60_000,
      random: seededRandom(seed),
      now: clock(),
      fulfilmentChance: 0.5,
      cancellationChance: 0.2,
    });

    for (let tick = 0; tick < ticks; tick += 1) {
      await stream.tick();
    }
    await stream.stop();
    target.server.close();

    return { sim, deliveries: [...stream.deliveries], received: target.received };
  }

  it('places the same signed orders for the same seed', async () => {
    // Given two shops streaming orders with seed 42
    const first = await runStream(42, 12);
    const second = await runStream(42, 12);

    // Then both sent the same bodies, topics and ids, every one correctly signed
    expect(first.deliveries.length).toBeGreaterThan(12);
    expect(second.deliveries).toEqual(first.deliveries);
    expect(first.received.every(hmacIsValid)).toBe(true);
    expect(first.deliveries.every((delivery) => delivery.status === 200)).toBe(true);
    expect(new Set(first.deliveries.map((delivery) => delivery.topic))).toEqual(
      new Set([
        'orders/create',
        'orders/paid',
        'fulfillments/create',
        'orders/cancelled',
        'refunds/create',
      ]),
    );
  });

  it('refunds what each cancelled order charged, as credit notes read it', async () => {
    // Given a stream that cancels often, refunding goods and delivery
    const { deliveries } = await runStream(11, 30);
    const bodies = (topic: string) =>
      deliveries.filter((delivery) => delivery.topic === topic).map((each) => each.body);
    const orders = bodies('orders/create').map((body) => parseAccountingOrder(JSON.parse(body)));
    const refunds = bodies('refunds/create').map((body) => parseAccountingRefund(JSON.parse(body)));
    expect(refunds.length).toBeGreaterThan(1);

    // Then each refund's credit note, built from the lines alone, is the whole invoice
    for (const refund of refunds) {
      const order = orders.find((each) => each.id === refund.order_id);
      if (order === undefined) {
        throw new Error(`refund ${refund.id} names order ${refund.order_id}, never placed`);
      }
      const invoice = buildInvoice(order, fixtureSettings).document;
      const creditNote = buildCreditNote(refund, order, 1, fixtureSettings).document;
      expect(creditNote.roundingMinor).toBe(0);
      expect(creditNote.totalMinor).toBe(invoice.totalMinor);
      expect(creditNote.taxMinor).toBe(invoice.taxMinor);
    }
  });

  it('places valid VAT-inclusive GBP orders and commits the stock it sold', async () => {
    // Given a stream of 12 orders
    const { sim, deliveries } = await runStream(7, 12);
    const catalogue = loadCatalogue();
    const variants = catalogue.products.flatMap((product) =>
      product.variants.nodes.map((variant) => ({ product, variant })),
    );
    const orders = deliveries
      .filter((delivery) => delivery.topic === 'orders/create')
      .map((delivery) => JSON.parse(delivery.body) as OrderBody);

    // Then each order is well formed and its figures add up to the penny
    expect(orders).toHaveLength(12);
    expect(orders.map((order) => order.name)).toEqual(
      Array.from({ length: 12 }, (_, index) => `#${1101 + index}`),
    );

    for (const order of orders) {
      expect(order).toMatchObject({
        currency: 'GBP',
        taxes_included: true,
        financial_status: 'paid',
      });
      expect(order.created_at).toMatch(/^2025-10-04T\d{2}:\d{2}:00\+01:00$/);
      expect(order.line_items.length).toBeGreaterThanOrEqual(1);
      expect(order.line_items.length).toBeLessThanOrEqual(3);

      let taxMinor = 0;
      let totalMinor = 0;
      for (const line of order.line_items) {
        const found = variants.find(
          (entry) => entry.variant.legacyResourceId === String(line.variant_id),
        );
        expect(found?.product.status).toBe('ACTIVE');
        expect(line.sku).toBe(found?.variant.sku);
        expect(line.price).toBe(found?.variant.price);
        expect([1, 2]).toContain(line.quantity);
        const lineMinor = toMinor(line.price) * line.quantity;
        expect(line.tax_lines).toHaveLength(1);
        expect(line.tax_lines[0]?.rate).toBe(0.2);
        expect(toMinor(line.tax_lines[0]?.price ?? '')).toBe(inclusiveVatMinor(lineMinor));
        taxMinor += inclusiveVatMinor(lineMinor);
        totalMinor += lineMinor;
      }

      const shipping = order.shipping_lines[0];
      totalMinor += toMinor(shipping?.price ?? '0');
      taxMinor += toMinor(shipping?.tax_lines[0]?.price ?? '0');
      expect(toMinor(order.total_price)).toBe(totalMinor);
      expect(toMinor(order.total_tax)).toBe(taxMinor);
    }

    // And the warehouse's on hand equals available plus committed for every level
    for (const level of sim.levels()) {
      expect(level.onHand).toBe(level.available + level.committed);
    }
    const committed = sim.levels().reduce((sum, level) => sum + level.committed, 0);
    expect(committed).toBeGreaterThan(0);
  });

  it('fulfils from the warehouse; cancels with a restocking refund of one event', async () => {
    const { deliveries } = await runStream(42, 12);

    const fulfilment = deliveries.find((delivery) => delivery.topic === 'fulfillments/create');
    const cancelled = deliveries.find((delivery) => delivery.topic === 'orders/cancelled');
    const refund = deliveries.find((delivery) => delivery.topic === 'refunds/create');

    expect(JSON.parse(fulfilment?.body ?? '{}')).toMatchObject({
      location_id: 71234567890,
      status: 'success',
    });
    const cancelledOrder = JSON.parse(cancelled?.body ?? '{}') as {
      cancelled_at: string;
      financial_status: string;
      refunds: { restock: boolean }[];
    };
    expect(cancelledOrder.cancelled_at).toMatch(/\+01:00$/);
    expect(cancelledOrder.financial_status).toBe('refunded');
    expect(cancelledOrder.refunds.map((entry) => entry.restock)).toEqual([true]);
    const refundLines = (JSON.parse(refund?.body ?? '{}') as { refund_line_items: unknown[] })
      .refund_line_items;
    expect(refundLines.length).toBeGreaterThan(0);
    for (const line of refundLines) {
      expect(line).toMatchObject({ restock_type: 'cancel', location_id: 71234567890 });
    }
    expect(refund?.eventId).toBe(cancelled?.eventId);
  });
});
