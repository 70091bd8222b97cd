// The Admin API client (the real @shopify/shopify-api library) against the Shopify simulator:
// reading the catalogue, setting available per API version, and riding out throttling, server
// errors and timeouts. Simulator details are covered in simulator/simulator.test.ts.
import { abstractFetch } from '@shopify/shopify-api/runtime';
import { afterEach, describe, expect, it } from 'vitest';

import {
  type ShopifyAdminClient,
  type ShopifyAdminConfig,
  ShopifyRequestError,
  ShopifyTransientError,
  createShopifyAdminClient,
  isTransient,
} from './admin-client.ts';
import { loadCatalogue } from './simulator/catalogue.ts';
import {
  type ShopifySimulator,
  type ShopifySimulatorOptions,
  startShopifySimulator,
} from './simulator/server.ts';

const warehouse = 'gid://shopify/Location/71234567890';
const shopFloor = 'gid://shopify/Location/71234567891';
const mugBlue = 'gid://shopify/InventoryItem/49200000000401';
const cushionSage = 'gid://shopify/InventoryItem/49200000000102';
const versions = ['2026-01', '2026-04'] as const;

const started: ShopifySimulator[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

interface Harness {
  sim: ShopifySimulator;
  client: ShopifyAdminClient;
  /** Every wait the client asked for, in milliseconds. */
  waitsMs: number[];
}

async function harness(
  apiVersion: string,
  config: Partial<ShopifyAdminConfig> = {},
  simulatorOptions: ShopifySimulatorOptions = {},
): Promise<Harness> {
  const sim = await startShopifySimulator(simulatorOptions);
  started.push(sim);

  const waitsMs: number[] = [];
  const client = createShopifyAdminClient({
    shop: sim.shopDomain,
    accessToken: sim.accessToken,
    clientSecret: sim.clientSecret,
    apiVersion,
    adminUrl: sim.url,
    retryDelayBaseMs: 10,
    random: () => 0,
    // Waits really happen (the simulator's bucket refills in real time), but are recorded.
    sleep: async (delayMs) => {
      waitsMs.push(delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    ...config,
  });

  return { sim, client, waitsMs };
}

function setMug(quantity: number, changeFromQuantity: number | null, idempotencyKey: string) {
  return {
    quantities: [
      { inventoryItemGid: mugBlue, locationGid: warehouse, quantity, changeFromQuantity },
    ],
    idempotencyKey,
    referenceDocumentUri: `quartermaster://stock-push/${idempotencyKey}`,
  };
}

describe('shopify admin client: reading the shop', () => {
  it('reads shop settings and every location', async () => {
    const { client } = await harness('2026-04');

    const shop = await client.fetchShop();
    const locations = await client.fetchLocations();

    expect(shop).toEqual({
      name: 'hearth-loom-test',
      domain: 'hearth-loom-test.myshopify.com',
      currency: 'GBP',
      timeZone: 'Europe/London',
      taxesIncluded: true,
    });
    expect(locations).toEqual([
      {
        gid: warehouse,
        legacyId: '71234567890',
        name: 'Hearth & Loom Warehouse',
        isActive: true,
        fulfillsOnlineOrders: true,
      },
      {
        gid: shopFloor,
        legacyId: '71234567891',
        name: 'Hearth & Loom Shop',
        isActive: true,
        fulfillsOnlineOrders: false,
      },
    ]);
  });

  it('pages through every product and variant with levels equal to the fixture', async () => {
    // Given the catalogue fixture: 23 products, 36 variants, two locations
    const { client } = await harness('2026-04', { productsPageSize: 5 });
    const catalogue = loadCatalogue();

    // When the client reads the catalogue five products at a time
    const pages = [];
    for await (const page of client.fetchProducts()) {
      pages.push(page);
    }
    const products = pages.flat();
    const variants = products.flatMap((product) => product.variants);

    // Then it saw every product and variant once, with the fixture's levels
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
    expect(products).toHaveLength(23);
    expect(variants).toHaveLength(36);
    expect(new Set(variants.map((variant) => variant.gid)).size).toBe(36);

    const expected = catalogue.products.flatMap((product) =>
      product.variants.nodes.map((variant) => ({
        gid: variant.id,
        sku: variant.sku,
        levels: variant.inventoryItem.inventoryLevels.nodes.map((level) => ({
          locationGid: level.location.id,
          available: level.quantities.find((entry) => entry.name === 'available')?.quantity,
          onHand: level.quantities.find((entry) => entry.name === 'on_hand')?.quantity,
        })),
      })),
    );
    const actual = variants.map((variant) => ({
      gid: variant.gid,
      sku: variant.sku,
      levels: variant.inventoryItem.levels,
    }));
    expect(actual).toEqual(expected);

    expect(variants.find((variant) => variant.inventoryItem.gid === mugBlue)).toMatchObject({
      sku: 'HL-MUG-STONE-BLU',
      price: '12.00',
      inventoryPolicy: 'DENY',
      inventoryItem: {
        legacyId: '49200000000401',
        tracked: true,
        levels: [
          { locationGid: warehouse, available: 23, onHand: 23 },
          { locationGid: shopFloor, available: 4, onHand: 4 },
        ],
      },
    });
    expect(variants.find((variant) => variant.legacyId === '47100000001002')?.sku).toBe('');
    expect(products.find((product) => product.legacyId === '8100000000023')).toMatchObject({
      title: 'Linen Apron',
      status: 'ARCHIVED',
    });
  });

  it('re-reads available per pair, leaving out pairs the shop does not stock', async () => {
    const { sim, client } = await harness('2026-04');
    sim.setAvailable(mugBlue, warehouse, 7);

    const available = await client.fetchAvailable([
      { inventoryItemGid: mugBlue, locationGid: warehouse },
      { inventoryItemGid: cushionSage, locationGid: shopFloor },
      { inventoryItemGid: 'gid://shopify/InventoryItem/1', locationGid: warehouse },
    ]);

    expect(available).toEqual(
      new Map([
        [`${mugBlue}|${warehouse}`, 7],
        [`${cushionSage}|${shopFloor}`, 1],
      ]),
    );
  });
});

describe.each(versions)('shopify admin client: setAvailable on %s', (apiVersion) => {
  it('applies a correct compare and the simulator records the call', async () => {
    // Given mug 23 available at the warehouse
    const { sim, client } = await harness(apiVersion);

    // When the system sets it to 19, knowing the shop holds 23
    const outcome = await client.setAvailable(setMug(19, 23, 'push-1'));

    // Then it is applied, on hand followed, and the call is on record with its version
    expect(outcome).toEqual({
      kind: 'applied',
      changes: [{ inventoryItemGid: mugBlue, locationGid: warehouse, quantityAfterChange: 19 }],
    });
    expect(sim.levels().find((level) => level.inventoryItemGid === mugBlue)).toMatchObject({
      available: 19,
      onHand: 19,
    });
    const [recorded] = sim.setQuantityCalls;
    expect(recorded).toMatchObject({
      apiVersion,
      idempotencyKey: 'push-1',
      outcome: 'applied',
      input: {
        name: 'available',
        reason: 'correction',
        referenceDocumentUri: 'quartermaster://stock-push/push-1',
      },
    });
    const sentQuantity =
      apiVersion === '2026-04'
        ? { quantity: 19, changeFromQuantity: 23 }
        : { quantity: 19, compareQuantity: 23 };
    expect(recorded?.input).toMatchObject({ quantities: [sentQuantity] });
  });

  it('answers stale when the shop’s figure moved, changing nothing', async () => {
    // Given a sale in the shop took mug 23 → 22 behind the system's back
    const { sim, client } = await harness(apiVersion);
    sim.setAvailable(mugBlue, warehouse, 22);

    // When the system pushes 19 believing the shop holds 23
    const outcome = await client.setAvailable(setMug(19, 23, 'push-stale'));

    // Then it is told the figure is stale, and 22 stands
    const code = apiVersion === '2026-04' ? 'CHANGE_FROM_QUANTITY_STALE' : 'COMPARE_QUANTITY_STALE';
    expect(outcome).toMatchObject({ kind: 'stale', userErrors: [{ code }] });
    expect(sim.available(mugBlue, warehouse)).toBe(22);
  });

  it('rejects an unknown inventory item with Shopify’s code, applying nothing', async () => {
    const { sim, client } = await harness(apiVersion);

    const outcome = await client.setAvailable({
      quantities: [
        { inventoryItemGid: mugBlue, locationGid: warehouse, quantity: 19, changeFromQuantity: 23 },
        {
          inventoryItemGid: 'gid://shopify/InventoryItem/1',
          locationGid: warehouse,
          quantity: 5,
          changeFromQuantity: 5,
        },
      ],
      idempotencyKey: 'push-unknown',
      referenceDocumentUri: 'quartermaster://stock-push/push-unknown',
    });

    expect(outcome).toEqual({
      kind: 'rejected',
      userErrors: [
        {
          code: 'INVALID_INVENTORY_ITEM',
          field: ['input', 'quantities', '1', 'inventoryItemId'],
          message: 'The specified inventory item could not be found.',
        },
      ],
    });
    expect(sim.available(mugBlue, warehouse)).toBe(23);
  });

  it('sets without comparing when every changeFromQuantity is null', async () => {
    const { sim, client } = await harness(apiVersion);
    sim.setAvailable(mugBlue, warehouse, 30);

    const outcome = await client.setAvailable(setMug(12, null, 'push-unchecked'));

    expect(outcome.kind).toBe('applied');
    expect(sim.available(mugBlue, warehouse)).toBe(12);
  });

  it('applies a batch mixing checked and unchecked quantities', async () => {
    const { sim, client } = await harness(apiVersion);

    const outcome = await client.setAvailable({
      quantities: [
        { inventoryItemGid: mugBlue, locationGid: warehouse, quantity: 20, changeFromQuantity: 23 },
        {
          inventoryItemGid: cushionSage,
          locationGid: warehouse,
          quantity: 2,
          changeFromQuantity: null,
        },
      ],
      idempotencyKey: 'push-mixed',
      referenceDocumentUri: 'quartermaster://stock-push/push-mixed',
    });

    expect(outcome.kind).toBe('applied');
    expect(sim.available(mugBlue, warehouse)).toBe(20);
    expect(sim.available(cushionSage, warehouse)).toBe(2);
  });

  it('waits out THROTTLED for as long as throttleStatus says, then succeeds', async () => {
    // Given the next call finds the bucket empty (restoring 100 points a second)
    const { sim, client, waitsMs } = await harness(apiVersion);
    sim.injectFault({ kind: 'throttled', count: 1 });

    // When the system pushes
    const outcome = await client.setAvailable(setMug(19, 23, 'push-throttled'));

    // Then it waited (10 − 0) / 100 s for the mutation's 10 points, and the push applied once
    expect(waitsMs[0]).toBe(100);
    expect(outcome.kind).toBe('applied');
    const outcomes = sim.setQuantityCalls.map((entry) => entry.outcome);
    expect(outcomes[0]).toBe('throttled');
    expect(outcomes.filter((entry) => entry === 'applied')).toHaveLength(1);
  });

  it('waits backoffMs after THROTTLED without throttleStatus', async () => {
    const { sim, client, waitsMs } = await harness(apiVersion, { backoffMs: 40 });
    sim.injectFault({ kind: 'throttled-without-status', count: 2 });

    const shop = await client.fetchShop();

    expect(waitsMs).toEqual([40, 40]);
    expect(shop.domain).toBe('hearth-loom-test.myshopify.com');
  });

  it('retries HTTP 500 with backoff, then succeeds', async () => {
    const { sim, client, waitsMs } = await harness(apiVersion);
    sim.injectFault({ kind: 'http-500', count: 2 });

    const outcome = await client.setAvailable(setMug(19, 23, 'push-500'));

    // Equal jitter with random 0: half of 10 ms, then half of 20 ms.
    expect(waitsMs).toEqual([5, 10]);
    expect(outcome.kind).toBe('applied');
    expect(sim.setQuantityCalls.map((entry) => entry.outcome)).toEqual([
      'http-500',
      'http-500',
      'applied',
    ]);
  });
});

describe('shopify admin client: failures', () => {
  it('gives up after attemptsMax with a transient error', async () => {
    const { sim, client } = await harness('2026-04', { attemptsMax: 3 });
    sim.injectFault({ kind: 'http-500', count: 5 });

    const failure = await client.fetchShop().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ShopifyTransientError);
    expect(failure).toMatchObject({ reason: 'server-error', attempts: 3 });
    expect(isTransient(failure)).toBe(true);
  });

  it('retries a timed-out push under the same key, which the shop applies once', async () => {
    // Given the shop applies the next push but answers after the client stopped waiting
    const { sim, client } = await harness('2026-04', { timeoutMs: 100 });
    sim.injectFault({ kind: 'delay', delayMs: 300, count: 1 });

    // When the system pushes 19
    const outcome = await client.setAvailable(setMug(19, 23, 'push-timeout'));

    // Then the retry got the first answer back and the change happened once
    expect(outcome).toEqual({
      kind: 'applied',
      changes: [{ inventoryItemGid: mugBlue, locationGid: warehouse, quantityAfterChange: 19 }],
    });
    expect(sim.setQuantityCalls.map((entry) => entry.outcome)).toEqual(['applied', 'replayed']);
    expect(sim.available(mugBlue, warehouse)).toBe(19);
  });

  it('refuses a wrong token as a request error that is not transient', async () => {
    const { client } = await harness('2026-04', { accessToken: 'shpat_wrong' });

    const failure = await client.fetchShop().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ShopifyRequestError);
    expect(failure).toMatchObject({
      status: 401,
      message: 'Shopify answered HTTP 401 Unauthorized',
    });
    expect(isTransient(failure)).toBe(false);
  });

  it('refuses more than 250 quantities without calling the shop', async () => {
    const { sim, client } = await harness('2026-04');
    const quantities = Array.from({ length: 251 }, () => ({
      inventoryItemGid: mugBlue,
      locationGid: warehouse,
      quantity: 1,
      changeFromQuantity: null,
    }));

    const call = client.setAvailable({
      quantities,
      idempotencyKey: 'push-too-many',
      referenceDocumentUri: 'quartermaster://stock-push/push-too-many',
    });

    await expect(call).rejects.toThrow(RangeError);
    expect(sim.setQuantityCalls).toEqual([]);
  });
});

describe('shopify admin client: routing to simulators', () => {
  it('keeps two simulators of one shop apart with one fetch for the process', async () => {
    // Given two simulators for the same shop, one with mug 7 available
    const first = await harness('2026-04');
    const fetchAfterFirst = abstractFetch;
    const second = await harness('2026-04');
    second.sim.setAvailable(mugBlue, warehouse, 7);
    const pair = [{ inventoryItemGid: mugBlue, locationGid: warehouse }];

    // When each client reads the mug
    const fromFirst = await first.client.fetchAvailable(pair);
    const fromSecond = await second.client.fetchAvailable(pair);

    // Then each reached its own simulator through the same installed fetch
    expect(fromFirst.get(`${mugBlue}|${warehouse}`)).toBe(23);
    expect(fromSecond.get(`${mugBlue}|${warehouse}`)).toBe(7);
    expect(abstractFetch).toBe(fetchAfterFirst);
    expect(abstractFetch).not.toBe(globalThis.fetch);
  });
});
