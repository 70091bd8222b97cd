/**
 * Access control through the admin in a real browser against a real API: signing in with an
 * email and password (and being told when they are wrong), an admin adding a warehouse person
 * who must choose their own password and then sees Stock only, a reset forcing a new password,
 * API tokens shown once and revoked, the audit log naming who did what, a movement made with a
 * person's session naming them in the history, and the admin reached as localhost as well as
 * 127.0.0.1. Each person has a browser context of their own, so their cookies are their own.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { shouldSkipBrowserTests } from './support/admin.ts';
import {
  navigationLabels,
  signInAttempt,
  startAdminTestSystem,
  submitSignIn,
  type AdminTestSystem,
} from './support/admin-system.ts';

const adminEmail = 'ana.admin@example.com';
const adminPassword = 'copper kettle on a windy hill';
const warehouseEmail = 'will.warehouse@example.com';
const warehousePassword = 'pallets stacked to the rafters';
const mugSku = 'HL-MUG-STONE-BLU';
const warehouseName = 'Hearth & Loom Warehouse';
/** Sooner than by default, so that a test reaches a slow-down and a lock in seconds. */
const signInThrottle = {
  slowAfterFailures: 2,
  delayFirstMs: 1_000,
  lockAfterFailures: 4,
  lockDurationMs: 15 * 60_000,
};

