/**
 * Invoices and credit notes made from Shopify deliveries, inside the transaction that
 * processes the delivery, so a document exists exactly when its delivery was processed.
 *
 * Each document has a source key (`shopify:order:<id>:invoice`, `shopify:refund:<id>:credit_note`)
 * and is inserted once: a replayed delivery, an `orders/cancelled` carrying a refund that
 * `refunds/create` also brings, or deliveries in any order make one document each. A body that
 * cannot be built into a faithful document is kept as a failed document with the reason, for a
 * person, and never fails its delivery; a later delivery bringing another body for a failed
 * document that never reached the platform replaces it, and the document is tried again.
 * Pushing is the queue's work (push.ts).
 */
import { raiseException, resolveDocumentFailures } from '../ledger/exceptions.ts';
import { publish } from '../platform/events.ts';
import type { Tx } from '../platform/transaction.ts';
import { PayloadError } from '../shopify/payloads.ts';
import {
  buildCreditNote,
  buildInvoice,
  parseAccountingOrder,
  parseAccountingRefund,
} from './documents.ts';
import { wakeAccountingPush } from './jobs.ts';
import { readAccountingSettings, type InvoiceTrigger } from './settings.ts';
import {
  AccountingDocumentError,
  type AccountingDocument,
  type AccountingSettings,
  type BuiltDocument,
} from './types.ts';

/** What a delivery did to the accounting documents, for the delivery's result. */
export interface IntakeResult {
  /** `rebuilt`: a failed invoice takes this delivery's body and is tried again. */
  invoice?: 'made' | 'failed' | 'void' | 'exists' | 'rebuilt' | 'not-confirmed';
  creditNotes?: number;
}

export type DocumentStatus = 'waiting' | 'pending' | 'pushed' | 'failed' | 'void';

/** Why a document could not be built: what a person reads, and where in the body. */
export interface BuildFailure {
  reason: string;
  details: { code: string; field: string | null };
}

export function invoiceSourceKey(shopifyOrderId: string): string {
  return `shopify:order:${shopifyOrderId}:invoice`;
}

export function creditNoteSourceKey(shopifyRefundId: string): string {
  return `shopify:refund:${shopifyRefundId}:credit_note`;
}

/**
 * An order was confirmed by `topic` (`orders/paid`, or `orders/create` when the shop invoices
 * at creation). Makes its invoice if none exists and this topic is the shop's trigger, or is
 * `orders/paid`: a paid order is confirmed under either trigger, whether its orders/create was
 * lost or came while the shop invoiced at payment.
 */
export async function recordOrderConfirmed(
  tx: Tx,
  topic: InvoiceTrigger,
  body: unknown,
): Promise<IntakeResult> {
  const [result] = await recordOrdersConfirmed(tx, topic, [body]);
  return result ?? {};
}

/**
 * As recordOrderConfirmed for many orders at once (a batch of orders/create): when the topic
 * is not the shop's trigger, it costs two statements whatever the number of orders.
 */
export async function recordOrdersConfirmed(
  tx: Tx,
  topic: InvoiceTrigger,
  bodies: unknown[],
): Promise<IntakeResult[]> {
  const shopifyOrderIds = bodies.map((body) => String((body as { id: string | number }).id));
  await linkToOrders(tx, shopifyOrderIds);
  const { settings, invoiceTrigger } = await readAccountingSettings(tx);
  if (topic !== invoiceTrigger && topic !== 'orders/paid') {
    return bodies.map(() => ({ invoice: 'not-confirmed' }));
  }

  // In one fixed order, so that two batches sharing orders cannot wait on each other.
  for (const shopifyOrderId of [...new Set(shopifyOrderIds)].sort()) {
    await lockOrder(tx, shopifyOrderId);
  }
  const results: IntakeResult[] = [];
  for (const body of bodies) {
    results.push({ invoice: await ensureInvoice(tx, body, settings) });
  }
  return results;
}

