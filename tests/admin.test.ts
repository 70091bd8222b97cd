/**
 * The admin in a real browser against a real API: a warehouse person signs in with their email
 * and password, sees the stock the fixture shop starts with, watches a receipt made elsewhere
 * arrive without reloading, and finds it in the SKU's history (times in the shop's zone), which
 * also updates live. An unnamed SKU has a history too. A shop without a time zone shows times
 * in UTC and says so. A session the API has ended sends the person back to sign in, saying why.
 */
import pg from 'pg';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { shouldSkipBrowserTests } from './support/admin.ts';
import {
  startAdminTestSystem,
  submitSignIn,
  type AdminTestSystem,
} from './support/admin-system.ts';

const mugSku = 'HL-MUG-STONE-BLU';
const warehouseName = 'Hearth & Loom Warehouse';
/** The fixture's one variant with a blank SKU, stocked under an unnamed SKU. */
const unnamedTitle = 'Seagrass Storage Basket - Medium';
/** A movement's time as the history shows it, e.g. `3 Dec 2026, 17:22:57 GMT`. */
const shownTime = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} ([A-Z+\d]+)/;
/** How long the page may take to show a change made through the API. */
const liveTimeoutMs = 10_000;
const personEmail = 'wren.stock@example.com';
const personPassword = 'seventeen blue mugs on a shelf';

