/**
 * Reading accounting documents and settings for the API, straight from their tables: a filtered
 * page of documents, one document, every document of many orders in one query, and the
 * settings with the platform's parked state. Nothing here writes.
 */
import { moneyOf } from '../finance/money.ts';
import type { Queryable } from '../platform/transaction.ts';
import {
  AccountingDocumentKind,
  AccountingDocumentStatus,
  AccountingPlatformName,
  AllocationStatus,
  InvoiceTrigger,
  PushedPlatform,
  type AccountingAlert,
  type AccountingDocument,
  type AccountingDocumentLine,
  type AccountingSettings,
  type AccountingStatusCount,
} from './graphql-types.ts';

interface DocumentRow {
  id: string;
  kind: string;
  number: string | null;
  status: string;
  order_id: string | null;
  order_name: string | null;
  shopify_order_id: string;
  shopify_refund_id: string | null;
  currency: string | null;
  subtotal_minor: string | null;
  tax_minor: string | null;
  total_minor: string | null;
  document_date: string | null;
  document: StoredDocument | null;
  alerts: StoredAlert[];
  platform: string | null;
  platform_id: string | null;
  platform_number: string | null;
  pushed_at: Date | null;
  failure_reason: string | null;
  attempts: number;
  allocation_status: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The parts of the stored document (accounting/types.ts) the API shows. */
interface StoredDocument {
  orderName?: string;
  lines?: StoredLine[];
}

interface StoredLine {
  description: string;
  sku: string | null;
  quantity: number;
  unitAmountMinor: number;
  discountAmountMinor: number;
  lineTotalMinor: number;
  taxAmountMinor: number;
  accountCode: string;
  taxType: string;
}

interface StoredAlert {
  code: string;
  message: string;
  amountMinor?: number;
}

const documentColumns = `
  d.id::text, d.kind, d.number, d.status, o.id::text AS order_id, o.name AS order_name,
  d.shopify_order_id::text, d.shopify_refund_id::text, trim(d.currency) AS currency,
  d.subtotal_minor::text, d.tax_minor::text, d.total_minor::text,
  to_char(d.document_date, 'YYYY-MM-DD') AS document_date, d.document, d.alerts, d.platform,
  d.platform_id, d.platform_number, d.pushed_at, d.failure_reason, d.attempts,
  d.allocation_status, d.created_at, d.updated_at`;

const documentsFrom = `
  accounting_documents d LEFT JOIN orders o ON o.shopify_order_id = d.shopify_order_id`;

export interface DocumentFilter {
  status?: AccountingDocumentStatus | null;
  kind?: AccountingDocumentKind | null;
  /** Part of the document's number or of the order's name, any case. */
  search?: string | null;
}

/** Documents newest first, those with an id below `beforeId` when it is given. */
export async function listDocuments(
  db: Queryable,
  filter: DocumentFilter,
  page: { limit: number; beforeId: string | null },
): Promise<AccountingDocument[]> {
  const { conditions, values } = conditionsOf(filter);
  if (page.beforeId !== null) {
    values.push(page.beforeId);
    conditions.push(`d.id < $${values.length}`);
  }

  values.push(page.limit);
  const found = await db.query<DocumentRow>(
    `SELECT ${documentColumns} FROM ${documentsFrom}
     ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     ORDER BY d.id DESC LIMIT $${values.length}`,
    values,
  );
  return found.rows.map(documentOf);
}

/** Per status, how many documents match the kind and search (the status filter aside). */
export async function countDocuments(
  db: Queryable,
  filter: DocumentFilter,
): Promise<AccountingStatusCount[]> {
  const { conditions, values } = conditionsOf({ ...filter, status: null });
  const found = await db.query<{ status: string; count: number }>(
    `SELECT d.status, count(*)::int AS count FROM ${documentsFrom}
     ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     GROUP BY d.status`,
    values,
  );
  const counted = new Map(found.rows.map((row) => [row.status, row.count]));
  return Object.values(AccountingDocumentStatus).map((status) => ({
    status,
    count: counted.get(status) ?? 0,
  }));
}

function conditionsOf(filter: DocumentFilter): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (filter.status != null) {
    values.push(filter.status);
    conditions.push(`d.status = $${values.length}`);
  }
  if (filter.kind != null) {
    values.push(filter.kind);
    conditions.push(`d.kind = $${values.length}`);
  }
  const search = filter.search?.trim() ?? '';
  if (search !== '') {
    values.push(`%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`);
    conditions.push(`(d.number ILIKE $${values.length} OR o.name ILIKE $${values.length})`);
  }
  return { conditions, values };
}

export async function findDocument(db: Queryable, id: string): Promise<AccountingDocument | null> {
  const found = await db.query<DocumentRow>(
    `SELECT ${documentColumns} FROM ${documentsFrom} WHERE d.id = $1`,
    [id],
  );
  const row = found.rows[0];
  return row === undefined ? null : documentOf(row);
}