/**
 * An order was cancelled. Before it was confirmed (no invoice, and no money was ever taken)
 * its invoice is recorded as void, so that a late `orders/paid` makes none. After, or when the
 * body shows money was taken, its invoice is made if still missing (built from this body) and
 * each refund the cancellation carries gets its credit note.
 */
export async function recordOrderCancelled(tx: Tx, body: unknown): Promise<IntakeResult> {
  const order = body as {
    id: string | number;
    name?: string;
    financial_status?: string | null;
    refunds?: unknown[];
  };
  const shopifyOrderId = String(order.id);
  await lockOrder(tx, shopifyOrderId);
  const { settings } = await readAccountingSettings(tx);
  // Locked: a push recording its outcome for this invoice meanwhile is waited for and seen.
  const existing = await findBySourceKey(tx, invoiceSourceKey(shopifyOrderId), { lock: true });
  const refunds = Array.isArray(order.refunds) ? order.refunds : [];

  const unpaid = !moneyWasTaken(order.financial_status ?? null, refunds);
  const reason =
    `order ${order.name ?? shopifyOrderId} was cancelled before any money was taken ` +
    `(financial status ${order.financial_status ?? 'unknown'}): no invoice is due`;
  if (existing !== null && unpaid) {
    return { invoice: await voidUnpaidInvoice(tx, existing, shopifyOrderId, reason) };
  }
  if (existing === null && unpaid) {
    const inserted = await insertDocument(tx, {
      kind: 'invoice',
      sourceKey: invoiceSourceKey(shopifyOrderId),
      shopifyOrderId,
      shopifyRefundId: null,
      source: body,
      status: 'void',
      failure: { reason, details: { code: 'CANCELLED_BEFORE_CONFIRMATION', field: null } },
    });
    return { invoice: inserted === null ? 'exists' : 'void' };
  }

  const invoice =
    existing === null
      ? await ensureInvoice(tx, body, settings)
      : await takeNewSource(tx, invoiceSourceKey(shopifyOrderId), body);
  let creditNotes = 0;
  for (const refund of refunds) {
    if (await recordRefundWith(tx, refund, settings)) {
      creditNotes += 1;
    }
  }
  return { invoice, creditNotes };
}

/**
 * An invoice made at orders/create for an order then cancelled unpaid. Not pushed yet, it is
 * voided; if it was sent and the platform's answer is not known (in flight, or lost), a person
 * is asked to look there until the push records what the platform said. Already pushed, it
 * stands on the platform with nothing to credit it (Shopify makes no refund when no money
 * moved): a person is asked to void it there.
 */
async function voidUnpaidInvoice(
  tx: Tx,
  invoice: { id: string; status: DocumentStatus; sent: boolean },
  shopifyOrderId: string,
  reason: string,
): Promise<'void' | 'exists'> {
  if (invoice.status === 'pending' || invoice.status === 'failed') {
    await setStatus(tx, invoice.id, shopifyOrderId, {
      status: 'void',
      failure: { reason, details: { code: 'CANCELLED_BEFORE_CONFIRMATION', field: null } },
    });
    if (invoice.sent) {
      await raiseVoidOnPlatform(tx, invoice.id, shopifyOrderId, reason, 'maybe');
    }
    return 'void';
  }
  if (invoice.status === 'pushed') {
    await raiseVoidOnPlatform(tx, invoice.id, shopifyOrderId, reason);
  }
  return 'exists';
}

/**
 * An invoice on the platform for an order cancelled before any money was taken (`reason`):
 * nothing here can take it back, so a person is asked to void it there. `maybe` when it was
 * sent and the platform's answer is not known: only the platform knows whether it holds it.
 */
