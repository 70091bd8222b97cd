/**
 * Amounts beyond GraphQL's 32-bit Int over the real HTTP API: an order of £30,000,004.50
 * (3,000,000,450 pence) arrives as signed Shopify deliveries, is invoiced, and reads back to the
 * penny; an amount argument a JavaScript number cannot hold exactly is refused as the caller's
 * mistake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeAccountingPlatform } from '../api/src/accounting/fake-connector.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;
const platform = new FakeAccountingPlatform();

interface Answer<T> {
  data?: T | null;
  errors?: {
    message: string;
    locations?: { line: number; column: number }[];
    extensions?: { code?: string };
  }[];
}

async function ask<T>(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${system.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer<T>;
}

const orderId = '5912345670001';

/** A Shopify money field and its `_set` twin, in GBP both as shop and presentment money. */
function money(name: string, amount: string): Record<string, unknown> {
  const set = { amount, currency_code: 'GBP' };
  return { [name]: amount, [`${name}_set`]: { shop_money: set, presentment_money: set } };
}

/**
 * The fixture order #1041 cut to its cushion line, priced 30,000,000.00 with 5,000,000.00 of
 * VAT inside, no discount, and its £4.50 delivery (£0.75 VAT): £30,000,004.50 in all.
 */
function largeOrder(id = orderId): Record<string, unknown> {
  const fixture = JSON.parse(
    readFixture('webhooks/D01-orders-create-1041.json')
      .toString('utf8')
      .replaceAll('5912345678901', id),
  ) as { line_items: Record<string, unknown>[] } & Record<string, unknown>;

  const taxLine = (amount: string) => ({ rate: 0.2, title: 'GB VAT', ...money('price', amount) });
  const [cushion] = fixture.line_items;
  const line = {
    ...cushion,
    id: 14700000900011,
    quantity: 1,
    current_quantity: 1,
    fulfillable_quantity: 1,
    ...money('price', '30000000.00'),
    ...money('total_discount', '0.00'),
    tax_lines: [taxLine('5000000.00')],
    discount_allocations: [],
  };
  const totals = {
    ...money('subtotal_price', '30000000.00'),
    ...money('current_subtotal_price', '30000000.00'),
    ...money('total_line_items_price', '30000000.00'),
    ...money('total_discounts', '0.00'),
    ...money('current_total_discounts', '0.00'),
    ...money('total_price', '30000004.50'),
    ...money('current_total_price', '30000004.50'),
    ...money('total_tax', '5000000.75'),
    ...money('current_total_tax', '5000000.75'),
  };
  return {
    ...fixture,
    ...totals,
    name: '#1901',
    order_number: 1901,
    line_items: [line],
    discount_codes: [],
    discount_applications: [],
    tax_lines: [taxLine('5000000.75')],
  };
}

beforeAll(async () => {
  system = await startTestSystem({ accountingConnector: platform });
});

afterAll(async () => {
  await system.stopAll();
});

describe('an order beyond 2,147,483,647 pence', () => {
  it('reads its total and its invoice total to the penny', async () => {
    // Given the order created and paid, as signed deliveries
    const body = largeOrder();
    expect(await system.deliver('orders/create', body)).toBe(200);
    expect(await system.deliver('orders/paid', body)).toBe(200);
    await system.waitForProcessing();

    // When its total, its line's price and its invoice, once pushed, are read
    const read = () =>
      ask<{ order: { invoice: { status: string } | null } }>(
        `{ order(shopifyId: "${orderId}") {
            total { amountMinor currency } lines { unitPrice { amountMinor } }
            invoice { status total { amountMinor currency } subtotal { amountMinor }
              tax { amountMinor } lines { lineTotal { amountMinor } } } } }`,
      );
    await expect.poll(async () => (await read()).data?.order.invoice?.status).toBe('PUSHED');
    const answer = await read();

    // Then every amount is exact, in pence, and the platform was given the same total
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.order).toEqual({
      total: { amountMinor: 3_000_000_450, currency: 'GBP' },
      lines: [{ unitPrice: { amountMinor: 3_000_000_000 } }],
      invoice: {
        status: 'PUSHED',
        total: { amountMinor: 3_000_000_450, currency: 'GBP' },
        subtotal: { amountMinor: 2_500_000_375 },
        tax: { amountMinor: 500_000_075 },
        lines: [{ lineTotal: { amountMinor: 3_000_000_000 } }, { lineTotal: { amountMinor: 450 } }],
      },
    });
    const pushed = [...platform.documents.values()].map((held) => [held.number, held.totalMinor]);
    expect(pushed).toEqual([['SHP-1901', 3_000_000_450]]);
  });
});