/** Every document of the orders, oldest first, by Shopify order id. */
export async function documentsOfOrders(
  db: Queryable,
  shopifyOrderIds: readonly string[],
): Promise<Map<string, AccountingDocument[]>> {
  const found = await db.query<DocumentRow>(
    `SELECT ${documentColumns} FROM ${documentsFrom}
     WHERE d.shopify_order_id = ANY($1::bigint[]) ORDER BY d.id`,
    [shopifyOrderIds],
  );
  const byOrder = new Map<string, AccountingDocument[]>();
  for (const row of found.rows) {
    const documents = byOrder.get(row.shopify_order_id) ?? [];
    documents.push(documentOf(row));
    byOrder.set(row.shopify_order_id, documents);
  }
  return byOrder;
}

function documentOf(row: DocumentRow): AccountingDocument {
  const currency = row.currency;
  return {
    id: row.id,
    kind: row.kind as AccountingDocumentKind,
    number: row.number,
    status: row.status as AccountingDocumentStatus,
    orderId: row.order_id,
    orderName: row.order_name ?? row.document?.orderName ?? null,
    shopifyOrderId: row.shopify_order_id,
    shopifyRefundId: row.shopify_refund_id,
    currency,
    subtotal: moneyOf(row.subtotal_minor, currency),
    tax: moneyOf(row.tax_minor, currency),
    total: moneyOf(row.total_minor, currency),
    documentDate: row.document_date,
    platform: row.platform as PushedPlatform | null,
    platformId: row.platform_id,
    platformNumber: row.platform_number,
    pushedAt: row.pushed_at,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    allocationStatus: row.allocation_status as AllocationStatus | null,
    lines: row.document?.lines?.map((line) => lineOf(line, currency)) ?? null,
    alerts: row.alerts.map((alert) => alertOf(alert, currency)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function lineOf(line: StoredLine, currency: string | null): AccountingDocumentLine {
  return {
    description: line.description,
    sku: line.sku,
    quantity: line.quantity,
    unitAmount: moneyOf(line.unitAmountMinor, currency),
    discount: moneyOf(line.discountAmountMinor, currency),
    lineTotal: moneyOf(line.lineTotalMinor, currency),
    tax: moneyOf(line.taxAmountMinor, currency),
    accountCode: line.accountCode,
    taxType: line.taxType,
  };
}

function alertOf(alert: StoredAlert, currency: string | null): AccountingAlert {
  return {
    code: alert.code,
    message: alert.message,
    amount: moneyOf(alert.amountMinor, currency),
  };
}

interface SettingsRow {
  invoice_trigger: string;
  invoice_number_pattern: string;
  credit_note_number_pattern: string;
  sales_account: string;
  shipping_account: string;
  rounding_account: string;
  refund_adjustment_account: string;
  restocking_fee_account: string;
  gift_card_account: string | null;
  taxed_tax_type: string;
  untaxed_tax_type: string;
  out_of_scope_tax_type: string;
  quickbooks_taxed_tax_code: string | null;
  quickbooks_untaxed_tax_code: string | null;
  quickbooks_shipping_item: string | null;
  quickbooks_other_item: string | null;
  updated_at: Date;
  updated_by: string | null;
  parked_until: Date | null;
  parked_reason: string | null;
}

/**
 * The settings row and, for the configured platform, when pushing may resume; a parking that
 * has ended reads as none.
 */
export async function readSettings(
  db: Queryable,
  platform: AccountingPlatformName,
  now: Date = new Date(),
): Promise<AccountingSettings> {
  const stored = platform === AccountingPlatformName.QUICKBOOKS ? 'quickbooks' : 'xero';
  const found = await db.query<SettingsRow>(
    `SELECT s.*, c.parked_until, c.parked_reason
     FROM accounting_settings s
     LEFT JOIN accounting_connector_state c ON c.platform = $1 AND c.parked_until > $2
     WHERE s.id = 1`,
    [stored, now],
  );
  const row = found.rows[0];
  if (row === undefined) {
    throw new Error('accounting_settings has no row: the accounting migration did not run');
  }
  return {
    platform,
    parkedUntil: row.parked_until,
    parkedReason: row.parked_until === null ? null : row.parked_reason,
    invoiceTrigger: row.invoice_trigger as InvoiceTrigger,
    invoiceNumberPattern: row.invoice_number_pattern,
    creditNoteNumberPattern: row.credit_note_number_pattern,
    salesAccount: row.sales_account,
    shippingAccount: row.shipping_account,
    roundingAccount: row.rounding_account,
    refundAdjustmentAccount: row.refund_adjustment_account,
    restockingFeeAccount: row.restocking_fee_account,
    giftCardAccount: row.gift_card_account,
    taxedTaxType: row.taxed_tax_type,
    untaxedTaxType: row.untaxed_tax_type,
    outOfScopeTaxType: row.out_of_scope_tax_type,
    quickbooksTaxedTaxCode: row.quickbooks_taxed_tax_code,
    quickbooksUntaxedTaxCode: row.quickbooks_untaxed_tax_code,
    quickbooksShippingItem: row.quickbooks_shipping_item,
    quickbooksOtherItem: row.quickbooks_other_item,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