export async function raiseVoidOnPlatform(
  tx: Tx,
  documentId: string,
  shopifyOrderId: string,
  reason: string,
  onPlatform: 'certainly' | 'maybe' = 'certainly',
): Promise<void> {
  const order = await tx.query<{ id: string }>(
    'SELECT id::text FROM orders WHERE shopify_order_id = $1',
    [shopifyOrderId],
  );
  const certain = onPlatform === 'certainly';
  const message = certain
    ? `The invoice is already on the accounting platform, but ${reason}: void it there`
    : `The invoice may be on the accounting platform (it was sent, and the platform's answer ` +
      `is not known), but ${reason}: if it is there, void it there`;
  await raiseException(tx, {
    // A pushed invoice did not fail: it is there, and has to go. The doubt is a failure of
    // the push, settled with the others once the platform answers.
    kind: certain ? 'ACCOUNTING_INVOICE_TO_VOID' : 'ACCOUNTING_DOCUMENT_FAILED',
    message,
    orderId: order.rows[0]?.id ?? null,
    // Once the platform answers, the push resolves the `maybe` (a document failure) for good.
    sourceKey: certain
      ? `accounting:document:${documentId}:cancelled-unpaid`
      : `accounting:document:${documentId}:maybe-on-platform:cancelled-unpaid`,
    details: { documentId, shopifyOrderId },
  });
}

/** A refund was made: its credit note, now or once its order's invoice exists. */
export async function recordRefund(tx: Tx, body: unknown): Promise<IntakeResult> {
  await lockOrder(tx, String((body as { order_id: string | number }).order_id));
  const { settings } = await readAccountingSettings(tx);
  const made = await recordRefundWith(tx, body, settings);
  return { creditNotes: made ? 1 : 0 };
}

/**
 * Builds a document again from what it was made from, with `settings` as they are now. The
 * push queue calls it before each push, so a fixed mapping reaches documents not pushed yet.
 */
export function rebuildDocument(
  row: {
    kind: 'invoice' | 'credit_note';
    source: unknown;
    refund_number: number | null;
  },
  invoiceSource: unknown,
  settings: AccountingSettings,
): BuiltDocument<AccountingDocument> {
  if (row.kind === 'invoice') {
    return buildInvoice(parseAccountingOrder(row.source), settings);
  }
  return buildCreditNote(
    parseAccountingRefund(row.source),
    parseAccountingOrder(invoiceSource),
    row.refund_number ?? 1,
    settings,
  );
}

/** Why building failed, or null when `error` is not a fault of the body or the settings. */
export function buildFailureOf(error: unknown): BuildFailure | null {
  if (error instanceof AccountingDocumentError) {
    const where = error.field === '' ? '' : ` (at ${error.field})`;
    return {
      reason: `${error.message}${where}`,
      details: { code: error.code, field: error.field },
    };
  }
  if (error instanceof PayloadError) {
    return { reason: error.message, details: { code: 'PAYLOAD_INVALID', field: null } };
  }
  return null;
}

/**
 * Holds the order's documents for this transaction. Without it, a payment and a refund of one
 * order processed side by side would each miss the other's uncommitted row: the credit note
 * would wait for an invoice that never looks for it, or two refunds would take one number.
 */
async function lockOrder(tx: Tx, shopifyOrderId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('accounting:order:' || $1, 0))", [
    shopifyOrderId,
  ]);
}

/**
 * Points the orders' documents at their rows in `orders`, once the orders are known there: a
 * payment or a refund may arrive before the order's own orders/create.
 */
async function linkToOrders(tx: Tx, shopifyOrderIds: string[]): Promise<void> {
  await tx.query(
    `UPDATE accounting_documents d SET order_id = o.id
     FROM orders o
     WHERE d.shopify_order_id = ANY($1::bigint[]) AND d.order_id IS NULL
       AND o.shopify_order_id = d.shopify_order_id`,
    [shopifyOrderIds],
  );
}

/** Money was taken when a refund paid some back, or the order's status says it was paid. */
function moneyWasTaken(financialStatus: string | null, refunds: unknown[]): boolean {
  const refunded = refunds.some((refund) => {
    const transactions = (refund as { transactions?: unknown }).transactions;
    return (
      Array.isArray(transactions) &&
      transactions.some((transaction) => {
        const { kind, status } = transaction as { kind?: unknown; status?: unknown };
        return kind === 'refund' && status === 'success';
      })
    );
  });
  const neverPaid = ['voided', 'pending', 'expired', null].includes(financialStatus);
  return refunded || !neverPaid;
}

