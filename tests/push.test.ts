/**
 * Available stock pushed to the simulated shop: bursts coalesce into few calls carrying the
 * latest figure, throttling and server errors are waited out, a figure changed behind our back
 * is re-read and overwritten, and a refusal becomes an exception a person can see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;
let warehouseId: string;
const warehouseGid = 'gid://shopify/Location/71234567890';

beforeAll(async () => {
  system = await startTestSystem();
  const data = await system.graphql<{ locations: { id: string; shopifyId: string }[] }>(
    '{ locations { id shopifyId } }',
  );
  warehouseId = data.locations.find((l) => l.shopifyId === '71234567890')?.id ?? '';
});

afterAll(async () => {
  await system.stopAll();
});

async function receive(sku: string, quantity: number) {
  await system.graphql(
    `mutation($input: ReceiveStockInput!) { receiveStock(input: $input) { errors { code } } }`,
    { input: { sku, locationId: warehouseId, quantity } },
  );
}

async function available(sku: string): Promise<number> {
  const data = await system.graphql<{ stockLevels: { available: number }[] }>(
    'query($sku: String, $loc: ID) { stockLevels(sku: $sku, locationId: $loc) { available } }',
    { sku, loc: warehouseId },
  );
  return data.stockLevels[0]?.available ?? -1;
}

function quantitiesSentFor(itemGid: string, fromCall: number): number[] {
  return system.simulator.setQuantityCalls.slice(fromCall).flatMap((call) => {
    const input = call.input as {
      quantities?: { inventoryItemId: string; locationId: string; quantity: number }[];
    };
    return (input.quantities ?? [])
      .filter((q) => q.inventoryItemId === itemGid && q.locationId === warehouseGid)
      .map((q) => q.quantity);
  });
}

describe('pushing available stock', () => {
  it('coalesces a burst of changes into few pushes ending on the latest figure', async () => {
    const item = 'gid://shopify/InventoryItem/49200000001401';
    const callsBefore = system.simulator.setQuantityCalls.length;

    await Promise.all(Array.from({ length: 20 }, () => receive('HL-SPOON-ENML', 1)));
    await system.waitForProcessing();

    const sent = quantitiesSentFor(item, callsBefore);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(20);
    expect(sent.at(-1)).toBe(await available('HL-SPOON-ENML'));
    expect(system.simulator.available(item, warehouseGid)).toBe(32);
  });

  it('waits out throttling, with and without throttleStatus, and server errors', async () => {
    const item = 'gid://shopify/InventoryItem/49200000001501';
    system.simulator.injectFault({ kind: 'throttled', count: 1 });
    system.simulator.injectFault({ kind: 'throttled-without-status', count: 1 });
    system.simulator.injectFault({ kind: 'http-500', count: 1 });

    await receive('HL-SPOON-OLIVE', 3);
    await system.waitForProcessing();

    expect(system.simulator.available(item, warehouseGid)).toBe(await available('HL-SPOON-OLIVE'));
  });

  it('re-reads a figure changed behind our back and pushes ours over it', async () => {
    const item = 'gid://shopify/InventoryItem/49200000001601';
    system.simulator.setAvailable(item, warehouseGid, 5);
    const callsBefore = system.simulator.setQuantityCalls.length;

    await receive('HL-LAMP-CER-WHT', 1);
    await system.waitForProcessing();

    const calls = system.simulator.setQuantityCalls.slice(callsBefore);
    expect(calls.map((call) => call.outcome)).toContain('applied');
    expect(calls.flatMap((call) => call.userErrors.map((error) => error.code))).toContain(
      'CHANGE_FROM_QUANTITY_STALE',
    );
    expect(system.simulator.available(item, warehouseGid)).toBe(await available('HL-LAMP-CER-WHT'));
  });

  it('raises an exception when the shop refuses a figure', async () => {
    // A product the shop has no inventory level for at the warehouse.
    await system.deliver('products/create', {
      id: 8199999999999,
      title: 'Sample Throw',
      handle: 'sample-throw',
      status: 'active',
      variants: [
        {
          id: 47199999999999,
          title: 'Default Title',
          sku: 'HL-SAMPLE-1',
          inventory_item_id: 49299999999999,
          inventory_policy: 'deny',
          inventory_management: 'shopify',
        },
      ],
    });
    await system.waitForProcessing();

    await receive('HL-SAMPLE-1', 2);
    await system.waitForProcessing();

    const raised = await system.graphql<{ openExceptions: { kind: string; message: string }[] }>(
      '{ openExceptions { kind message } }',
    );
    expect(raised.openExceptions).toContainEqual(
      expect.objectContaining({ kind: 'SHOP_PUSH_REJECTED' }),
    );
  });
});
