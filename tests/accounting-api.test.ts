/**
 * Invoices and credit notes over the real HTTP API, on rows written as the push queue writes
 * them: listing with filters and pages, an order's own documents, a retry that only a failed
 * document accepts, settings that refuse bad fields one by one, and the warehouse kept away
 * from every amount. Making and pushing the documents is tested with the queue, not here.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createToken } from '../api/src/access/tokens.ts';
import { publish } from '../api/src/platform/events.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

let system: TestSystem;
let finance: string;
let financeActor: string;
let warehouse: string;

interface Answer<T> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string } }[];
}

async function ask<T>(token: string, query: string): Promise<Answer<T>> {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Answer<T>;
}

/** The documents of the two fixture orders, by what each test needs. */
const ids: Record<string, string> = {};

async function insertDocument(
  key: string,
  values: {
    kind: 'invoice' | 'credit_note';
    shopifyOrderId: string;
    refundId?: string;
    number: string;
    status: string;
    totalMinor: number;
    failureReason?: string;
  },
): Promise<void> {
  const pushed = values.status === 'pushed';
  const line = {
    description: 'Linen tea towel',
    sku: 'HL-TOWEL',
    quantity: 2,
    unitAmountMinor: values.totalMinor / 2,
    discountAmountMinor: 0,
    lineTotalMinor: values.totalMinor,
    taxAmountMinor: Math.round(values.totalMinor / 6),
    accountCode: '200',
    taxType: 'OUTPUT2',
  };
  const found = await system.pool.query<{ id: string }>(
    `INSERT INTO accounting_documents (kind, source_key, shopify_order_id, shopify_refund_id,
       number, currency, subtotal_minor, tax_minor, total_minor, document_date, document,
       source, status, attempts, failure_reason, platform, platform_id, pushed_at)
     VALUES ($1, $2, $3, $4, $5, 'GBP', $6 - $6 / 6, $6 / 6, $6, '2026-12-01', $7, '{}', $8,
       $9, $10, $11, $12, $13)
     RETURNING id::text`,
    [
      values.kind,
      `test:${key}`,
      values.shopifyOrderId,
      values.refundId ?? null,
      values.number,
      values.totalMinor,
      { lines: [line] },
      values.status,
      values.status === 'failed' ? 4 : 0,
      values.failureReason ?? null,
      pushed ? 'xero' : null,
      pushed ? `xero-${key}` : null,
      pushed ? new Date('2026-12-01T10:00:00Z') : null,
    ],
  );
  ids[key] = found.rows[0]?.id ?? '';
}

beforeAll(async () => {
  system = await startTestSystem();
  await system.deliver('orders/create', null, {
    raw: readFixture('webhooks/D01-orders-create-1041.json'),
  });
  await system.deliver('orders/create', null, {
    raw: readFixture('webhooks/D06-orders-create-1042-eur.json'),
  });
  await system.waitForProcessing();

  // Pushing is parked, so the queue leaves the seeded documents as these tests set them.
  await system.pool.query(
    `INSERT INTO accounting_connector_state (platform, parked_until, parked_reason)
     VALUES ('xero', now() + interval '1 day', 'held by the test')`,
  );

  // Oldest first: ids grow in this order, and the list shows them newest first.
  await insertDocument('invoice1041', {
    kind: 'invoice',
    shopifyOrderId: '5912345678901',
    number: 'SHP-1041',
    status: 'pushed',
    totalMinor: 4200,
  });
  await insertDocument('credit1041', {
    kind: 'credit_note',
    shopifyOrderId: '5912345678901',
    refundId: '77001',
    number: 'SHP-1041-R1',
    status: 'failed',
    totalMinor: 1200,
    failureReason: 'Xero: the invoice SHP-1041 is paid in full',
  });
  await insertDocument('invoice1042', {
    kind: 'invoice',
    shopifyOrderId: '5912345678902',
    number: 'SHP-1042',
    status: 'failed',
    totalMinor: 3600,
    failureReason: 'Xero: account code 200 is archived',
  });

  const financeToken = await createToken(system.pool, {
    name: 'finance',
    scopes: ['finance:read', 'finance:write', 'orders:read'],
  });
  finance = financeToken.token;
  financeActor = `token:${financeToken.id}`;
  warehouse = (
    await createToken(system.pool, { name: 'warehouse', scopes: ['stock:read', 'orders:read'] })
  ).token;
});