async function ensureInvoice(
  tx: Tx,
  body: unknown,
  settings: AccountingSettings,
): Promise<'made' | 'failed' | 'exists' | 'rebuilt'> {
  const shopifyOrderId = String((body as { id: string | number }).id);
  const sourceKey = invoiceSourceKey(shopifyOrderId);
  let built: BuiltDocument<AccountingDocument> | null = null;
  let failure: BuildFailure | null = null;
  try {
    built = buildInvoice(parseAccountingOrder(body), settings);
  } catch (error) {
    failure = buildFailureOf(error);
    if (failure === null) {
      throw error;
    }
  }

  const inserted = await insertDocument(tx, {
    kind: 'invoice',
    sourceKey,
    shopifyOrderId,
    shopifyRefundId: null,
    source: body,
    status: built === null ? 'failed' : 'pending',
    built,
    failure,
  });
  if (inserted === null) {
    return takeNewSource(tx, sourceKey, body);
  }

  if (failure !== null) {
    await raiseBuildFailure(tx, {
      documentId: inserted,
      what: 'invoice',
      shopifyOrderId,
      failure,
      occurrence: 'built',
    });
  }
  await settleWaitingCreditNotes(tx, shopifyOrderId, settings);
  return failure === null ? 'made' : 'failed';
}

/** Answers whether this call made the credit note (false: it already existed). */
async function recordRefundWith(
  tx: Tx,
  body: unknown,
  settings: AccountingSettings,
): Promise<boolean> {
  const refund = body as { id: string | number; order_id: string | number };
  const inserted = await insertDocument(tx, {
    kind: 'credit_note',
    sourceKey: creditNoteSourceKey(String(refund.id)),
    shopifyOrderId: String(refund.order_id),
    shopifyRefundId: String(refund.id),
    source: body,
    status: 'waiting',
  });
  if (inserted === null) {
    await takeNewSource(tx, creditNoteSourceKey(String(refund.id)), body);
    return false;
  }
  await settleWaitingCreditNotes(tx, String(refund.order_id), settings);
  return true;
}

/**
 * A failed document that never reached the platform (never sent, or refused) takes `body` when
 * it differs from the one it was made from: a corrected body re-sent from Shopify, or a later
 * state of the order. It is pending again, built from `body` at its push, and the exceptions
 * about its earlier failure are resolved; should it fail again, a new one is raised.
 */
async function takeNewSource(
  tx: Tx,
  sourceKey: string,
  body: unknown,
): Promise<'rebuilt' | 'exists'> {
  const taken = await tx.query<{ id: string; shopify_order_id: string }>(
    `UPDATE accounting_documents
     SET source = $2::jsonb, status = 'pending', attempts = 0, next_attempt_at = now(),
       failure_reason = NULL, failure_details = NULL, updated_at = now()
     WHERE source_key = $1 AND status = 'failed' AND idempotency_key IS NULL
       AND platform_id IS NULL AND source IS DISTINCT FROM $2::jsonb
     RETURNING id::text, shopify_order_id::text`,
    [sourceKey, JSON.stringify(body)],
  );
  const row = taken.rows[0];
  if (row === undefined) {
    return 'exists';
  }

  await resolveDocumentFailures(tx, row.id, 'a new body from Shopify replaced the failed one');
  await publish(tx, 'ACCOUNTING_DOCUMENT_CHANGED', {
    documentId: row.id,
    shopifyOrderId: row.shopify_order_id,
    status: 'pending',
  });
  await wakeAccountingPush(tx);
  return 'rebuilt';
}

interface WaitingRow {
  id: string;
  source: unknown;
  refund_number: number | null;
}

/**
 * Builds the order's waiting credit notes once its invoice exists, in the order they arrived,
 * each numbered by its position among the order's credit notes. A void invoice voids them.
 */
