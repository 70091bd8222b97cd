/**
 * The admin in a real browser against a real API: a person signs in with the admin token,
 * sees the stock the fixture shop starts with, watches a receipt made elsewhere arrive without
 * reloading, and finds it in the SKU's history, which also updates live. A token the API no
 * longer accepts sends the person back to sign in, saying why.
 */
import { randomBytes } from 'node:crypto';

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSystem, type System } from '../api/src/app/system.ts';
import { loadConfig } from '../api/src/platform/config.ts';
import { freePort } from '../api/src/platform/database.ts';
import { createLogger } from '../api/src/platform/logger.ts';
import {
  ensureAdminBuild,
  launchChromium,
  shouldSkipBrowserTests,
  startAdminServer,
  type AdminServer,
} from './support/admin.ts';
import { createTestDatabase } from './support/database.ts';

const mugSku = 'HL-MUG-STONE-BLU';
const warehouseName = 'Hearth & Loom Warehouse';
/** How long the page may take to show a change made through the API. */
const liveTimeoutMs = 10_000;

describe.skipIf(shouldSkipBrowserTests())('admin in a browser', () => {
  let system: System | undefined;
  let admin: AdminServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let apiUrl: string;
  let warehouseId: string;

  beforeAll(async () => {
    // Chromium first: under CI a missing browser should fail the run before anything starts.
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    const adminPort = await freePort();
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: await createTestDatabase(),
      PORT: '0',
      ADMIN_PORT: String(adminPort),
      QM_ADMIN_TOKEN: `qm_test_${randomBytes(18).toString('base64url')}`,
    });
    system = await startSystem({
      config,
      logger: createLogger('warn'),
      host: '127.0.0.1',
      orderStreamIntervalMs: null,
    });
    apiUrl = system.apiUrl ?? '';

    const locations = await graphql<{ locations: { id: string; name: string }[] }>(
      '{ locations { id name } }',
    );
    warehouseId = locations.locations.find((location) => location.name === warehouseName)?.id ?? '';

    await ensureAdminBuild();
    admin = await startAdminServer({ port: adminPort, apiUrl });
  });

  afterAll(async () => {
    await browser?.close();
    await admin?.stop();
    await system?.close();
  });

  async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${apiUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${system?.adminToken ?? ''}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as { data?: T; errors?: unknown[] };
    if (answer.errors !== undefined || answer.data === undefined) {
      throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
    }
    return answer.data;
  }

  async function receiveMugs(quantity: number): Promise<void> {
    const data = await graphql<{ receiveStock: { errors: { code: string }[] } }>(
      `mutation ($locationId: ID!, $quantity: Int!) {
        receiveStock(input: { sku: "${mugSku}", locationId: $locationId, quantity: $quantity }) {
          errors { code }
        }
      }`,
      { locationId: warehouseId, quantity },
    );
    expect(data.receiveStock.errors).toEqual([]);
  }

  function warehouseCell(): Locator {
    const row = page.locator('tr', {
      has: page.locator('.sku-code', { hasText: new RegExp(`^${mugSku}$`) }),
    });
    return row.locator(`td[data-location="${warehouseName}"]`);
  }

  function figure(cell: Locator, name: 'onHand' | 'reserved' | 'available'): Promise<string> {
    return cell.locator(`[data-figure="${name}"] .figure-value`).innerText();
  }

  it('refuses a wrong token and says why', async () => {
    // Given a person who has not signed in
    await page.goto(`${admin?.url ?? ''}/`);
    await page.waitForURL(/\/sign-in/);

    // When they enter a token the API does not know
    await page.fill('#api-token', 'qm_not_a_real_token');
    await page.click('button[type="submit"]');

    // Then the form says so and keeps them there
    await expect
      .poll(() => page.locator('.refusal').textContent())
      .toContain('did not accept this token');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });

  it('signs in with the admin token and shows the fixture stock, live', async () => {
    // When the person enters the admin token
    await page.fill('#api-token', system?.adminToken ?? '');
    await page.click('button[type="submit"]');

    // Then the stock screen shows the fixture's figures and is live
    await page.waitForURL(/\/warehouse\/stock$/);
    await warehouseCell().waitFor();
    expect(await figure(warehouseCell(), 'onHand')).toBe('23');
    expect(await figure(warehouseCell(), 'available')).toBe('23');
    await expect.poll(() => page.locator('.live-status').innerText()).toBe('Live');
  });

  it('shows a receipt made elsewhere without reloading, and lights up the cell', async () => {
    // Given the page as it is now, marked so that a reload would show
    await page.evaluate(() => {
      (window as unknown as { notReloaded?: boolean }).notReloaded = true;
    });
    // The socket is live, but the server registers the subscription a moment after it
    // acknowledges the connection; a receipt in that moment would not be heard.
    await page.waitForTimeout(300);

    // When 5 mugs are received at the warehouse through the API
    await receiveMugs(5);

    // Then the page shows 28 on hand and available, highlighted, without a reload
    await expect
      .poll(() => figure(warehouseCell(), 'onHand'), { timeout: liveTimeoutMs })
      .toBe('28');
    expect(await figure(warehouseCell(), 'available')).toBe('28');
    expect(await warehouseCell().getAttribute('class')).toContain('is-changed');
    const notReloaded = await page.evaluate(
      () => (window as unknown as { notReloaded?: boolean }).notReloaded,
    );
    expect(notReloaded).toBe(true);
  });

  it("opens the SKU's history with the receipt on top, and adds the next one live", async () => {
    // When the person opens the mug's history
    await page.click(`a.sku-link:has(.sku-code:text-is("${mugSku}"))`);
    await page.waitForURL(new RegExp(`/warehouse/stock/${mugSku}$`));

    // Then the receipt of 5 is the newest movement
    const newest = page.locator('table.movements tbody tr').first();
    await newest.waitFor();
    expect(await newest.getAttribute('data-kind')).toBe('RECEIPT');
    expect(await newest.locator('[data-figure="onHandDelta"]').innerText()).toBe('+5');
    expect(await newest.innerText()).toContain(warehouseName);

    // And when 2 more arrive, they appear on top without a reload
    await page.waitForTimeout(300);
    await receiveMugs(2);
    await expect
      .poll(() => newest.locator('[data-figure="onHandDelta"]').innerText(), {
        timeout: liveTimeoutMs,
      })
      .toBe('+2');
    expect(await page.locator('table.movements tbody tr').nth(1).getAttribute('data-kind')).toBe(
      'RECEIPT',
    );
  });

  it('sends the person back to sign in when the API stops accepting their token', async () => {
    // Given a stored token the API does not accept (as after revoking it)
    await page.evaluate(() => localStorage.setItem('quartermaster.admin.apiToken', 'qm_revoked'));

    // When the stock screen loads
    await page.goto(`${admin?.url ?? ''}/warehouse/stock`);

    // Then the person is on the sign-in form, told why
    await page.waitForURL(/\/sign-in/);
    await expect
      .poll(() => page.locator('.signed-out').textContent())
      .toContain('did not accept this token');
  });
});