afterAll(async () => {
  await system.stopAll();
});

interface ListAnswer {
  accountingDocuments: {
    nodes: { id: string; number: string; status: string; orderName: string | null }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

const listFields = 'nodes { id number status orderName } pageInfo { hasNextPage endCursor }';

describe('accountingDocuments', () => {
  it('lists every document newest first, with the order it belongs to', async () => {
    const answer = await ask<ListAnswer>(finance, `{ accountingDocuments { ${listFields} } }`);

    expect(answer.errors).toBeUndefined();
    expect(answer.data?.accountingDocuments.nodes).toEqual([
      { id: ids.invoice1042, number: 'SHP-1042', status: 'FAILED', orderName: '#1042' },
      { id: ids.credit1041, number: 'SHP-1041-R1', status: 'FAILED', orderName: '#1041' },
      { id: ids.invoice1041, number: 'SHP-1041', status: 'PUSHED', orderName: '#1041' },
    ]);
  });

  it('filters by status, kind and a search on number or order name', async () => {
    const answer = await ask<Record<string, ListAnswer['accountingDocuments']>>(
      finance,
      `{ failed: accountingDocuments(filter: { status: FAILED }) { ${listFields} }
         credit: accountingDocuments(filter: { kind: CREDIT_NOTE }) { ${listFields} }
         byOrder: accountingDocuments(filter: { search: "#1041" }) { ${listFields} }
         byNumber: accountingDocuments(filter: { search: "shp-1042" }) { ${listFields} }
         failedInvoices: accountingDocuments(filter: { status: FAILED, kind: INVOICE }) {
           ${listFields} } }`,
    );

    const numbers = (key: string) => answer.data?.[key]?.nodes.map((node) => node.number);
    expect(answer.errors).toBeUndefined();
    expect(numbers('failed')).toEqual(['SHP-1042', 'SHP-1041-R1']);
    expect(numbers('credit')).toEqual(['SHP-1041-R1']);
    expect(numbers('byOrder')).toEqual(['SHP-1041-R1', 'SHP-1041']);
    expect(numbers('byNumber')).toEqual(['SHP-1042']);
    expect(numbers('failedInvoices')).toEqual(['SHP-1042']);
  });

  it('pages with the cursor of the last row until there is no next page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const afterArgument: string = after === null ? '' : `, after: "${after}"`;
      const answer = await ask<ListAnswer>(
        finance,
        `{ accountingDocuments(first: 2${afterArgument}) { ${listFields} } }`,
      );
      const found = answer.data?.accountingDocuments;
      seen.push(...(found?.nodes.map((node) => node.number) ?? []));
      if (found?.pageInfo.hasNextPage !== true) {
        break;
      }
      after = found.pageInfo.endCursor;
    }

    expect(seen).toEqual(['SHP-1042', 'SHP-1041-R1', 'SHP-1041']);
  });

  it('refuses a cursor it never gave out, naming the argument', async () => {
    const answer = await ask(finance, '{ accountingDocuments(after: "bm9wZQ") { nodes { id } } }');

    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(/^after: /);
  });

  it('counts documents per status', async () => {
    const answer = await ask<{ accountingDocumentCounts: { status: string; count: number }[] }>(
      finance,
      '{ accountingDocumentCounts { status count } }',
    );

    expect(answer.data?.accountingDocumentCounts).toEqual([
      { status: 'WAITING', count: 0 },
      { status: 'PENDING', count: 0 },
      { status: 'PUSHED', count: 1 },
      { status: 'FAILED', count: 2 },
      { status: 'VOID', count: 0 },
    ]);
  });
});