async function settleWaitingCreditNotes(
  tx: Tx,
  shopifyOrderId: string,
  settings: AccountingSettings,
): Promise<void> {
  const invoice = await findBySourceKey(tx, invoiceSourceKey(shopifyOrderId));
  if (invoice === null) {
    return;
  }
  const waiting = await tx.query<WaitingRow>(
    `SELECT id::text, source, refund_number FROM accounting_documents
     WHERE kind = 'credit_note' AND shopify_order_id = $1 AND status = 'waiting'
     ORDER BY id FOR UPDATE`,
    [shopifyOrderId],
  );

  for (const row of waiting.rows) {
    if (invoice.status === 'void') {
      await setStatus(tx, row.id, shopifyOrderId, {
        status: 'void',
        invoiceId: invoice.id,
        failure: {
          reason: 'its order was cancelled before it was confirmed: there is no invoice to credit',
          details: { code: 'CANCELLED_BEFORE_CONFIRMATION', field: null },
        },
      });
      continue;
    }
    await buildWaitingCreditNote(tx, row, invoice, shopifyOrderId, settings);
  }
}

async function buildWaitingCreditNote(
  tx: Tx,
  row: WaitingRow,
  invoice: { id: string; source: unknown },
  shopifyOrderId: string,
  settings: AccountingSettings,
): Promise<void> {
  const position = await tx.query<{ number: number }>(
    `SELECT count(*)::int + 1 AS number FROM accounting_documents
     WHERE kind = 'credit_note' AND shopify_order_id = $1 AND id < $2`,
    [shopifyOrderId, row.id],
  );
  const refundNumber = row.refund_number ?? position.rows[0]?.number ?? 1;

  try {
    const built = rebuildDocument(
      { kind: 'credit_note', source: row.source, refund_number: refundNumber },
      invoice.source,
      settings,
    );
    await setStatus(tx, row.id, shopifyOrderId, {
      status: 'pending',
      invoiceId: invoice.id,
      refundNumber,
      built,
    });
    await wakeAccountingPush(tx);
  } catch (error) {
    const failure = buildFailureOf(error);
    if (failure === null) {
      throw error;
    }
    await setStatus(tx, row.id, shopifyOrderId, {
      status: 'failed',
      invoiceId: invoice.id,
      refundNumber,
      failure,
    });
    await raiseBuildFailure(tx, {
      documentId: row.id,
      what: 'credit note',
      shopifyOrderId,
      failure,
      occurrence: 'built',
    });
  }
}

interface FoundDocument {
  id: string;
  status: DocumentStatus;
  source: unknown;
  /** Sent to the platform, which has not answered for it yet. */
  sent: boolean;
}

async function findBySourceKey(
  tx: Tx,
  sourceKey: string,
  options: { lock?: boolean } = {},
): Promise<FoundDocument | null> {
  const found = await tx.query<FoundDocument>(
    `SELECT id::text, status, source, idempotency_key IS NOT NULL AS sent
     FROM accounting_documents WHERE source_key = $1` +
      (options.lock === true ? ' FOR UPDATE' : ''),
    [sourceKey],
  );
  return found.rows[0] ?? null;
}

interface NewDocument {
  kind: 'invoice' | 'credit_note';
  sourceKey: string;
  shopifyOrderId: string;
  shopifyRefundId: string | null;
  source: unknown;
  status: DocumentStatus;
  built?: BuiltDocument<AccountingDocument> | null;
  failure?: BuildFailure | null;
}

