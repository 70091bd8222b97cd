/**
 * Invoices and credit notes pushed to QuickBooks Online through the whole system, configured as
 * a shop configures it (ACCOUNTING_PLATFORM=quickbooks and the QBO_* variables), against the
 * QuickBooks simulator on a port of its own: every figure is checked in the simulated company,
 * the rotating refresh token survives a restart, and a wrong mapping setting is fixed by a
 * person and retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { currentRefreshToken } from '../api/src/accounting/connector-state.ts';
import {
  createQuickBooksSimulator,
  itemsDefault,
  type QuickBooksSimulator,
} from '../api/src/accounting/quickbooks/simulator/server.ts';
import { toMinorUnits } from '../api/src/shopify/money.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

/** The token the shop was given when it connected QuickBooks; used once, then retired. */
const configuredRefreshToken = 'qbo_configured_refresh_token_0001';

type Json = Record<string, unknown>;

/** An item of the company's own for delivery, besides the usual "Shipping". */
const deliveryItem = {
  Id: '50',
  Name: 'Delivery',
  Type: 'Service',
  IncomeAccountRef: { value: '80', name: 'Shipping Income' },
};

interface DocumentRow {
  id: string;
  number: string;
  status: string;
  platform: string | null;
  platform_id: string | null;
  total_minor: string;
  platform_total_minor: string | null;
  allocation_status: string | null;
  allocated_minor: string | null;
  failure_reason: string | null;
}

let quickBooks: QuickBooksSimulator;
let system: TestSystem;

function environment(databaseUrl?: string): Record<string, string> {
  return {
    ACCOUNTING_PLATFORM: 'quickbooks',
    QBO_CLIENT_ID: quickBooks.clientId,
    QBO_CLIENT_SECRET: quickBooks.clientSecret,
    QBO_REFRESH_TOKEN: configuredRefreshToken,
    QBO_REALM_ID: quickBooks.realmId,
    QBO_API_URL: quickBooks.apiUrl,
    QBO_OAUTH_URL: quickBooks.oauthUrl,
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  };
}

beforeAll(async () => {
  quickBooks = await createQuickBooksSimulator({
    refreshToken: configuredRefreshToken,
    items: [...itemsDefault, deliveryItem],
  });
  system = await startTestSystem({ environment: environment() });
});

afterAll(async () => {
  await system.stopAll();
  await quickBooks.close();
});

/** The fixture order #1041 as order `#<3000 + n>` with ids of its own, created and paid. */
async function deliverPaidOrder(n: number): Promise<void> {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  const body = JSON.parse(
    readFixture('webhooks/D01-orders-create-1041.json')
      .toString('utf8')
      .replaceAll('5912345678901', `59123400${pad(n, 5)}`)
      .replaceAll('14700000000', `1470${pad(n, 3)}0000`),
  ) as Json;
  const raw = Buffer.from(
    JSON.stringify({ ...body, order_number: 3000 + n, name: `#${3000 + n}` }),
  );
  expect(await system.deliver('orders/create', null, { raw })).toBe(200);
  expect(await system.deliver('orders/paid', null, { raw })).toBe(200);
}

async function documentsNumbered(...numbers: string[]): Promise<DocumentRow[]> {
  const found = await system.pool.query<DocumentRow>(
    `SELECT id::text, number, status, platform, platform_id, total_minor::text,
       platform_total_minor::text, allocation_status, allocated_minor::text, failure_reason
     FROM accounting_documents WHERE number = ANY($1)
     ORDER BY kind = 'credit_note', number`,
    [numbers],
  );
  return found.rows;
}

/**
 * The documents once the queue is done with them: pushed and applied, failed, or waiting with
 * a reason. A push can pass over a document another transaction holds at that moment (an
 * orders/create linking it to its order) and looks again a moment later, after the queue's
 * jobs may have run out; so this waits for the documents themselves, up to a limit after which
 * they are answered as they stand.
 */
