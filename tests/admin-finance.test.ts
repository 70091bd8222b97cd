/**
 * The finance screens in a real browser against a real API: a finance person finds the invoice
 * that failed to push with its reason, retries it and sees it pending; the open accounting
 * exceptions are counted on the list and shown on their document and order; the settings form
 * shows a refused field beside the field; a viewer reads the same screens without Retry or
 * Save; a pushed credit note whose credit was not applied can be retried too; a document that
 * never built reads "Not built"; a search finds documents whatever their status; the warehouse
 * is offered neither screen. Documents and exceptions are
 * written as rows, as the push queue writes them, and pushing is parked (as after a platform's
 * daily limit) so that a retried document stays pending while the test looks at it.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { shouldSkipBrowserTests } from './support/admin.ts';
import {
  navigationLabels,
  startAdminTestSystem,
  submitSignIn,
  type AdminTestSystem,
} from './support/admin-system.ts';

const financeEmail = 'fran.finance@example.com';
const financePassword = 'ledgers balanced by friday';
const warehouseEmail = 'wes.warehouse@example.com';
const warehousePassword = 'boxes taped and labelled';
const viewerEmail = 'vi.viewer@example.com';
const viewerPassword = 'reading the numbers only';
const refusedMessage =
  'xero refused invoice SHP-7001: Account code 200 is archived. Fix the settings or the ' +
  'order, then retry the document.';
const voidMessage =
  'The invoice is already on the accounting platform, but order #7002 was cancelled before ' +
  'any money was taken (financial status voided): no invoice is due: void it there';

describe.skipIf(shouldSkipBrowserTests())('the finance screens', () => {
  let test: AdminTestSystem | undefined;
  let financeContext: BrowserContext;
  let financePage: Page;
  let failedInvoiceId = '';
  let pushedInvoiceId = '';

  beforeAll(async () => {
    test = await startAdminTestSystem();
    await test.createPerson({
      email: financeEmail,
      name: 'Fran Finance',
      roles: ['FINANCE'],
      password: financePassword,
    });
    await test.createPerson({
      email: warehouseEmail,
      name: 'Wes Warehouse',
      roles: ['WAREHOUSE'],
      password: warehousePassword,
    });
    await test.createPerson({
      email: viewerEmail,
      name: 'Vi Viewer',
      roles: ['VIEWER'],
      password: viewerPassword,
    });

    const pool = test.system.pool;
    await pool.query(
      `INSERT INTO accounting_connector_state (platform, parked_until, parked_reason)
       VALUES ('xero', now() + interval '6 hours', 'Xero daily limit reached')`,
    );
    await pool.query(
      `INSERT INTO orders (shopify_order_id, name, order_number, currency, total_price_minor,
         financial_status, has_details)
       VALUES (7001, '#7001', 7001, 'GBP', 2400, 'partially_refunded', true)`,
    );
    const line = {
      description: 'Stoneware mug, blue',
      sku: 'HL-MUG-STONE-BLU',
      quantity: 2,
      unitAmountMinor: 1200,
      discountAmountMinor: 0,
      lineTotalMinor: 2400,
      taxAmountMinor: 400,
      accountCode: '200',
      taxType: 'OUTPUT2',
    };
    const failed = await pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id, number,
         currency, subtotal_minor, tax_minor, total_minor, document_date, document, source,
         status, attempts, failure_reason)
       VALUES ('invoice', 'shopify:order:7001:invoice',
         (SELECT id FROM orders WHERE shopify_order_id = 7001), 7001, 'SHP-7001', 'GBP', 2000,
         400, 2400, '2026-12-03', $1, '{}', 'failed', 5, 'Xero: account code 200 is archived')
       RETURNING id::text`,
      [{ lines: [line] }],
    );
    failedInvoiceId = failed.rows[0]?.id ?? '';
    await pool.query(
      `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id,
         shopify_refund_id, number, currency, subtotal_minor, tax_minor, total_minor,
         document_date, document, source, status)
       VALUES ('credit_note', 'shopify:refund:9001:credit_note',
         (SELECT id FROM orders WHERE shopify_order_id = 7001), 7001, 9001, 'SHP-7001-R1',
         'GBP', 1000, 200, 1200, '2026-12-04', $1, '{}', 'waiting')`,
      [{ lines: [{ ...line, quantity: 1, lineTotalMinor: 1200, taxAmountMinor: 200 }] }],
    );
    const document = { lines: [] };
    const pushed = await pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, shopify_order_id, number, currency,
         subtotal_minor, tax_minor, total_minor, document_date, document, source, status,
         platform, platform_id, platform_number, pushed_at)
       VALUES ('invoice', 'shopify:order:7002:invoice', 7002, 'SHP-7002', 'EUR', 1000, 200,
         1200, '2026-12-03', $1, '{}', 'pushed', 'xero', 'inv-7002', 'INV-0042', now())
       RETURNING id::text`,
      [document],
    );
    pushedInvoiceId = pushed.rows[0]?.id ?? '';

    // Three open accounting exceptions (the refused invoice, the invoice of an order cancelled
    // unpaid, pushing parked), one already resolved, and a stock exception finance does not
    // count.
    const raise = (kind: string, message: string, documentId: string | null, status = 'open') =>
      pool.query(
        `INSERT INTO stock_exceptions (kind, message, order_id, details, source_key, status)
         VALUES ($1, $2, (SELECT order_id FROM accounting_documents WHERE id::text = $3), $4,
           $5, $6)`,
        [
          kind,
          message,
          documentId,
          documentId === null ? {} : { documentId },
          `test:${kind}:${documentId}:${status}`,
          status,
        ],
      );
    await raise('ACCOUNTING_DOCUMENT_FAILED', refusedMessage, failedInvoiceId);
    await raise('ACCOUNTING_DOCUMENT_FAILED', 'an older refusal', failedInvoiceId, 'resolved');
    await raise('ACCOUNTING_INVOICE_TO_VOID', voidMessage, pushedInvoiceId);
    await raise('ACCOUNTING_PUSH_PARKED', 'xero takes no more calls today', null);
    await raise('INVENTORY_DRIFT', 'HL-MUG-STONE-BLU drifted by 2', null);

    financeContext = await test.browser.newContext({ viewport: { width: 1280, height: 800 } });
    financePage = await financeContext.newPage();
  });

  afterAll(async () => {
    await test?.close();
  });

  function adminUrl(path: string): string {
    return `${test?.admin.url ?? ''}${path}`;
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(adminUrl('/'));
    await page.waitForURL(/\/sign-in/);
    await submitSignIn(page, email, password);
    await page.locator('nav[aria-label="Main"]').waitFor();
  }

  it('shows finance the failed invoice with its reason, and a retry makes it pending', async () => {
    // Given a finance person signed in, offered the invoices and the settings
    await signIn(financePage, financeEmail, financePassword);
    expect(await navigationLabels(financePage)).toEqual(['Stock', 'Invoices', 'Accounting']);

    // When they open the invoices, which start on the failed ones
    await financePage.click('nav[aria-label="Main"] >> text=Invoices');
    const row = financePage.locator('tr[data-document-number="SHP-7001"]');
    await row.waitFor();

    // Then the failed invoice is there with its total and reason, and the pushed one is not
    expect(await row.getAttribute('data-status')).toBe('FAILED');
    expect(await row.locator('.reason').innerText()).toBe('Xero: account code 200 is archived');
    expect(await row.locator('td.amount').innerText()).toBe('£24.00');
    expect(await financePage.locator('tr[data-document-number="SHP-7002"]').count()).toBe(0);
    expect(await financePage.locator('.tabs a[data-status="FAILED"] .count').innerText()).toBe('1');

    // When they retry it
    await row.locator('button', { hasText: 'Retry' }).click();

    // Then it reads pending, has no Retry button left, and is pending in the database
    await expect.poll(() => row.getAttribute('data-status')).toBe('PENDING');
    expect(await row.locator('.badge').innerText()).toBe('Pending');
    expect(await row.locator('button', { hasText: 'Retry' }).count()).toBe(0);
    await expect
      .poll(() => financePage.locator('.tabs a[data-status="FAILED"] .count').innerText())
      .toBe('0');
    const stored = await test?.system.pool.query(
      'SELECT status, attempts, failure_reason FROM accounting_documents WHERE id = $1',
      [failedInvoiceId],
    );
    expect(stored?.rows[0]).toEqual({ status: 'pending', attempts: 0, failure_reason: null });
  });

  it('counts the open accounting exceptions on the list, and shows them on request', async () => {
    // Given the invoices list (the retried invoice's exception is open until it is pushed)
    const summary = financePage.getByTestId('exception-summary');
    await summary.waitFor();

    // Then three are counted, none listed until asked for
    expect(await financePage.getByTestId('exception-count').innerText()).toBe('3');
    const listed = financePage.getByTestId('accounting-exception');
    expect(await listed.count()).toBe(0);

    // When finance asks to see them
    await summary.locator('button', { hasText: 'Show them' }).click();
    await listed.first().waitFor();

    // Then each is there with its words, newest first, and a link to its document
    expect(await listed.evaluateAll((items) => items.map((item) => item.dataset.kind))).toEqual([
      'ACCOUNTING_PUSH_PARKED',
      'ACCOUNTING_INVOICE_TO_VOID',
      'ACCOUNTING_DOCUMENT_FAILED',
    ]);
    expect(await listed.nth(1).locator('.message').innerText()).toBe(voidMessage);
    expect(await listed.nth(1).locator('.kind').innerText()).toBe(
      'Invoice to void on the platform',
    );
    await listed.nth(1).locator('a', { hasText: 'Document' }).click();
    await financePage.waitForURL(new RegExp(`/finance/documents/${pushedInvoiceId}$`));

    // And the invoice already pushed for the cancelled order says to void it there
    const onDocument = financePage.getByTestId('accounting-exception');
    await onDocument.first().waitFor();
    expect(await financePage.locator('h1').innerText()).toBe('Invoice SHP-7002');
    expect(await onDocument.locator('.message').allInnerTexts()).toEqual([voidMessage]);
    await financePage.goto(adminUrl('/finance?status=pending'));
    await financePage.locator('tr[data-document-number="SHP-7001"]').waitFor();
  });

  it("opens the order from the invoice, with its invoice and credit note's status", async () => {
    // Given the retried invoice's row, which names its order
    const row = financePage.locator('tr[data-document-number="SHP-7001"]');

    // When finance opens the order
    await row.locator('a', { hasText: '#7001' }).click();
    await financePage.waitForURL(/\/finance\/orders\/\d+$/);
    const documents = financePage.locator('ul.documents li');
    await documents.first().waitFor();

    // Then the order shows its invoice, pending, and its credit note, waiting for it
    expect(await financePage.locator('h1').innerText()).toBe('Order #7001');
    expect(await documents.evaluateAll((items) => items.map((item) => item.dataset))).toEqual([
      { documentNumber: 'SHP-7001', status: 'PENDING' },
      { documentNumber: 'SHP-7001-R1', status: 'WAITING' },
    ]);
    expect(await documents.nth(1).locator('.detail').innerText()).toBe('4 Dec 2026 · £12.00');

    // And the open exception about its invoice, and no other
    const exceptions = financePage.getByTestId('accounting-exception');
    expect(await exceptions.locator('.message').allInnerTexts()).toEqual([refusedMessage]);
  });

  it('shows the open exception on the failed document itself', async () => {
    await financePage.goto(adminUrl(`/finance/documents/${failedInvoiceId}`));
    const exceptions = financePage.getByTestId('accounting-exception');
    await exceptions.first().waitFor();

    expect(await financePage.locator('h1').innerText()).toBe('Invoice SHP-7001');
    expect(await exceptions.locator('.message').allInnerTexts()).toEqual([refusedMessage]);
    expect(await exceptions.locator('a', { hasText: 'Order' }).count()).toBe(1);
    await financePage.goBack();
  });

  it('opens a document with its lines, account codes and totals', async () => {
    await financePage.locator('ul.documents a', { hasText: 'SHP-7001-R1' }).click();
    const line = financePage.locator('table.lines tbody tr');
    await line.first().waitFor();

    expect(await financePage.locator('h1').innerText()).toBe('Credit note SHP-7001-R1');
    expect(await line.locator('td').allInnerTexts()).toEqual([
      'Stoneware mug, blue\nHL-MUG-STONE-BLU',
      '1',
      '£12.00',
      '£0.00',
      '£12.00',
      '£2.00',
      '200',
      'OUTPUT2',
    ]);
    expect(await financePage.getByTestId('document-total').innerText()).toBe('£12.00');
    await financePage.goto(adminUrl('/finance'));
  });

  it('shows the pushed invoice with its platform number under Pushed', async () => {
    await financePage.click('.tabs >> text=Pushed');
    const row = financePage.locator('tr[data-document-number="SHP-7002"]');
    await row.waitFor();

    expect(await row.locator('.status .detail').innerText()).toBe('Xero INV-0042');
    expect(await row.locator('td.amount').innerText()).toBe('€12.00');
  });

  it('shows a document beyond 2^31 pence to the penny, up to the largest amount', async () => {
    // Given a pushed invoice of one line at 2^53 - 1 pence, whose VAT alone is over 2^31 pence
    const line = {
      description: 'Estate, freehold',
      sku: null,
      quantity: 1,
      unitAmountMinor: Number.MAX_SAFE_INTEGER,
      discountAmountMinor: 0,
      lineTotalMinor: Number.MAX_SAFE_INTEGER,
      taxAmountMinor: 3_000_000_450,
      accountCode: '200',
      taxType: 'OUTPUT2',
    };
    const inserted = await test?.system.pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, shopify_order_id, number, currency,
         subtotal_minor, tax_minor, total_minor, document_date, document, source, status,
         platform, platform_id, pushed_at)
       VALUES ('invoice', 'shopify:order:7004:invoice', 7004, 'SHP-7004', 'GBP',
         $1::bigint - 3000000450, 3000000450, $1, '2026-12-05', $2, '{}', 'pushed', 'xero',
         'inv-7004', now())
       RETURNING id::text`,
      [Number.MAX_SAFE_INTEGER, { lines: [line] }],
    );

    // When finance opens it
    await financePage.goto(adminUrl(`/finance/documents/${inserted?.rows[0]?.id ?? ''}`));
    await financePage.getByTestId('document-total').waitFor();

    // Then each amount reads exactly, the last penny included
    const cells = financePage.locator('table.lines tbody tr td.number');
    expect(await cells.allInnerTexts()).toEqual([
      '1',
      '£90,071,992,547,409.91',
      '£0.00',
      '£90,071,992,547,409.91',
      '£30,000,004.50',
    ]);
    const footer = financePage.locator('table.lines tfoot td.number');
    expect(await footer.allInnerTexts()).toEqual([
      '£90,071,962,547,405.41',
      '£30,000,004.50',
      '£90,071,992,547,409.91',
    ]);
  });

  it('shows a refused setting beside its field and keeps the saved value', async () => {
    // Given the settings form, with pushing paused by the platform's daily limit
    await financePage.click('nav[aria-label="Main"] >> text=Accounting');
    const salesAccount = financePage.locator('input[name="salesAccount"]');
    await salesAccount.waitFor();
    expect(await financePage.locator('.parked').innerText()).toContain('Xero daily limit reached');

    // When an account code too long for the platform is saved
    await salesAccount.fill('40000000000');
    await financePage.click('button[type="submit"]');

    // Then the field says why, and the stored code is unchanged
    const error = financePage.locator('#salesAccount-error');
    await error.waitFor();
    expect(await error.innerText()).toBe('Must be at most 10 characters');
    const stored = await test?.system.pool.query('SELECT sales_account FROM accounting_settings');
    expect(stored?.rows[0]).toEqual({ sales_account: '200' });
  });

  it('lets a viewer read invoices and settings, with nothing to retry or save', async () => {
    // Given a failed invoice, and a viewer (finance:read without finance:write) signed in
    const failed = await test?.system.pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, shopify_order_id, number, currency,
         subtotal_minor, tax_minor, total_minor, document_date, document, source, status,
         attempts, failure_reason)
       VALUES ('invoice', 'shopify:order:7003:invoice', 7003, 'SHP-7003', 'GBP', 500, 100, 600,
         '2026-12-05', '{"lines": []}', '{}', 'failed', 1, 'Xero: tax type OUTPUT9 is unknown')
       RETURNING id::text`,
    );
    const context = await test?.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context?.newPage();
    if (context === undefined || page === undefined) {
      throw new Error('no browser page');
    }
    await signIn(page, viewerEmail, viewerPassword);
    expect(await navigationLabels(page)).toEqual(['Stock', 'Invoices', 'Accounting']);

    // When they open the invoices
    await page.click('nav[aria-label="Main"] >> text=Invoices');
    const row = page.locator('tr[data-document-number="SHP-7003"]');
    await row.waitFor();

    // Then the failed invoice is there with its reason and the exceptions' count, and no Retry
    expect(await page.locator('.not-allowed').count()).toBe(0);
    expect(await row.locator('.reason').innerText()).toBe('Xero: tax type OUTPUT9 is unknown');
    expect(await page.getByTestId('exception-count').innerText()).toBe('3');
    expect(await page.locator('button', { hasText: 'Retry' }).count()).toBe(0);

    // When they open the document
    await row.locator('a', { hasText: 'SHP-7003' }).click();
    await page.getByTestId('failure-reason').waitFor();

    // Then it reads as failed, without a Retry
    expect(page.url()).toContain(`/finance/documents/${failed?.rows[0]?.id}`);
    expect(await page.locator('button', { hasText: 'Retry' }).count()).toBe(0);

    // When they open the accounting settings
    await page.click('nav[aria-label="Main"] >> text=Accounting');
    const salesAccount = page.locator('input[name="salesAccount"]');
    await salesAccount.waitFor();

    // Then the saved values read, read-only, and nothing offers to save them
    expect(await salesAccount.inputValue()).toBe('200');
    expect(await salesAccount.isDisabled()).toBe(true);
    expect(await page.getByTestId('read-only').innerText()).toContain('finance:write');
    expect(await page.locator('button[type="submit"]').count()).toBe(0);
    await context.close();
  });

  /** A pushed credit note of order `orderNumber` whose credit Xero refused to apply. */
  async function insertUnappliedCreditNote(orderNumber: number): Promise<string> {
    const inserted = await test?.system.pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, shopify_order_id, shopify_refund_id,
         number, currency, subtotal_minor, tax_minor, total_minor, document_date, document,
         source, status, platform, platform_id, platform_number, pushed_at, allocation_status,
         failure_reason)
       VALUES ('credit_note', $1, $2, $3, $4, 'GBP', 500, 100, 600, '2026-12-06',
         '{"lines": []}', '{}', 'pushed', 'xero', $5, $6, now(), 'failed',
         'Xero: the invoice is already paid')
       RETURNING id::text`,
      [
        `shopify:refund:${orderNumber + 2000}:credit_note`,
        orderNumber,
        orderNumber + 2000,
        `SHP-${orderNumber}-R1`,
        `cn-${orderNumber}`,
        `CN-${orderNumber}`,
      ],
    );
    return inserted?.rows[0]?.id ?? '';
  }

  async function allocationStatusOf(documentId: string): Promise<string | null | undefined> {
    const stored = await test?.system.pool.query<{ allocation_status: string | null }>(
      'SELECT allocation_status FROM accounting_documents WHERE id = $1',
      [documentId],
    );
    return stored?.rows[0]?.allocation_status;
  }

  it('offers finance a Retry of a pushed credit note whose credit was not applied', async () => {
    // Given two pushed credit notes whose credit Xero refused to apply to their invoices
    const listedId = await insertUnappliedCreditNote(7100);
    const openedId = await insertUnappliedCreditNote(7101);

    // When a viewer opens the pushed documents and one of them
    const context = await test?.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context?.newPage();
    if (context === undefined || page === undefined) {
      throw new Error('no browser page');
    }
    await signIn(page, viewerEmail, viewerPassword);
    await page.goto(adminUrl('/finance?status=pushed'));
    await page.locator('tr[data-document-number="SHP-7100-R1"]').waitFor();
    const viewerRetries = await page.locator('button', { hasText: 'Retry' }).count();
    await page.goto(adminUrl(`/finance/documents/${openedId}`));
    await page.getByTestId('failure-reason').waitFor();

    // Then neither offers them a Retry
    expect(viewerRetries).toBe(0);
    expect(await page.locator('button', { hasText: 'Retry' }).count()).toBe(0);
    await context.close();

    // When finance opens the pushed documents
    await financePage.goto(adminUrl('/finance?status=pushed'));
    const row = financePage.locator('tr[data-document-number="SHP-7100-R1"]');
    await row.waitFor();

    // Then the credit note says why its credit is not applied, and offers a Retry
    expect(await row.locator('.reason').innerText()).toBe(
      'Not applied to its invoice: Xero: the invoice is already paid',
    );

    // When finance retries it
    await row.locator('button', { hasText: 'Retry' }).click();

    // Then its credit is to be applied again, and the Retry is gone
    await expect.poll(() => allocationStatusOf(listedId)).toBe('pending');
    await expect.poll(() => row.locator('button', { hasText: 'Retry' }).count()).toBe(0);
    expect(await row.getAttribute('data-status')).toBe('PUSHED');

    // When finance opens the other one and retries it there
    await financePage.goto(adminUrl(`/finance/documents/${openedId}`));
    await financePage.getByTestId('failure-reason').waitFor();
    expect(await financePage.getByTestId('failure-reason').innerText()).toBe(
      'Not applied to its invoice: Xero: the invoice is already paid',
    );
    await financePage.locator('button', { hasText: 'Retry' }).click();

    // Then its credit too is to be applied again
    await expect.poll(() => allocationStatusOf(openedId)).toBe('pending');
    await expect.poll(() => financePage.locator('button', { hasText: 'Retry' }).count()).toBe(0);
  });

  it('calls a document that never built "Not built", not by its id beside the order', async () => {
    // Given an invoice of order #7102 that could not be built, so has no number
    await test?.system.pool.query(
      `INSERT INTO orders (shopify_order_id, name, order_number, currency, total_price_minor,
         financial_status, has_details)
       VALUES (7102, '#7102', 7102, 'GBP', 2199, 'paid', true)`,
    );
    const inserted = await test?.system.pool.query<{ id: string }>(
      `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id, source,
         status, attempts, failure_reason)
       VALUES ('invoice', 'shopify:order:7102:invoice',
         (SELECT id FROM orders WHERE shopify_order_id = 7102), 7102, '{}', 'failed', 1,
         'the lines of #7102 add up to 1999 minor units')
       RETURNING id::text`,
    );
    const documentId = inserted?.rows[0]?.id ?? '';

    // When finance opens the failed documents
    await financePage.goto(adminUrl('/finance'));
    const link = financePage.locator(`a[href$="/finance/documents/${documentId}"]`);
    await link.waitFor();

    // Then its number reads "Not built", its id appears only in the link, and the order is #7102
    const row = financePage.locator('tr', { has: link });
    expect(await link.innerText()).toBe('Not built');
    expect(await row.innerText()).not.toContain(`#${documentId}`);
    expect(await row.locator('td[data-label="Order"]').innerText()).toBe('#7102');

    // When it is opened
    await link.click();
    await financePage.getByTestId('failure-reason').waitFor();

    // Then its heading says the same
    expect(await financePage.locator('h1').innerText()).toBe('Invoice not built');
  });

  it('searches all statuses from the Failed tab, or offers all after a narrow one', async () => {
    // Given the list on its default Failed tab, and the pushed credit note SHP-7100-R1
    await financePage.goto(adminUrl('/finance'));
    await financePage.locator('table.documents').waitFor();

    // When finance searches for the pushed credit note
    await financePage.locator('input[name="q"]').fill('SHP-7100');
    await financePage.locator('input[name="q"]').press('Enter');

    // Then it is found, among all statuses
    const row = financePage.locator('tr[data-document-number="SHP-7100-R1"]');
    await row.waitFor();
    expect(new URL(financePage.url()).searchParams.get('status')).toBe('all');
    expect(
      await financePage.locator('.tabs a[aria-current="page"]').getAttribute('data-status'),
    ).toBe('ALL');

    // When a search is narrowed to the Failed tab, where it finds nothing
    await financePage.goto(adminUrl('/finance?status=failed&q=SHP-7100'));
    const searchAll = financePage.getByTestId('search-all');
    await searchAll.waitFor();

    // Then the list says the search was of this tab only, and searching all finds it
    expect(await financePage.locator('.empty').innerText()).toContain('this tab only');
    await searchAll.click();
    await row.waitFor();
  });

  it('says there is no such document or order for an address naming none', async () => {
    const addresses = [
      ['/finance/documents/abc', 'There is no document abc.'],
      ['/finance/documents/987654321', 'There is no document 987654321.'],
      ['/finance/orders/-1', 'There is no order -1.'],
      ['/finance/orders/987654321', 'There is no order 987654321.'],
    ];

    for (const [address, words] of addresses) {
      // When finance opens an address naming no document or order
      await financePage.goto(adminUrl(address ?? ''));

      // Then the page says so, with no error reported
      await financePage.locator('p.empty', { hasText: words ?? '' }).waitFor({ timeout: 10_000 });
      expect(await financePage.locator('[aria-busy="true"]').count()).toBe(0);
      expect(await financePage.locator('.problem').count()).toBe(0);
    }
  });

  it('offers the warehouse neither invoices nor accounting settings', async () => {
    const context = await test?.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context?.newPage();
    if (page === undefined) {
      throw new Error('no browser page');
    }

    await signIn(page, warehouseEmail, warehousePassword);
    expect(await navigationLabels(page)).toEqual(['Stock']);
    await page.goto(adminUrl('/finance'));
    await page.locator('.not-allowed').waitFor();

    expect(await page.locator('table.documents').count()).toBe(0);
    await context?.close();
  });
});