describe('an order beyond what a number holds exactly', () => {
  it('is refused with the field that holds the amount, rather than rounded', async () => {
    // Given an order whose line costs one penny more than 2^53 - 1 pence
    const tooLargeId = '5912345670002';
    const line = (largeOrder(tooLargeId).line_items as Record<string, unknown>[])[0];
    const body = {
      ...largeOrder(tooLargeId),
      name: '#1902',
      line_items: [{ ...line, ...money('price', '90071992547409.92') }],
    };

    // When it is delivered
    expect(await system.deliver('orders/create', body, { webhookId: 'too-large-1902' })).toBe(200);
    await system.waitForProcessing();

    // Then the delivery fails for good, saying which amount and why, and no order is made
    const delivery = await system.pool.query(
      "SELECT status, error FROM webhook_deliveries WHERE webhook_id = 'too-large-1902'",
    );
    expect(delivery.rows).toEqual([
      {
        status: 'failed',
        error:
          'order #1902 line_items.0.price_set: 90071992547409.92 GBP is 9007199254740992 minor ' +
          'units, more than the 9007199254740991 an amount can be',
      },
    ]);
    const order = await ask<{ order: unknown }>(`{ order(shopifyId: "${tooLargeId}") { id } }`);
    expect(order.data?.order ?? null).toBeNull();
  });
});

interface SetUnitCostAnswer {
  setUnitCost: { sku: { unitCost: { amountMinor: number } } | null; errors: { code: string }[] };
}

const setUnitCost = `mutation($input: SetUnitCostInput!) { setUnitCost(input: $input) {
  sku { unitCost { amountMinor } } errors { code message } } }`;

describe('an amount argument', () => {
  async function skuId(): Promise<string> {
    const found = await ask<{ skus: { id: string }[] }>('{ skus(first: 1) { id } }');
    return found.data?.skus[0]?.id ?? '';
  }

  it('beyond 32 bits reaches the business rules, which answer in the payload', async () => {
    const answer = await ask<SetUnitCostAnswer>(setUnitCost, {
      input: { skuId: await skuId(), amountMinor: 3_000_000_000, currency: 'GBP' },
    });

    expect(answer.errors).toBeUndefined();
    expect(answer.data?.setUnitCost).toEqual({
      sku: null,
      errors: [
        {
          code: 'INVALID_AMOUNT',
          message: 'A unit cost is at most 1000000000 minor units; got 3000000000',
        },
      ],
    });
  });

  it('beyond 2^53 is refused as the caller’s mistake, and nothing changes', async () => {
    const id = await skuId();
    const asVariable = await ask<SetUnitCostAnswer>(setUnitCost, {
      input: { skuId: id, amountMinor: 2 ** 53, currency: 'GBP' },
    });
    const asLiteral = await ask<SetUnitCostAnswer>(
      `mutation { setUnitCost(input: { skuId: "${id}", amountMinor: 9007199254740993 }) {
        errors { code } } }`,
    );

    expect(asVariable.data).toBeUndefined();
    expect(asVariable.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(asVariable.errors?.[0]?.message).toContain('"input.amountMinor"');
    expect(asVariable.errors?.[0]?.message).toContain('unsafe integer');
    // A literal is checked with the document, before anything runs: it is pointed at, not named.
    expect(asLiteral.errors).toEqual([
      {
        message: 'SafeInt cannot represent unsafe integer value: 9007199254740993',
        locations: [{ line: 1, column: 59 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
    const costs = await system.pool.query('SELECT count(unit_cost_minor)::int AS n FROM skus');
    expect(costs.rows[0]).toEqual({ n: 0 });
  });
});