async function settledDocuments(...numbers: string[]): Promise<DocumentRow[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await system.waitForProcessing();
    const rows = await documentsNumbered(...numbers);
    const busy = rows.some(
      (row) =>
        (row.status === 'pending' && row.failure_reason === null) ||
        (row.status === 'pushed' && row.allocation_status === 'pending'),
    );
    if ((rows.length === numbers.length && !busy) || Date.now() > deadline) {
      return rows;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function entity(name: 'Invoice' | 'CreditMemo', id: string | null): Json {
  const found = quickBooks.company.get(name, id ?? '');
  if (found === undefined) {
    throw new Error(`the QuickBooks company has no ${name} ${id ?? '(no id)'}`);
  }
  return found;
}

function minorOf(amount: unknown): number {
  return toMinorUnits(String(amount), 'GBP');
}

/** Asks Intuit's token endpoint of the simulator for a token, as the connector does. */
async function refreshWith(refreshToken: string): Promise<{ status: number; body: Json }> {
  const basic = Buffer.from(`${quickBooks.clientId}:${quickBooks.clientSecret}`);
  const response = await fetch(`${quickBooks.oauthUrl}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${basic.toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/**
 * Waits until the company's last call is a second old. QuickBooks counts a company's calls
 * whichever process makes them, while a connector knows only its own (client.ts): a system
 * started again within the second of its last burst would be throttled for a minute.
 */
async function quietSecond(): Promise<void> {
  const lastMs = quickBooks.requests.at(-1)?.atMs ?? 0;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastMs + 1000 - Date.now())));
}

/** Every call QuickBooks throttled; the connector keeps within the limits on its own. */
function throttledCalls(): string[] {
  return quickBooks.requests
    .filter((request) => request.status === 429)
    .map((request) => `${request.method} ${request.path}`);
}

/** The refresh token the system would use now, opened as the system opens it; null if none. */
async function savedRefreshToken(): Promise<string | null> {
  const found = await system.pool.query(
    `SELECT 1 FROM accounting_connector_state
     WHERE platform = 'quickbooks' AND refresh_token IS NOT NULL`,
  );
  if (found.rowCount === 0) {
    return null;
  }
  return currentRefreshToken(system.pool, {
    platform: 'quickbooks',
    configuredToken: configuredRefreshToken,
    clientSecret: quickBooks.clientSecret,
  });
}

describe('with ACCOUNTING_PLATFORM=quickbooks', () => {
  it('pushes #1041 and its refund to QuickBooks and applies the credit once', async () => {
    // Given #1041 created, paid and refunded £27.00
    const created = readFixture('webhooks/D01-orders-create-1041.json');
    const refunded = readFixture('webhooks/D08-refunds-create-1041.json');
    expect(await system.deliver('orders/create', null, { raw: created })).toBe(200);
    expect(await system.deliver('orders/paid', null, { raw: created })).toBe(200);
    expect(await system.deliver('refunds/create', null, { raw: refunded })).toBe(200);

    // Then both documents are pushed to QuickBooks with Shopify's totals
    const [invoiceRow, creditRow, ...others] = await settledDocuments('SHP-1041', 'SHP-1041-R1');
    expect(others).toEqual([]);
    expect(invoiceRow).toMatchObject({
      status: 'pushed',
      platform: 'quickbooks',
      total_minor: '10710',
      platform_total_minor: '10710',
    });
    expect(creditRow).toMatchObject({
      status: 'pushed',
      platform: 'quickbooks',
      total_minor: '2700',
      platform_total_minor: '2700',
      allocation_status: 'allocated',
      allocated_minor: '2700',
    });

    // And the company holds one Invoice and one CreditMemo in GBP with the same totals, made
    // without QuickBooks ever throttling the system
    const invoice = entity('Invoice', invoiceRow?.platform_id ?? null);
    const memo = entity('CreditMemo', creditRow?.platform_id ?? null);
    expect(invoice).toMatchObject({ DocNumber: 'SHP-1041', CurrencyRef: { value: 'GBP' } });
    expect(memo).toMatchObject({ DocNumber: 'SHP-1041-R1', CurrencyRef: { value: 'GBP' } });
    expect(minorOf(invoice['TotalAmt'])).toBe(10710);
    expect(minorOf(memo['TotalAmt'])).toBe(2700);
    expect(quickBooks.company.table('Invoice').size).toBe(1);
    expect(quickBooks.company.table('CreditMemo').size).toBe(1);
    expect(throttledCalls()).toEqual([]);

    // And the credit is applied to the invoice by exactly one payment
    const payments = [...quickBooks.company.table('Payment').values()];
    expect(payments).toHaveLength(1);
    expect(minorOf(invoice['Balance'])).toBe(10710 - 2700);
    expect(minorOf(memo['RemainingCredit'])).toBe(0);
    const linked = (payments[0]?.['Line'] as { LinkedTxn: Json[] }[]).map(
      (line) => line.LinkedTxn[0],
    );
    expect(linked).toEqual([
      { TxnId: invoiceRow?.platform_id, TxnType: 'Invoice' },
      { TxnId: creditRow?.platform_id, TxnType: 'CreditMemo' },
    ]);
  });

  it('keeps the rotated refresh token, and pushes with it after a restart', async () => {
    // Given the system has refreshed its QuickBooks token at least once (the first case)
    const saved = await savedRefreshToken();

    // Then the newest token is saved, the one Intuit now accepts, and the configured one is
    // retired: Intuit refuses it
    expect(saved).not.toBeNull();
    expect(saved).not.toBe(configuredRefreshToken);
    expect([...quickBooks.refreshTokens]).toEqual([saved]);
    const retired = await refreshWith(configuredRefreshToken);
    expect(retired).toEqual({ status: 400, body: { error: 'invalid_grant' } });

    // When the system stops and starts again with the same configuration and database
    const databaseUrl = system.databaseUrl;
    await system.stopAll();
    await quietSecond();
    system = await startTestSystem({ environment: environment(databaseUrl) });

    // And another order is paid
    await deliverPaidOrder(1);

    // Then its invoice is pushed, and the token the restart rotated to is saved in turn
    expect(await settledDocuments('SHP-3001')).toMatchObject([
      { status: 'pushed', platform: 'quickbooks', platform_total_minor: '10710' },
    ]);
    const savedAfterRestart = await savedRefreshToken();
    expect(savedAfterRestart).not.toBe(saved);
    expect([...quickBooks.refreshTokens]).toEqual([savedAfterRestart]);
  });

  it('fails a document on a wrong item setting; fixed and retried, it is pushed', async () => {
    // Given the shipping item set to an id the company does not have
    const settingsFields = 'settings { quickbooksShippingItem } errors { field message }';
    const wrong = await system.graphql<{ updateAccountingSettings: { errors: unknown[] } }>(
      `mutation { updateAccountingSettings(input: { quickbooksShippingItem: "999" }) {
         ${settingsFields} } }`,
    );
    expect(wrong.updateAccountingSettings.errors).toEqual([]);

    // When an order is paid
    await deliverPaidOrder(2);

    // Then its invoice fails, saying which setting names what the company lacks
    const [failed] = await settledDocuments('SHP-3002');
    expect(failed).toMatchObject({ status: 'failed', platform_id: null });
    expect(failed?.failure_reason).toMatch(/item 999/);
    expect(failed?.failure_reason).toMatch(/QuickBooks settings/);
    const invoicesBefore = quickBooks.company.table('Invoice').size;

    // When finance sets the shipping item to the company's Delivery item and retries
    const fixed = await system.graphql<{ updateAccountingSettings: { errors: unknown[] } }>(
      `mutation { updateAccountingSettings(input: { quickbooksShippingItem: "50" }) {
         ${settingsFields} } }`,
    );
    expect(fixed.updateAccountingSettings.errors).toEqual([]);
    const retried = await system.graphql<{ retryAccountingDocument: { errors: unknown[] } }>(
      `mutation { retryAccountingDocument(id: "${failed?.id ?? ''}") {
         document { status } errors { field message } } }`,
    );
    expect(retried.retryAccountingDocument.errors).toEqual([]);

    // Then it is pushed, its delivery line on the Delivery item
    const [pushed] = await settledDocuments('SHP-3002');
    expect(pushed).toMatchObject({ status: 'pushed', platform_total_minor: '10710' });
    expect(quickBooks.company.table('Invoice').size).toBe(invoicesBefore + 1);
    const lines = entity('Invoice', pushed?.platform_id ?? null)['Line'] as Json[];
    const itemIds = lines.map(
      (line) => ((line['SalesItemLineDetail'] as Json)['ItemRef'] as Json)['value'],
    );
    expect(itemIds).toContain(deliveryItem.Id);
    expect(throttledCalls()).toEqual([]);
  });
});