describe('an order and one document', () => {
  it("shows an order's invoice and credit notes", async () => {
    const answer = await ask<{
      order: {
        invoice: { number: string; status: string; total: { amountMinor: number } };
        creditNotes: { number: string; failureReason: string }[];
      };
    }>(
      finance,
      `{ order(shopifyId: "5912345678901") {
          invoice { number status total { amountMinor currency } }
          creditNotes { number failureReason } } }`,
    );

    expect(answer.errors).toBeUndefined();
    expect(answer.data?.order.invoice).toEqual({
      number: 'SHP-1041',
      status: 'PUSHED',
      total: { amountMinor: 4200, currency: 'GBP' },
    });
    expect(answer.data?.order.creditNotes).toEqual([
      { number: 'SHP-1041-R1', failureReason: 'Xero: the invoice SHP-1041 is paid in full' },
    ]);
  });

  it('reads a document with its lines and amounts', async () => {
    const answer = await ask<{ accountingDocument: unknown }>(
      finance,
      `{ accountingDocument(id: "${ids.invoice1041}") {
          kind platform platformId documentDate order { name }
          subtotal { amountMinor } tax { amountMinor }
          lines { description quantity lineTotal { amountMinor } accountCode taxType } } }`,
    );

    expect(answer.data?.accountingDocument).toEqual({
      kind: 'INVOICE',
      platform: 'XERO',
      platformId: 'xero-invoice1041',
      documentDate: '2026-12-01',
      order: { name: '#1041' },
      subtotal: { amountMinor: 3500 },
      tax: { amountMinor: 700 },
      lines: [
        {
          description: 'Linen tea towel',
          quantity: 2,
          lineTotal: { amountMinor: 4200 },
          accountCode: '200',
          taxType: 'OUTPUT2',
        },
      ],
    });
  });
});

interface RetryAnswer {
  retryAccountingDocument: {
    document: { status: string; attempts: number; failureReason: string | null } | null;
    errors: { field: string; code: string; message: string }[];
  };
}

async function retry(id: string): Promise<Answer<RetryAnswer>> {
  return ask<RetryAnswer>(
    finance,
    `mutation { retryAccountingDocument(id: "${id}") {
        document { status attempts failureReason } errors { field code message } } }`,
  );
}

/**
 * Every document's number, status and attempts. The push queue's wake-up job is not compared:
 * the worker takes it at once (and finds pushing parked), so its presence is a race; that a
 * retry reaches the platform is shown in accounting-flow.test.ts.
 */
async function documentStatuses(): Promise<unknown> {
  const found = await system.pool.query<{ documents: string }>(
    `SELECT string_agg(number || ':' || status || ':' || attempts, ',' ORDER BY id) AS documents
     FROM accounting_documents`,
  );
  return found.rows[0]?.documents;
}

describe('open accounting exceptions', () => {
  it('are read on their document, on their order and in a count, for finance', async () => {
    // Given an exception about the failed invoice of #1042, one about the credit note of #1041
    // already resolved, and pushing parked (no document)
    const raise = (values: { kind: string; documentId: string | null; status: string }) =>
      system.pool.query<{ id: string }>(
        `INSERT INTO stock_exceptions (kind, message, order_id, details, source_key, status)
         VALUES ($1, 'xero refused invoice SHP-1042: Account code 200 is archived.',
           (SELECT order_id FROM accounting_documents WHERE id::text = $2), $3, $4, $5)
         RETURNING id::text`,
        [
          values.kind,
          values.documentId,
          values.documentId === null ? {} : { documentId: values.documentId },
          `test:exception:${values.kind}:${values.documentId}`,
          values.status,
        ],
      );
    const raised = await raise({
      kind: 'ACCOUNTING_DOCUMENT_FAILED',
      documentId: ids.invoice1042 ?? '',
      status: 'open',
    });
    await raise({
      kind: 'ACCOUNTING_DOCUMENT_FAILED',
      documentId: ids.credit1041 ?? '',
      status: 'resolved',
    });
    await raise({ kind: 'ACCOUNTING_PUSH_PARKED', documentId: null, status: 'open' });
    await system.pool.query(
      `UPDATE accounting_documents d SET order_id = o.id FROM orders o
       WHERE o.shopify_order_id = d.shopify_order_id AND d.order_id IS NULL`,
    );
    const exceptionId = raised.rows[0]?.id;

    // When finance reads the documents with their exceptions, the orders, and the count
    const answer = await ask<{
      invoice: { exceptions: { id: string; kind: string }[] };
      credit: { exceptions: unknown[] };
      orders: { name: string; accountingExceptions: { id: string }[] }[];
      openExceptionCount: number;
    }>(
      finance,
      `{ invoice: accountingDocument(id: "${ids.invoice1042}") { exceptions { id kind } }
         credit: accountingDocument(id: "${ids.credit1041}") { exceptions { id } }
         orders { name accountingExceptions { id } }
         openExceptionCount(area: ACCOUNTING) }`,
    );

    // Then the invoice names its open exception, the order #1042 too, and the count has both
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.invoice.exceptions).toEqual([
      { id: exceptionId, kind: 'ACCOUNTING_DOCUMENT_FAILED' },
    ]);
    expect(answer.data?.credit.exceptions).toEqual([]);
    const byOrder = Object.fromEntries(
      (answer.data?.orders ?? []).map((order) => [order.name, order.accountingExceptions]),
    );
    expect(byOrder).toEqual({ '#1041': [], '#1042': [{ id: exceptionId }] });
    expect(answer.data?.openExceptionCount).toBe(2);
  });
});