/** Inserts a document once per source key; answers its id, or null when it already existed. */
async function insertDocument(tx: Tx, document: NewDocument): Promise<string | null> {
  const built = document.built?.document ?? null;
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id,
       shopify_refund_id, number, currency, subtotal_minor, tax_minor, total_minor,
       document_date, document, source, alerts, status, failure_reason, failure_details)
     VALUES ($1, $2, (SELECT id FROM orders WHERE shopify_order_id = $3), $3, $4, $5, $6, $7,
       $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (source_key) DO NOTHING
     RETURNING id::text`,
    [
      document.kind,
      document.sourceKey,
      document.shopifyOrderId,
      document.shopifyRefundId,
      built?.number ?? null,
      built?.currency ?? null,
      built?.subtotalMinor ?? null,
      built?.taxMinor ?? null,
      built?.totalMinor ?? null,
      built?.date ?? null,
      built === null ? null : JSON.stringify(built),
      JSON.stringify(document.source),
      JSON.stringify(document.built?.alerts ?? []),
      document.status,
      document.failure?.reason ?? null,
      document.failure === undefined || document.failure === null
        ? null
        : JSON.stringify(document.failure.details),
    ],
  );
  const id = inserted.rows[0]?.id ?? null;
  if (id === null) {
    return null;
  }

  await publish(tx, 'ACCOUNTING_DOCUMENT_CHANGED', {
    documentId: id,
    shopifyOrderId: document.shopifyOrderId,
    status: document.status,
  });
  if (document.status === 'pending') {
    await wakeAccountingPush(tx);
  }
  return id;
}

interface StatusChange {
  status: DocumentStatus;
  invoiceId?: string;
  refundNumber?: number;
  built?: BuiltDocument<AccountingDocument>;
  failure?: BuildFailure;
}

/** Changes a document that is not pushed: its status, what it now says, or why it failed. */
export async function setStatus(
  tx: Tx,
  documentId: string,
  shopifyOrderId: string,
  change: StatusChange,
): Promise<void> {
  const built = change.built?.document ?? null;
  await tx.query(
    `UPDATE accounting_documents SET status = $2,
       invoice_id = coalesce($3::bigint, invoice_id),
       refund_number = coalesce($4::int, refund_number),
       number = CASE WHEN $5::jsonb IS NULL THEN number ELSE $5::jsonb->>'number' END,
       currency = coalesce($5::jsonb->>'currency', currency),
       subtotal_minor = coalesce(($5::jsonb->>'subtotalMinor')::bigint, subtotal_minor),
       tax_minor = coalesce(($5::jsonb->>'taxMinor')::bigint, tax_minor),
       total_minor = coalesce(($5::jsonb->>'totalMinor')::bigint, total_minor),
       document_date = coalesce(($5::jsonb->>'date')::date, document_date),
       document = coalesce($5::jsonb, document),
       alerts = coalesce($6::jsonb, alerts),
       failure_reason = $7, failure_details = $8::jsonb, updated_at = now()
     WHERE id = $1`,
    [
      documentId,
      change.status,
      change.invoiceId ?? null,
      change.refundNumber ?? null,
      built === null ? null : JSON.stringify(built),
      change.built === undefined ? null : JSON.stringify(change.built.alerts),
      change.failure?.reason ?? null,
      change.failure === undefined ? null : JSON.stringify(change.failure.details),
    ],
  );
  await publish(tx, 'ACCOUNTING_DOCUMENT_CHANGED', {
    documentId,
    shopifyOrderId,
    status: change.status,
  });
}

/** A document that cannot be built is shown to a person, attached to its order. */
export async function raiseBuildFailure(
  tx: Tx,
  problem: {
    documentId: string;
    what: 'invoice' | 'credit note';
    shopifyOrderId: string;
    failure: BuildFailure;
    /** Distinguishes this occurrence from earlier ones of the same document. */
    occurrence: string;
  },
): Promise<void> {
  const { documentId, shopifyOrderId, failure } = problem;
  const order = await tx.query<{ id: string; name: string }>(
    'SELECT id::text, name FROM orders WHERE shopify_order_id = $1',
    [shopifyOrderId],
  );
  const orderName = order.rows[0]?.name ?? `Shopify order ${shopifyOrderId}`;
  await raiseException(tx, {
    kind: 'ACCOUNTING_DOCUMENT_FAILED',
    message: `The ${problem.what} for ${orderName} could not be made: ${failure.reason}`,
    orderId: order.rows[0]?.id ?? null,
    sourceKey: `accounting:document:${documentId}:failed:${problem.occurrence}`,
    details: { documentId, shopifyOrderId, ...failure.details },
  });
}