describe.skipIf(shouldSkipBrowserTests())('admin in a browser', () => {
  let test: AdminTestSystem | undefined;
  let page: Page;
  let personId: string;
  let warehouseId: string;

  beforeAll(async () => {
    test = await startAdminTestSystem();
    personId = await test.createPerson({
      email: personEmail,
      name: 'Wren Stock',
      roles: ['WAREHOUSE'],
      password: personPassword,
    });
    page = await test.browser.newPage({ viewport: { width: 1280, height: 800 } });

    const locations = await graphql<{ locations: { id: string; name: string }[] }>(
      '{ locations { id name } }',
    );
    warehouseId = locations.locations.find((location) => location.name === warehouseName)?.id ?? '';
  });

  afterAll(async () => {
    await test?.close();
  });

  function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    if (test === undefined) {
      throw new Error('the system did not start');
    }
    return test.graphql<T>(query, variables);
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

  /** The zone name the newest movement's time is shown with, e.g. `GMT`. */
  async function newestTimeZoneName(): Promise<string | undefined> {
    const when = await page
      .locator('table.movements tbody tr')
      .first()
      .locator('.when')
      .innerText();
    return shownTime.exec(when)?.[1];
  }

  async function setShopTimeZone(timeZone: string | null): Promise<void> {
    const client = new pg.Client({ connectionString: test?.databaseUrl });
    await client.connect();
    try {
      await client.query('UPDATE shop_settings SET time_zone = $1 WHERE id = 1', [timeZone]);
    } finally {
      await client.end();
    }
  }

  function figure(cell: Locator, name: 'onHand' | 'reserved' | 'available'): Promise<string> {
    return cell.locator(`[data-figure="${name}"] .figure-value`).innerText();
  }

  it('refuses a wrong password and says why', async () => {
    // Given a person who has not signed in
    await page.goto(`${test?.admin.url ?? ''}/`);
    await page.waitForURL(/\/sign-in/);

    // When they mistype their password
    await submitSignIn(page, personEmail, 'seventeen blue mugs on a shelf!');

    // Then the form says so and keeps them there
    await expect
      .poll(() => page.locator('.refusal').textContent())
      .toContain('email and password do not match');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });

  it('signs in with email and password and shows the fixture stock, live', async () => {
    // When the person signs in with their email and password
    await submitSignIn(page, personEmail, personPassword);

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
    const mugs = await graphql<{ skus: { id: string; code: string | null }[] }>(
      'query ($search: String!) { skus(search: $search) { id code } }',
      { search: mugSku },
    );
    const mugId = mugs.skus.find((sku) => sku.code === mugSku)?.id ?? 'missing';
    await page.click(`a.sku-link:has(.sku-code:text-is("${mugSku}"))`);
    await page.waitForURL(new RegExp(`/warehouse/stock/${mugId}$`));

    // Then the receipt of 5 is the newest movement
    const newest = page.locator('table.movements tbody tr').first();
    await newest.waitFor();
    expect(await newest.getAttribute('data-kind')).toBe('RECEIPT');
    expect(await newest.locator('[data-figure="onHandDelta"]').innerText()).toBe('+5');
    expect(await newest.innerText()).toContain(warehouseName);

    // And its time is in the shop's zone (the fixture shop's is Europe/London)
    expect(['GMT', 'BST']).toContain(await newestTimeZoneName());
    expect(await page.locator('.time-zone-note').count()).toBe(0);

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

  it("opens an unnamed SKU's history, which starts with its opening balances", async () => {
    // Given the unnamed SKU the fixture's variant with a blank SKU is stocked under
    const found = await graphql<{ skus: { id: string; code: string | null }[] }>(
      'query ($search: String!) { skus(search: $search) { id code } }',
      { search: unnamedTitle },
    );
    expect(found.skus).toEqual([{ id: expect.any(String), code: null }]);
    const unnamedId = found.skus[0]?.id ?? 'missing';

    // When the person opens it from the stock screen
    await page.click('a.back');
    await page.waitForURL(/\/warehouse\/stock$/);
    const unnamedLink = page.locator('a.sku-link', {
      has: page.locator('.sku-title', { hasText: unnamedTitle }),
    });
    expect(await unnamedLink.locator('.unnamed').innerText()).toBe('unnamed');
    await unnamedLink.click();
    await page.waitForURL(new RegExp(`/warehouse/stock/${unnamedId}$`));

    // Then the history names it as unnamed, with its title
    const heading = page.locator('h1');
    await expect.poll(() => heading.innerText()).toContain(unnamedTitle);
    expect(await heading.locator('.unnamed').innerText()).toBe('unnamed');

    // And lists its opening balance at each location (4 at the warehouse, 1 in the shop), only
    const rows = page.locator('table.movements tbody tr');
    await rows.first().waitFor();
    const shown = await rows.evaluateAll((all) =>
      all.map((row) => ({
        kind: row.getAttribute('data-kind'),
        location: row.querySelector('[data-label="Location"]')?.textContent?.trim(),
        onHandDelta: row.querySelector('[data-figure="onHandDelta"]')?.textContent?.trim(),
      })),
    );
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(
      expect.arrayContaining([
        { kind: 'OPENING_BALANCE', location: warehouseName, onHandDelta: '+4' },
        { kind: 'OPENING_BALANCE', location: 'Hearth & Loom Shop', onHandDelta: '+1' },
      ]),
    );
  });

  it('shows times in UTC, and says so, when the shop has no time zone', async () => {
    // Given a shop whose settings carry no time zone
    await setShopTimeZone(null);

    try {
      // When the person opens the history again (the admin reads the zone when it starts)
      await page.reload();
      await page.locator('table.movements tbody tr').first().waitFor();

      // Then the times are in UTC, and a note says why
      expect(await newestTimeZoneName()).toBe('UTC');
      expect(await page.locator('.time-zone-note').innerText()).toBe(
        'Times are in UTC: the shop has no time zone set yet.',
      );
    } finally {
      await setShopTimeZone('Europe/London');
    }
  });

  it('answers an old address that names a SKU by its code with a search for it', async () => {
    // When the person follows a link from before histories were keyed by id
    await page.goto(`${test?.admin.url ?? ''}/warehouse/stock/${mugSku}`);

    // Then the page says there is no such SKU and offers to search for the code
    await expect.poll(() => page.locator('h1').innerText()).toBe('No such SKU');
    await page.click(`a:text-is("Search the stock for “${mugSku}”")`);
    await page.waitForURL(new RegExp(`/warehouse/stock\\?q=${mugSku}$`));
    await warehouseCell().waitFor();
  });

  it('sends the person back to sign in at once when their session is ended', async () => {
    // Given an admin ends the person's sessions (as after a lost phone)
    const ended = await graphql<{ endSessions: { errors: unknown[] } }>(
      'mutation ($userId: ID!) { endSessions(userId: $userId) { errors { code } } }',
      { userId: personId },
    );
    expect(ended.endSessions.errors).toEqual([]);

    // Then the stock screen they have open, live, sends them to the sign-in form at once (the
    // API closes the live connection of an ended session), telling them why
    await page.waitForURL(/\/sign-in/);
    await expect
      .poll(() => page.locator('.signed-out').textContent())
      .toContain('Your session has ended');
  });
});