describe('retryAccountingDocument', () => {
  it('sets a failed document back to pending, due at once', async () => {
    // Given a failed invoice, tried four times
    // When finance retries it
    const answer = await retry(ids.invoice1042 ?? '');

    // Then it is pending and due, with no attempt counted and no failure
    expect(answer.data?.retryAccountingDocument).toEqual({
      document: { status: 'PENDING', attempts: 0, failureReason: null },
      errors: [],
    });
    const stored = await system.pool.query(
      `SELECT status, failure_details, next_attempt_at <= now() AS due
       FROM accounting_documents WHERE id = $1`,
      [ids.invoice1042],
    );
    expect(stored.rows[0]).toEqual({ status: 'pending', failure_details: null, due: true });

    // And the audit trail names who retried which document, and that it succeeded
    const audited = await system.pool.query(
      `SELECT e.actor, e.input, o.outcome FROM audit_events e
       JOIN audit_outcomes o ON o.audit_event_id = e.id
       WHERE e.operation = 'retryAccountingDocument'`,
    );
    expect(audited.rows).toEqual([
      {
        actor: financeActor,
        input: { retryAccountingDocument: { id: ids.invoice1042 } },
        outcome: 'succeeded',
      },
    ]);
  });

  it('refuses a document that has not failed, naming its status, and changes nothing', async () => {
    const before = await documentStatuses();

    const answer = await retry(ids.invoice1041 ?? '');

    expect(answer.errors).toBeUndefined();
    expect(answer.data?.retryAccountingDocument.errors).toEqual([
      {
        field: 'id',
        code: 'NOT_FAILED',
        message: 'Only a failed document can be retried; SHP-1041 is pushed',
      },
    ]);
    expect(await documentStatuses()).toEqual(before);
  });

  it('refuses a malformed id as the document query does, naming the argument', async () => {
    const retried = await retry('abc');
    const read = await ask(finance, '{ accountingDocument(id: "abc") { id } }');

    for (const answer of [retried, read]) {
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/^id: "abc" is not an id/);
    }
  });

  it('answers not found for an id it never gave out', async () => {
    const answer = await retry('987654321');

    expect(answer.data?.retryAccountingDocument).toEqual({
      document: null,
      errors: [
        { field: 'id', code: 'DOCUMENT_NOT_FOUND', message: 'No accounting document 987654321' },
      ],
    });
  });
});

interface SettingsAnswer {
  updateAccountingSettings: {
    settings: { salesAccount: string; updatedBy: string; giftCardAccount: string | null } | null;
    errors: { field: string; code: string }[];
  };
}