describe.skipIf(shouldSkipBrowserTests())('access control in the admin', () => {
  let test: AdminTestSystem | undefined;
  let adminContext: BrowserContext;
  let adminPage: Page;
  let warehouseContext: BrowserContext;
  let warehousePage: Page;

  beforeAll(async () => {
    test = await startAdminTestSystem({ signInThrottle });
    await test.createPerson({
      email: adminEmail,
      name: 'Ana Admin',
      roles: ['ADMIN'],
      password: adminPassword,
    });
    adminContext = await test.browser.newContext({ viewport: { width: 1280, height: 800 } });
    adminPage = await adminContext.newPage();
    // A phone: warehouse staff use the admin on the floor.
    warehouseContext = await test.browser.newContext({ viewport: { width: 390, height: 844 } });
    warehousePage = await warehouseContext.newPage();
  });

  afterAll(async () => {
    await test?.close();
  });

  function adminUrl(path: string): string {
    return `${test?.admin.url ?? ''}${path}`;
  }

  /** The one-time secret the screen shows, read from its field. */
  async function shownSecret(page: Page): Promise<string> {
    const field = page.locator('.secret-once input.secret');
    await field.waitFor();
    return field.inputValue();
  }

  async function confirmDialog(page: Page, confirmLabel: string): Promise<void> {
    await page.locator('dialog.confirm[open] button', { hasText: confirmLabel }).click();
    await expect.poll(() => page.locator('dialog.confirm[open]').count()).toBe(0);
  }

  it('refuses a wrong password with a clear message and keeps the person on the form', async () => {
    // Given a person who has not signed in, sent to the form
    await adminPage.goto(adminUrl('/admin/users'));
    await adminPage.waitForURL(/\/sign-in\?next=/);

    // When they give a wrong password
    await submitSignIn(adminPage, adminEmail, 'not the password at all');

    // Then the form says the email and password do not match, and nobody is signed in
    const refusal = adminPage.locator('.refusal');
    await expect.poll(() => refusal.textContent()).toContain('email and password do not match');
    expect(await refusal.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
    expect(new URL(adminPage.url()).pathname).toBe('/sign-in');
    expect(await adminPage.locator('nav[aria-label="Main"]').count()).toBe(0);
  });

  it('signs the admin in with the right password, back to the screen they asked for', async () => {
    // When the admin gives the right password
    await submitSignIn(adminPage, adminEmail, adminPassword);

    // Then they arrive on the Users screen they first opened, with every screen offered
    await adminPage.waitForURL(/\/admin\/users$/);
    await adminPage.locator('table.users').waitFor();
    expect(await navigationLabels(adminPage)).toEqual([
      'Stock',
      'Invoices',
      'Accounting',
      'Users',
      'Tokens',
      'Audit log',
    ]);
    expect(await adminPage.locator('.site-header .who').innerText()).toBe(adminEmail);

    // And the page's scripts cannot read the session cookie, nor was anything stored
    expect(await adminPage.evaluate(() => document.cookie)).toBe('');
    expect(await adminPage.evaluate(() => localStorage.length)).toBe(0);
  });

  it('adds a warehouse person, who must choose a password and then sees Stock only', async () => {
    // Given the admin adds a warehouse person on the Users screen
    await adminPage.click('button:text-is("Add a person")');
    await adminPage.fill('#new-user input[type="email"]', warehouseEmail);
    await adminPage.fill('#new-user input[type="text"]', 'Will Warehouse');
    await adminPage.click('#new-user button[type="submit"]');

    // Then the one-time password is shown once, and the person is listed as having to change it
    const oneTimePassword = await shownSecret(adminPage);
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(12);
    const row = adminPage.locator(`tr[data-email="${warehouseEmail}"]`);
    await row.waitFor();
    expect(await row.locator('.roles').innerText()).toBe('Warehouse');
    expect(await row.locator('.state').innerText()).toContain('Must change password');
    await adminPage.click('.secret-once button:text-is("Done")');
    expect(await adminPage.locator('.secret-once').count()).toBe(0);

    // When the person signs in with it on their phone
    await warehousePage.goto(adminUrl('/'));
    await warehousePage.waitForURL(/\/sign-in/);
    await submitSignIn(warehousePage, warehouseEmail, oneTimePassword);

    // Then they must choose a new password first, and a weak one is refused
    await warehousePage.waitForURL(/\/account\/password/);
    expect(await warehousePage.locator('.forced').innerText()).toContain('Choose a new one');
    await changePasswordOn(warehousePage, oneTimePassword, 'short');
    await expect
      .poll(() => warehousePage.locator('.refusal').getAttribute('data-code'))
      .toBe('PASSWORD_TOO_WEAK');

    // And with a good one they reach Stock, offered nothing else
    await changePasswordOn(warehousePage, oneTimePassword, warehousePassword);
    await warehousePage.waitForURL(/\/warehouse\/stock$/);
    await warehousePage.locator('table.stock-table').waitFor();
    expect(await navigationLabels(warehousePage)).toEqual(['Stock']);

    // And an admin screen opened by its address says it is not for their role
    for (const path of ['/admin/users', '/admin/tokens', '/admin/audit']) {
      await warehousePage.goto(adminUrl(path));
      await expect
        .poll(() => warehousePage.locator('main h1').innerText())
        .toBe('Not available to your role');
      expect(await warehousePage.locator('main table').count()).toBe(0);
    }
  });

  it("names the person who made a movement with their session in the SKU's history", async () => {
    // Given the warehouse person signed in on their phone
    await warehousePage.goto(adminUrl('/warehouse/stock'));
    await warehousePage.locator('table.stock-table').waitFor();

    // When their session receives 4 mugs (as the admin's own screens call the API: the
    // session cookie, and the CSRF token the API gave that session)
    const answer = await warehousePage.evaluate(
      async ({ apiUrl, sku, locationName }) => {
        const call = async (query: string, csrfToken?: string) => {
          const response = await fetch(`${apiUrl}/graphql`, {
            method: 'POST',
            credentials: 'include',
            headers: {
              'content-type': 'application/json',
              ...(csrfToken === undefined ? {} : { 'x-csrf-token': csrfToken }),
            },
            body: JSON.stringify({ query }),
          });
          return (await response.json()) as { data: Record<string, unknown> };
        };
        const viewer = await call('{ viewer { csrfToken } locations { id name } }');
        const data = viewer.data as {
          viewer: { csrfToken: string };
          locations: { id: string; name: string }[];
        };
        const location = data.locations.find((candidate) => candidate.name === locationName);
        return call(
          `mutation { receiveStock(input: { sku: "${sku}", locationId: "${location?.id}",
            quantity: 4 }) { errors { code } } }`,
          data.viewer.csrfToken,
        );
      },
      { apiUrl: test?.apiUrl ?? '', sku: mugSku, locationName: warehouseName },
    );
    expect(answer.data).toEqual({ receiveStock: { errors: [] } });

    // Then the mug's history shows the receipt, made by them
    await warehousePage.click(`a.sku-link:has(.sku-code:text-is("${mugSku}"))`);
    const newest = warehousePage.locator('table.movements tbody tr').first();
    await newest.waitFor();
    expect(await newest.getAttribute('data-kind')).toBe('RECEIPT');
    expect(await newest.locator('[data-figure="onHandDelta"]').innerText()).toBe('+4');
    expect(await newest.locator('.actor').innerText()).toBe(warehouseEmail);
  });

  it('makes a person change a password an admin reset, after ending their session', async () => {
    // Given the admin resets the warehouse person's password, confirming it
    await adminPage.goto(adminUrl('/admin/users'));
    const row = adminPage.locator(`tr[data-email="${warehouseEmail}"]`);
    await row.locator('button', { hasText: 'Manage' }).click();
    await adminPage.click('.manage-row button:text-is("Reset password")');
    await confirmDialog(adminPage, 'Reset password');

    // Then a new one-time password is shown once
    const oneTimePassword = await shownSecret(adminPage);
    await expect.poll(() => row.locator('.state').innerText()).toContain('Must change password');

    // And the person's session has ended: the history they have open, live, sends them to sign
    // in at once, saying why
    await warehousePage.waitForURL(/\/sign-in/);
    await expect
      .poll(() => warehousePage.locator('.signed-out').textContent())
      .toContain('Your session has ended');

    // When they sign in with the one-time password
    await submitSignIn(warehousePage, warehouseEmail, oneTimePassword);

    // Then they must change it before anything else, and reach Stock afterwards
    await warehousePage.waitForURL(/\/account\/password/);
    await warehousePage.goto(adminUrl('/warehouse/stock'));
    await warehousePage.waitForURL(/\/account\/password/);
    await changePasswordOn(warehousePage, oneTimePassword, `${warehousePassword} again`);
    await warehousePage.waitForURL(/\/warehouse\/stock$/);
    await warehousePage.locator('table.stock-table').waitFor();
  });

  it('makes an API token whose secret is shown once, and revokes it after confirming', async () => {
    // Given the admin makes a stock:read token on the Tokens screen
    await adminPage.click('nav a:text-is("Tokens")');
    await adminPage.waitForURL(/\/admin\/tokens$/);
    await adminPage.click('button:text-is("Make a token")');
    await adminPage.fill('#new-token input[type="text"]', 'label-printer');
    await adminPage.check('#new-token input[value="STOCK_READ"]');
    await adminPage.click('#new-token button[type="submit"]');

    // Then its secret is shown once, with the warning, and it works against the API
    const secret = await shownSecret(adminPage);
    expect(await adminPage.locator('.secret-once .warning').innerText()).toContain(
      'It will not be shown again.',
    );
    expect(await locationsWith(secret)).toBe(200);
    const row = adminPage.locator('tr[data-token-name="label-printer"]');
    expect(await row.getAttribute('data-state')).toBe('active');
    expect(await row.locator('.scopes').innerText()).toBe('stock:read');
    expect(await row.innerText()).toContain(`by ${adminEmail}`);

    // And once dismissed, reloading shows it nowhere
    await adminPage.click('.secret-once button:text-is("Done")');
    await adminPage.reload();
    await row.waitFor();
    expect(await adminPage.locator('.secret-once').count()).toBe(0);
    expect(await adminPage.content()).not.toContain(secret);

    // When the admin revokes it, cancelling once and then confirming
    await row.locator('button', { hasText: 'Revoke' }).click();
    await adminPage.locator('dialog.confirm[open] button:text-is("Cancel")').click();
    expect(await row.getAttribute('data-state')).toBe('active');
    await row.locator('button', { hasText: 'Revoke' }).click();
    await confirmDialog(adminPage, 'Revoke token');

    // Then it is listed as revoked, and the API refuses it
    await expect.poll(() => row.getAttribute('data-state')).toBe('revoked');
    expect(await locationsWith(secret)).toBe(401);
  });

  it('shows in the audit log who signed in and who received stock, by email', async () => {
    // When the admin opens the audit log
    await adminPage.click('nav a:text-is("Audit log")');
    await adminPage.waitForURL(/\/admin\/audit$/);
    const rows = adminPage.locator('table.audit tbody tr');
    await rows.first().waitFor();

    // Then the warehouse person's sign-in is there, about them
    const signIns = adminPage.locator('table.audit tbody tr[data-operation="signIn"]');
    expect(await signIns.count()).toBeGreaterThanOrEqual(3);
    expect(await signIns.first().innerText()).toContain(warehouseEmail);

    // And filtered to receipts, only the warehouse person's receipt, with its input readable
    await adminPage.fill('.filters input[placeholder="e.g. receiveStock"]', 'receiveStock');
    await adminPage.click('.filters button[type="submit"]');
    await expect.poll(() => rows.count()).toBe(1);
    const receipt = rows.first();
    expect(await receipt.getAttribute('data-outcome')).toBe('SUCCEEDED');
    expect(await receipt.locator('.actor-label').innerText()).toBe(warehouseEmail);
    const input = await receipt
      .locator('.input dl > div')
      .evaluateAll((pairs): Record<string, string> =>
        Object.fromEntries(
          pairs.map((pair): [string, string] => [
            pair.querySelector('dt')?.textContent?.trim() ?? '',
            pair.querySelector('dd')?.textContent?.trim() ?? '',
          ]),
        ),
      );
    expect(input).toMatchObject({ sku: mugSku, quantity: '4' });
  });

  it('slows, then locks, repeated wrong passwords until an admin clears it', async () => {
    // Given a person who keeps mistyping their password in a browser of their own
    const email = 'lou.locked@example.com';
    const password = 'the right password, at last';
    await test?.createPerson({ email, name: 'Lou Locked', roles: ['VIEWER'], password });
    const context = await test?.browser.newContext();
    const page = await context?.newPage();
    if (context === undefined || page === undefined) {
      throw new Error('no browser context');
    }
    const refusal = page.locator('.refusal');

    try {
      await page.goto(adminUrl('/'));
      await page.waitForURL(/\/sign-in/);
      for (let attempt = 1; attempt <= 2; attempt += 1) {
        await signInAttempt(page, email, `wrong guess ${attempt}`);
        expect(await refusal.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
      }

      // When they try again, the API waits before it checks, and the form says why
      const startedMs = Date.now();
      await signInAttempt(page, email, 'wrong guess 3');
      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(signInThrottle.delayFirstMs);
      expect(await refusal.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
      expect(await page.locator('.slowed').innerText()).toContain('slowed after failed attempts');

      // And one more wrong guess locks the account: even the right password is refused
      await signInAttempt(page, email, 'wrong guess 4');
      expect(await refusal.getAttribute('data-code')).toBe('ACCOUNT_LOCKED');
      await signInAttempt(page, email, password);
      expect(await refusal.getAttribute('data-code')).toBe('ACCOUNT_LOCKED');
      expect(await refusal.textContent()).toContain('Signing in to this account is locked');

      // When the admin sees the lock on the Users screen and clears it
      await adminPage.goto(adminUrl('/admin/users'));
      const row = adminPage.locator(`tr[data-email="${email}"]`);
      await expect.poll(() => row.locator('.state').innerText()).toContain('Locked until');
      await row.locator('button', { hasText: 'Manage' }).click();
      await adminPage.click('.manage-row button:text-is("Clear sign-in lock")');
      await expect.poll(() => row.locator('.state').innerText()).not.toContain('Locked');

      // Then the person signs in with the right password
      await submitSignIn(page, email, password);
      await page.waitForURL(/\/warehouse\/stock$/);
    } finally {
      await context.close();
    }
  });

  it('signs in when the admin is opened as localhost rather than 127.0.0.1', async () => {
    // Given a fresh browser opening the admin under the other loopback name
    const context = await test?.browser.newContext();
    const page = await context?.newPage();
    if (context === undefined || page === undefined) {
      throw new Error('no browser context');
    }
    const localhostUrl = (test?.admin.url ?? '').replace('127.0.0.1', 'localhost');

    try {
      // When the admin signs in there
      await page.goto(`${localhostUrl}/`);
      await page.waitForURL(/\/sign-in/);
      await submitSignIn(page, adminEmail, adminPassword);

      // Then the session holds: the stock screen loads, live
      await page.waitForURL(/\/warehouse\/stock$/);
      await page.locator('table.stock-table').waitFor();
      await expect.poll(() => page.locator('.live-status').innerText()).toBe('Live');
    } finally {
      await context.close();
    }
  });

  async function changePasswordOn(page: Page, current: string, next: string): Promise<void> {
    await page.fill('#current-password', current);
    await page.fill('#new-password', next);
    await page.fill('#repeated-password', next);
    await page.click('form.change-password button[type="submit"]');
  }

  async function locationsWith(secret: string): Promise<number> {
    const response = await fetch(`${test?.apiUrl ?? ''}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: '{ locations { id } }' }),
    });
    return response.status;
  }
});