describe('accounting settings', () => {
  it('reads the defaults, the platform and whether pushing is parked', async () => {
    await system.pool.query(
      `UPDATE accounting_connector_state
       SET parked_until = now() + interval '3 hours', parked_reason = 'Xero daily limit reached'
       WHERE platform = 'xero'`,
    );

    const answer = await ask<{ accountingSettings: Record<string, unknown> }>(
      finance,
      `{ accountingSettings { platform invoiceTrigger invoiceNumberPattern salesAccount
          taxedTaxType giftCardAccount parkedReason } }`,
    );

    expect(answer.data?.accountingSettings).toEqual({
      platform: 'XERO_SIMULATOR',
      invoiceTrigger: 'ORDERS_PAID',
      invoiceNumberPattern: 'SHP-{order_number}',
      salesAccount: '200',
      taxedTaxType: 'OUTPUT2',
      giftCardAccount: null,
      parkedReason: 'Xero daily limit reached',
    });
  });

  it('refuses each bad field by name and changes nothing', async () => {
    const before = await system.pool.query('SELECT * FROM accounting_settings');

    const answer = await ask<SettingsAnswer>(
      finance,
      `mutation { updateAccountingSettings(input: {
          salesAccount: " ", shippingAccount: "12345678901", taxedTaxType: "",
          invoiceNumberPattern: "INV-{date}", creditNoteNumberPattern: "CN-{order_number}",
          roundingAccount: "861" }) {
        settings { salesAccount } errors { field code } } }`,
    );

    expect(answer.data?.updateAccountingSettings).toEqual({
      settings: null,
      errors: [
        { field: 'salesAccount', code: 'REQUIRED' },
        { field: 'shippingAccount', code: 'TOO_LONG' },
        { field: 'taxedTaxType', code: 'REQUIRED' },
        { field: 'invoiceNumberPattern', code: 'PATTERN_INVALID' },
        { field: 'creditNoteNumberPattern', code: 'PATTERN_INVALID' },
      ],
    });
    const after = await system.pool.query('SELECT * FROM accounting_settings');
    expect(after.rows).toEqual(before.rows);
  });

  it('changes only the fields given, and records who changed them', async () => {
    const answer = await ask<SettingsAnswer>(
      finance,
      `mutation { updateAccountingSettings(input: {
          salesAccount: " 4000 ", giftCardAccount: "2150", invoiceTrigger: ORDERS_CREATE }) {
        settings { salesAccount updatedBy giftCardAccount } errors { field code } } }`,
    );

    expect(answer.data?.updateAccountingSettings).toEqual({
      settings: { salesAccount: '4000', updatedBy: financeActor, giftCardAccount: '2150' },
      errors: [],
    });
    const stored = await system.pool.query(
      'SELECT invoice_trigger, shipping_account, sales_account FROM accounting_settings',
    );
    expect(stored.rows[0]).toEqual({
      invoice_trigger: 'orders/create',
      shipping_account: '260',
      sales_account: '4000',
    });
  });
});

describe('accountingDocumentChanged', () => {
  it("tells a subscriber to one order of that order's documents only", async () => {
    // Given finance watching order #1041
    const found = await ask<{ order: { id: string } }>(
      finance,
      '{ order(shopifyId: "5912345678901") { id } }',
    );
    const client = createClient({
      url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${finance}` },
      retryAttempts: 0,
    });
    const heard = new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription { accountingDocumentChanged(orderId: "${found.data?.order.id}") {
            number status } }`,
        },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // When #1042's invoice changes, and then #1041's credit note
    await publish(system.pool, 'ACCOUNTING_DOCUMENT_CHANGED', {
      documentId: ids.invoice1042 ?? '',
      shopifyOrderId: '5912345678902',
      status: 'pending',
    });
    await publish(system.pool, 'ACCOUNTING_DOCUMENT_CHANGED', {
      documentId: ids.credit1041 ?? '',
      shopifyOrderId: '5912345678901',
      status: 'failed',
    });

    // Then the first thing heard is #1041's credit note, as it stands
    expect(await heard).toEqual({
      data: { accountingDocumentChanged: { number: 'SHP-1041-R1', status: 'FAILED' } },
    });
    await client.dispose();
  });
});

describe('the warehouse', () => {
  it('reads orders but neither their invoices nor any accounting list', async () => {
    const order = await ask<{ order: { name: string; invoice: null; creditNotes: null } }>(
      warehouse,
      '{ order(shopifyId: "5912345678901") { name invoice { number } creditNotes { number } } }',
    );
    const list = await ask(
      warehouse,
      '{ accountingDocuments { nodes { total { amountMinor } } } }',
    );

    expect(order.data?.order).toEqual({ name: '#1041', invoice: null, creditNotes: null });
    expect(order.errors?.map((error) => error.extensions?.code)).toEqual([
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
    expect(list.data).toBeNull();
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('cannot retry a document', async () => {
    const before = await documentStatuses();

    const answer = await ask(
      warehouse,
      `mutation { retryAccountingDocument(id: "${ids.credit1041}")
      { errors { code } } }`,
    );

    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await documentStatuses()).toEqual(before);
  });
});
