/**
 * The accounting push queue: takes due invoices and credit notes, pushes them to the platform
 * through its connector, and records what the platform answered; then applies pushed credit
 * notes to their invoices.
 *
 * The platform is never called inside a database transaction. A batch is claimed (leased:
 * its next attempt is moved past the call's longest wait) and committed, the platform called,
 * and the answer recorded in a second transaction. A crash between the call and the record
 * leaves the documents pending; once the lease runs out they are pushed again with the same
 * document, so the connector's idempotency key and its adoption of a document it already made
 * keep them single on the platform.
 *
 * Invoices go before credit notes, and a credit note goes only once its invoice is pushed to
 * the same platform. Before each push a document is built again from what it was made from,
 * with the settings current then, so a mapping fixed after a refusal reaches the retry; but a
 * document sent without an answer is sent again exactly as it was, since the platform may
 * hold it already.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

import type { Task } from 'graphile-worker';
import type pg from 'pg';

import {
  raiseException,
  resolveDocumentFailures,
  resolvePlatformFailures,
} from '../ledger/exceptions.ts';
import { publishMany } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import { currencyExponent } from '../shopify/money.ts';
import { withTransaction, type Tx } from '../platform/transaction.ts';
import {
  ConnectorConfigurationError,
  ConnectorParkedError,
  ConnectorUnavailableError,
  type AccountingConnector,
  type AccountingPlatform,
  type AllocationOutcome,
  type PushOutcome,
} from './connector.ts';
import {
  buildFailureOf,
  raiseBuildFailure,
  raiseVoidOnPlatform,
  rebuildDocument,
  setStatus,
} from './intake.ts';
import { wakeAccountingPush } from './jobs.ts';
import { readAccountingSettings } from './settings.ts';
import type {
  AccountingAlert,
  AccountingSettings,
  AccountingDocument,
  CreditNoteDocument,
  InvoiceDocument,
} from './types.ts';

export interface PushQueueOptions {
  pool: pg.Pool;
  connector: AccountingConnector;
  logger: Logger;
  /**
   * How long claimed documents are held for a call in flight before another worker may take
   * them again; longer than any call waits (rate limits included). Ten minutes by default.
   */
  leaseMs?: number;
}

/** Marks documents that wait for the connection to be fixed (failure_details.code). */
const connectionFailedCode = 'CONNECTION_FAILED';

/** Credit notes applied to their invoices in one claim. */
const allocationBatchMax = 20;
const leaseMsDefault = 10 * 60_000;
/** Locks on documents last a short transaction; looking again after this finds them free. */
const skippedRetryDelayMs = 250;

type Kind = 'invoice' | 'credit_note';

interface ClaimedRow {
  id: string;
  kind: Kind;
  shopify_order_id: string;
  source: unknown;
  refund_number: number | null;
  document: AccountingDocument | null;
  idempotency_key: string | null;
  invoice_source: unknown;
  invoice_document: InvoiceDocument | null;
  invoice_platform_id: string | null;
}

interface Claimed {
  id: string;
  shopifyOrderId: string;
  document: AccountingDocument;
  invoice: { document: InvoiceDocument; platformId: string } | null;
}

/** Whether a run should go on to the next step, or stop until the platform can take calls. */
type StepResult = { handled: number; stop: boolean };

/** The graphile-worker task: pushes until nothing is due or the platform cannot take more. */
export function pushAccountingDocumentsTaskHandler(options: PushQueueOptions): Task {
  return async () => {
    await pushDueDocuments(options);
  };
}

/** Pushes whatever is due, a batch at a time, until nothing is left or the platform waits. */
export async function pushDueDocuments(options: PushQueueOptions): Promise<void> {
  for (;;) {
    if (await isParked(options.pool, options.connector.platform)) {
      return;
    }

    const invoices = await pushBatch(options, 'invoice');
    if (invoices.stop) {
      return;
    }
    const creditNotes = await pushBatch(options, 'credit_note');
    if (creditNotes.stop) {
      return;
    }
    const allocations = await allocateBatch(options);
    if (allocations.stop) {
      return;
    }

    if (invoices.handled + creditNotes.handled + allocations.handled === 0) {
      return;
    }
  }
}

async function isParked(pool: pg.Pool, platform: AccountingPlatform): Promise<boolean> {
  const parked = await pool.query(
    `SELECT 1 FROM accounting_connector_state
     WHERE platform = $1 AND parked_until > now()`,
    [platform],
  );
  return (parked.rowCount ?? 0) > 0;
}

async function pushBatch(options: PushQueueOptions, kind: Kind): Promise<StepResult> {
  const { connector, logger } = options;
  const claimed = await withTransaction(options.pool, (tx) => claimBatch(tx, kind, options));
  if (claimed.length === 0) {
    return { handled: 0, stop: false };
  }

  let outcomes: PushOutcome[];
  try {
    outcomes =
      kind === 'invoice'
        ? await connector.pushInvoices(claimed.map((each) => each.document as InvoiceDocument))
        : await connector.pushCreditNotes(
            claimed.map((each) => ({
              document: each.document as CreditNoteDocument,
              invoice: each.invoice as { document: InvoiceDocument; platformId: string },
            })),
          );
  } catch (error) {
    await recordCallFailure(options, claimed, error);
    return { handled: claimed.length, stop: true };
  }
  if (outcomes.length !== claimed.length) {
    throw new Error(
      `the ${connector.platform} connector answered ${outcomes.length} outcomes ` +
        `for ${claimed.length} documents`,
    );
  }

  await withTransaction(options.pool, async (tx) => {
    for (const [index, outcome] of outcomes.entries()) {
      const document = claimed[index];
      if (document !== undefined) {
        await recordOutcome(tx, connector.platform, document, outcome);
      }
    }
  });
  logger.info(
    {
      platform: connector.platform,
      kind,
      pushed: outcomes.filter((outcome) => outcome.status === 'pushed').length,
      refused: outcomes.filter((outcome) => outcome.status === 'refused').length,
    },
    'accounting documents pushed',
  );
  return { handled: claimed.length, stop: false };
}

/**
 * Locks due documents, builds each again with the current settings, and leases those that
 * built, all in one short transaction. A document that no longer builds is failed here.
 */
async function claimBatch(tx: Tx, kind: Kind, options: PushQueueOptions): Promise<Claimed[]> {
  const { connector } = options;
  const due = await tx.query<ClaimedRow>(
    `SELECT d.id::text, d.kind, d.shopify_order_id::text, d.source, d.refund_number,
       d.document, d.idempotency_key, i.source AS invoice_source, i.document AS invoice_document,
       i.platform_id AS invoice_platform_id
     FROM accounting_documents d
     LEFT JOIN accounting_documents i ON i.id = d.invoice_id
     WHERE d.status = 'pending' AND d.kind = $1 AND d.next_attempt_at <= now()
       AND (d.kind = 'invoice' OR (i.status = 'pushed' AND i.platform = $3))
     ORDER BY d.next_attempt_at, d.id
     LIMIT $2
     FOR UPDATE OF d SKIP LOCKED`,
    [kind, connector.batchSizeMax, connector.platform],
  );
  if (due.rows.length < connector.batchSizeMax) {
    await wakeAgainForSkipped(tx, kind, due.rows, connector.platform);
  }
  if (due.rows.length === 0) {
    return [];
  }

  const { settings } = await readAccountingSettings(tx);
  const claimed: Claimed[] = [];
  for (const row of due.rows) {
    const document = await documentToSend(tx, row, settings);
    if (document !== null) {
      claimed.push({
        id: row.id,
        shopifyOrderId: row.shopify_order_id,
        document,
        invoice:
          row.invoice_document === null || row.invoice_platform_id === null
            ? null
            : { document: row.invoice_document, platformId: row.invoice_platform_id },
      });
    }
  }

  await lease(
    tx,
    claimed.map((each) => each.id),
    options.leaseMs ?? leaseMsDefault,
  );
  await tx.query(
    `UPDATE accounting_documents d SET idempotency_key = sent.key
     FROM unnest($1::bigint[], $2::text[]) AS sent(id, key)
     WHERE d.id = sent.id`,
    [claimed.map((each) => each.id), claimed.map((each) => contentKeyOf(each.document))],
  );
  return claimed;
}

/**
 * A due document another transaction holds (an orders/create linking its invoice to the
 * order, a retry) was skipped; without another wake-up it would wait for the sweeper. The
 * plain read below does not wait for those locks, so it sees the skipped rows as they were.
 */
async function wakeAgainForSkipped(
  tx: Tx,
  kind: Kind,
  claimed: readonly { id: string }[],
  platform: AccountingPlatform,
): Promise<void> {
  const skipped = await tx.query(
    `SELECT 1 FROM accounting_documents d
     LEFT JOIN accounting_documents i ON i.id = d.invoice_id
     WHERE d.status = 'pending' AND d.kind = $1 AND d.next_attempt_at <= now()
       AND (d.kind = 'invoice' OR (i.status = 'pushed' AND i.platform = $3))
       AND d.id <> ALL($2::bigint[])
     LIMIT 1`,
    [kind, claimed.map((row) => row.id), platform],
  );
  if ((skipped.rowCount ?? 0) > 0) {
    await wakeAccountingPush(tx, skippedRetryDelayMs);
  }
}

/**
 * The document to send: the one sent last time when the platform never answered for it (it
 * may hold it already), else the document built again with the current settings. Null when
 * it no longer builds; it is then failed for a person.
 */
async function documentToSend(
  tx: Tx,
  row: ClaimedRow,
  settings: AccountingSettings,
): Promise<AccountingDocument | null> {
  if (row.idempotency_key !== null && row.document !== null) {
    return row.document;
  }

  try {
    const built = rebuildDocument(row, row.invoice_source, settings);
    // Stored as jsonb, which drops undefined fields and reorders keys: compare as stored.
    const rebuilt = JSON.parse(JSON.stringify(built.document)) as unknown;
    if (!isDeepStrictEqual(rebuilt, row.document)) {
      await setStatus(tx, row.id, row.shopify_order_id, { status: 'pending', built });
    }
    return built.document;
  } catch (error) {
    const failure = buildFailureOf(error);
    if (failure === null) {
      throw error;
    }
    await setStatus(tx, row.id, row.shopify_order_id, { status: 'failed', failure });
    await raiseBuildFailure(tx, {
      documentId: row.id,
      what: row.kind === 'invoice' ? 'invoice' : 'credit note',
      shopifyOrderId: row.shopify_order_id,
      failure,
      occurrence: `rebuilt:${Date.now()}`,
    });
    return null;
  }
}

/** A digest of the document's content as stored. */
function contentKeyOf(document: AccountingDocument): string {
  return createHash('sha256').update(JSON.stringify(document)).digest('hex');
}

async function lease(tx: Tx, documentIds: string[], leaseMs: number): Promise<void> {
  await tx.query(
    `UPDATE accounting_documents
     SET next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
     WHERE id = ANY($1::bigint[])`,
    [documentIds, leaseMs],
  );
}

async function recordOutcome(
  tx: Tx,
  platform: AccountingPlatform,
  claimed: Claimed,
  outcome: PushOutcome,
): Promise<void> {
  // An unpaid order's cancellation may have voided the document while the call was in flight.
  const current = await tx.query<{ status: string; failure_reason: string | null }>(
    'SELECT status, failure_reason FROM accounting_documents WHERE id = $1 FOR UPDATE',
    [claimed.id],
  );
  const voidedReason =
    current.rows[0]?.status === 'void' ? (current.rows[0].failure_reason ?? 'it was voided') : null;

  if (outcome.status === 'refused' && voidedReason !== null) {
    // Not on the platform, and due nowhere: it stays void.
    await tx.query(
      `UPDATE accounting_documents
       SET attempts = attempts + 1, idempotency_key = NULL, updated_at = now()
       WHERE id = $1`,
      [claimed.id],
    );
    await resolveDocumentFailures(tx, claimed.id, `${platform} refused it: it is not there`);
    return;
  }
  if (outcome.status === 'refused') {
    await tx.query(
      `UPDATE accounting_documents
       SET status = 'failed', attempts = attempts + 1, failure_reason = $2,
         failure_details = $3::jsonb, idempotency_key = NULL, updated_at = now()
       WHERE id = $1`,
      [claimed.id, outcome.reason, JSON.stringify({ platform, details: outcome.details ?? null })],
    );
    await announce(tx, [claimed], 'failed');
    await raiseException(tx, {
      kind: 'ACCOUNTING_DOCUMENT_FAILED',
      message:
        `${platform} refused ${describe(claimed.document)}: ${sentence(outcome.reason)} ` +
        'Fix the settings or the order, then retry the document.',
      orderId: await orderIdOf(tx, claimed.shopifyOrderId),
      sourceKey: `accounting:document:${claimed.id}:refused:${Date.now()}`,
      details: { documentId: claimed.id, platform, reason: outcome.reason },
    });
    return;
  }

  const { document } = claimed;
  const differenceMinor = outcome.platformTotalMinor - document.totalMinor;
  const alerts: AccountingAlert[] =
    differenceMinor === 0
      ? []
      : [
          {
            code: 'PLATFORM_TOTAL_DIFFERS',
            message:
              `${platform} shows a total of ${outcome.platformTotalMinor} minor units of ` +
              `${document.currency}; the document's total is ${document.totalMinor}`,
            amountMinor: differenceMinor,
          },
        ];
  await tx.query(
    `UPDATE accounting_documents
     SET status = 'pushed', platform = $2, platform_id = $3, platform_number = $4,
       platform_total_minor = $5, pushed_at = now(), attempts = attempts + 1,
       failure_reason = NULL, failure_details = NULL, alerts = alerts || $6::jsonb,
       allocation_status = CASE WHEN kind = 'credit_note' THEN 'pending' END,
       next_attempt_at = now(), updated_at = now()
     WHERE id = $1`,
    [
      claimed.id,
      platform,
      outcome.platformId,
      outcome.platformNumber,
      outcome.platformTotalMinor,
      JSON.stringify(alerts),
    ],
  );
  await announce(tx, [claimed], 'pushed');
  await resolveDocumentFailures(tx, claimed.id, `${describe(document)} pushed to ${platform}`);
  await resolvePlatformFailures(tx, platform, `${platform} took ${describe(document)}`);
  if (voidedReason !== null) {
    // The platform holds it: recorded as pushed, the truth, and a person voids it there.
    await raiseVoidOnPlatform(tx, claimed.id, claimed.shopifyOrderId, voidedReason);
  }
  if (differenceMinor !== 0) {
    await raiseException(tx, {
      kind: 'ACCOUNTING_TOTAL_MISMATCH',
      message:
        `${describe(document)} is ${document.totalMinor} minor units of ${document.currency} ` +
        `here and ${outcome.platformTotalMinor} on ${platform}`,
      orderId: await orderIdOf(tx, claimed.shopifyOrderId),
      sourceKey: `accounting:document:${claimed.id}:total-mismatch`,
      details: {
        documentId: claimed.id,
        platform,
        platformId: outcome.platformId,
        totalMinor: document.totalMinor,
        platformTotalMinor: outcome.platformTotalMinor,
      },
    });
  }
}

/**
 * A call that failed as a whole. Nothing is marked failed: the platform was not reachable,
 * is parked, or the connection itself is wrong, and each resolves without touching a document.
 */
async function recordCallFailure(
  options: PushQueueOptions,
  claimed: { id: string }[],
  error: unknown,
): Promise<void> {
  const { connector, logger } = options;
  const platform = connector.platform;
  const documentIds = claimed.map((each) => each.id);

  await withTransaction(options.pool, async (tx) => {
    if (error instanceof ConnectorParkedError) {
      logger.warn({ platform, until: error.until, reason: error.message }, 'pushing parked');
      await tx.query(
        `INSERT INTO accounting_connector_state (platform, parked_until, parked_reason)
         VALUES ($1, $2, $3)
         ON CONFLICT (platform) DO UPDATE
         SET parked_until = $2, parked_reason = $3, updated_at = now()`,
        [platform, error.until, error.message],
      );
      await tx.query(
        `UPDATE accounting_documents SET next_attempt_at = greatest(now(), $2)
         WHERE id = ANY($1::bigint[])`,
        [documentIds, error.until],
      );
      await raiseException(tx, {
        kind: 'ACCOUNTING_PUSH_PARKED',
        message:
          `${platform} takes no more calls until ${error.until.toISOString()} ` +
          `(${error.message}); documents wait and are pushed after that`,
        sourceKey: `accounting:${platform}:parked:${error.until.toISOString()}`,
        details: { platform, until: error.until.toISOString(), reason: error.message },
      });
      return;
    }

    const retryAfterMs =
      error instanceof ConnectorUnavailableError ? error.retryAfterMs : undefined;
    // A pending document says why it waits when a person can do something about it.
    const waitReason =
      error instanceof ConnectorConfigurationError
        ? {
            reason: `waiting for the ${platform} connection: ${error.message}`,
            details: { code: connectionFailedCode, platform },
          }
        : null;
    await tx.query(
      `UPDATE accounting_documents
       SET attempts = attempts + 1, updated_at = now(),
         next_attempt_at = now() + make_interval(secs =>
           coalesce($2::float8 / 1000, least(3600, 30 * 2 ^ least(attempts, 10)))),
         failure_reason = CASE WHEN status = 'pending' THEN $3 ELSE failure_reason END,
         failure_details = CASE WHEN status = 'pending' THEN $4::jsonb ELSE failure_details END
       WHERE id = ANY($1::bigint[])`,
      [
        documentIds,
        retryAfterMs ?? null,
        waitReason?.reason ?? null,
        waitReason === null ? null : JSON.stringify(waitReason.details),
      ],
    );

    if (error instanceof ConnectorUnavailableError) {
      logger.warn({ platform, retryAfterMs, reason: error.message }, 'platform unavailable');
    } else if (error instanceof ConnectorConfigurationError) {
      logger.error({ platform, reason: error.message }, 'accounting connection is wrong');
      await raiseException(tx, {
        kind: 'ACCOUNTING_CONNECTION_FAILED',
        message:
          `Documents cannot be pushed to ${platform}: ${error.message}. ` +
          'They wait, and are pushed once the connection is fixed.',
        sourceKey: `accounting:${platform}:configuration:${error.message.slice(0, 200)}`,
        details: { platform, reason: error.message },
      });
    } else {
      // Not one of the connector's answers: a fault, perhaps after the platform took the
      // documents. They are tried again after a pause with the same content, which the
      // connector recognises.
      logger.error({ err: error, platform, documents: documentIds.length }, 'push failed');
    }
  });
}

interface AllocationRow {
  id: string;
  shopify_order_id: string;
  document: CreditNoteDocument;
  platform_id: string;
  invoice_document: InvoiceDocument;
  invoice_platform_id: string;
}

/** Applies pushed credit notes to their invoices, one call each. */
async function allocateBatch(options: PushQueueOptions): Promise<StepResult> {
  const { connector } = options;
  const { claimed, settled } = await withTransaction(options.pool, async (tx) => {
    const due = await tx.query<AllocationRow>(
      `SELECT d.id::text, d.shopify_order_id::text, d.document, d.platform_id,
         i.document AS invoice_document, i.platform_id AS invoice_platform_id
       FROM accounting_documents d JOIN accounting_documents i ON i.id = d.invoice_id
       WHERE d.kind = 'credit_note' AND d.status = 'pushed' AND d.allocation_status = 'pending'
         AND d.platform = $1 AND d.next_attempt_at <= now()
       ORDER BY d.next_attempt_at, d.id
       LIMIT $2
       FOR UPDATE OF d SKIP LOCKED`,
      [connector.platform, allocationBatchMax],
    );
    // A credit note crediting no money (goods refunded, the amount kept) has nothing to apply,
    // and a platform asked to apply it would find no credit left on it.
    const toApply = due.rows.filter((row) => row.document.totalMinor !== 0);
    for (const row of due.rows.filter((each) => !toApply.includes(each))) {
      await recordNothingToApply(tx, row);
    }
    await lease(
      tx,
      toApply.map((row) => row.id),
      options.leaseMs ?? leaseMsDefault,
    );
    return { claimed: toApply, settled: due.rows.length - toApply.length };
  });

  for (const [index, row] of claimed.entries()) {
    let outcome: AllocationOutcome;
    try {
      outcome = await connector.allocate({
        document: row.document,
        invoice: { document: row.invoice_document, platformId: row.invoice_platform_id },
        platformId: row.platform_id,
      });
    } catch (error) {
      await recordCallFailure(options, claimed.slice(index), error);
      return { handled: settled + claimed.length, stop: true };
    }
    await withTransaction(options.pool, (tx) =>
      recordAllocation(tx, connector.platform, row, outcome),
    );
  }
  return { handled: settled + claimed.length, stop: false };
}

async function recordNothingToApply(tx: Tx, row: AllocationRow): Promise<void> {
  await tx.query(
    `UPDATE accounting_documents
     SET allocation_status = 'not_needed', allocated_minor = NULL, failure_reason = NULL,
       failure_details = NULL, updated_at = now()
     WHERE id = $1`,
    [row.id],
  );
  await announce(tx, [{ id: row.id, shopifyOrderId: row.shopify_order_id }], 'pushed');
  await resolveDocumentFailures(tx, row.id, `${describe(row.document)} credits no money`);
}

async function recordAllocation(
  tx: Tx,
  platform: AccountingPlatform,
  row: AllocationRow,
  outcome: AllocationOutcome,
): Promise<void> {
  const refused = outcome.status === 'refused';
  await tx.query(
    `UPDATE accounting_documents
     SET allocation_status = $2, allocated_minor = $3, failure_reason = $4,
       failure_details = $5::jsonb, updated_at = now()
     WHERE id = $1`,
    [
      row.id,
      refused ? 'failed' : outcome.status,
      outcome.status === 'allocated' ? outcome.allocatedMinor : null,
      refused ? outcome.reason : null,
      refused ? JSON.stringify({ platform, details: outcome.details ?? null }) : null,
    ],
  );
  await announce(tx, [{ id: row.id, shopifyOrderId: row.shopify_order_id }], 'pushed');
  if (refused) {
    await raiseException(tx, {
      kind: 'ACCOUNTING_DOCUMENT_FAILED',
      message:
        `${platform} refused to apply ${describe(row.document)} to its invoice: ` +
        `${sentence(outcome.reason)} Apply it there by hand, or retry it.`,
      orderId: await orderIdOf(tx, row.shopify_order_id),
      sourceKey: `accounting:document:${row.id}:allocation-refused:${Date.now()}`,
      details: { documentId: row.id, platform, reason: outcome.reason },
    });
    return;
  }

  const note = `${describe(row.document)} applied to its invoice on ${platform}`;
  await resolveDocumentFailures(tx, row.id, note);
  await resolvePlatformFailures(tx, platform, `${platform} took ${describe(row.document)}`);
  const appliedMinor = outcome.status === 'allocated' ? outcome.allocatedMinor : 0;
  if (appliedMinor < row.document.totalMinor) {
    await raiseCreditUnapplied(tx, platform, row, appliedMinor);
  }
}

/**
 * The platform applies no more than the invoice still owes (paid there, or credited by an
 * earlier note), so the rest of the credit stays on the customer's account on the platform,
 * where nobody here would see it. It is kept on the document and put to finance; nothing
 * here can settle it, so it stays open until a person resolves it.
 */
async function raiseCreditUnapplied(
  tx: Tx,
  platform: AccountingPlatform,
  row: AllocationRow,
  appliedMinor: number,
): Promise<void> {
  const { document } = row;
  const unappliedMinor = document.totalMinor - appliedMinor;
  const money = (amountMinor: number) => formatMinor(amountMinor, document.currency);
  const alert: AccountingAlert = {
    code: 'CREDIT_NOT_FULLY_APPLIED',
    message:
      `${platform} applied ${money(appliedMinor)} of this credit note's ` +
      `${money(document.totalMinor)} to its invoice, which owed no more: ` +
      `${money(unappliedMinor)} of credit is unapplied there`,
    amountMinor: unappliedMinor,
  };
  // An allocation made again (a retry) leaves one alert, the latest.
  await tx.query(
    `UPDATE accounting_documents
     SET alerts = coalesce((SELECT jsonb_agg(each) FROM jsonb_array_elements(alerts) each
                            WHERE each->>'code' <> $2), '[]'::jsonb) || $3::jsonb
     WHERE id = $1`,
    [row.id, alert.code, JSON.stringify([alert])],
  );
  await raiseException(tx, {
    kind: 'ACCOUNTING_CREDIT_UNAPPLIED',
    message:
      `${describe(document)} credits ${money(document.totalMinor)}, but its invoice on ` +
      `${platform} owed only ${money(appliedMinor)}: ${money(unappliedMinor)} of credit is ` +
      `unapplied there. Refund it from the platform or apply it elsewhere.`,
    orderId: await orderIdOf(tx, row.shopify_order_id),
    sourceKey: `accounting:document:${row.id}:credit-unapplied:${unappliedMinor}`,
    details: {
      documentId: row.id,
      platform,
      platformId: row.platform_id,
      totalMinor: document.totalMinor,
      appliedMinor,
      unappliedMinor,
      currency: document.currency,
    },
  });
}

/** An amount as people read it: `75.50 GBP`. */
function formatMinor(amountMinor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${sign}${whole}${fraction} ${currency}`;
}

/**
 * Makes documents held back by a wrong connection due now. Called at start: a connection is
 * fixed in the configuration, so a restart is when it may work again.
 */
export async function resumeAfterConnectionFix(
  pool: pg.Pool,
  platform: AccountingPlatform,
): Promise<number> {
  const resumed = await pool.query(
    `UPDATE accounting_documents SET next_attempt_at = now(), updated_at = now()
     WHERE status = 'pending' AND next_attempt_at > now()
       AND failure_details->>'code' = $1 AND failure_details->>'platform' = $2`,
    [connectionFailedCode, platform],
  );
  return resumed.rowCount ?? 0;
}

export type RetryOutcome = 'retried' | 'not_found' | 'not_failed';

/**
 * Sets a failed document (or a pushed credit note whose allocation failed) back to pending,
 * to be pushed again with the settings as they are now. An id that is no row id (the API
 * refuses those as bad input first) is not found.
 */
export async function retryAccountingDocument(
  tx: Tx,
  documentId: string,
  actor: string,
): Promise<RetryOutcome> {
  if (!/^\d{1,18}$/.test(documentId)) {
    return 'not_found';
  }
  const retried = await tx.query<{ shopify_order_id: string; status: string }>(
    `UPDATE accounting_documents
     SET status = CASE WHEN status = 'failed' THEN 'pending' ELSE status END,
       allocation_status = CASE WHEN status = 'pushed' THEN 'pending' ELSE allocation_status END,
       attempts = 0, next_attempt_at = now(), failure_reason = NULL, failure_details = NULL,
       retried_by = $2, updated_at = now()
     WHERE id = $1 AND (status = 'failed' OR (status = 'pushed' AND allocation_status = 'failed'))
     RETURNING shopify_order_id::text, status`,
    [documentId, actor],
  );
  const row = retried.rows[0];
  if (row === undefined) {
    const exists = await tx.query('SELECT 1 FROM accounting_documents WHERE id = $1', [documentId]);
    return exists.rowCount === 0 ? 'not_found' : 'not_failed';
  }

  // A retry that fails again raises its own exception: the earlier ones are settled here.
  await resolveDocumentFailures(tx, documentId, `retried by ${actor}`);
  await announce(tx, [{ id: documentId, shopifyOrderId: row.shopify_order_id }], row.status);
  await wakeAccountingPush(tx);
  return 'retried';
}

/**
 * Wakes the push task when documents are due and nobody is looking at them: a wake-up lost in
 * the queue, a retry pause or a parking that ended, a lease that ran out after a crash.
 */
export function startAccountingSweeper(
  pool: pg.Pool,
  platform: AccountingPlatform,
  logger: Logger,
  intervalMs = 2000,
) {
  const timer = setInterval(() => {
    sweep(pool, platform).catch((error: unknown) =>
      logger.warn({ err: error }, 'accounting sweep failed'),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function sweep(pool: pg.Pool, platform: AccountingPlatform): Promise<void> {
  const due = await pool.query(
    `SELECT 1 FROM accounting_documents d
     WHERE d.next_attempt_at <= now() - interval '1 second'
       AND ((d.status = 'pending' AND (d.kind = 'invoice' OR EXISTS (
              SELECT 1 FROM accounting_documents i
              WHERE i.id = d.invoice_id AND i.status = 'pushed' AND i.platform = $1)))
         OR (d.status = 'pushed' AND d.allocation_status = 'pending' AND d.platform = $1))
       AND NOT EXISTS (SELECT 1 FROM accounting_connector_state s
                       WHERE s.platform = $1 AND s.parked_until > now())
     LIMIT 1`,
    [platform],
  );
  if ((due.rowCount ?? 0) > 0) {
    await wakeAccountingPush(pool);
  }
}

async function announce(
  tx: Tx,
  documents: { id: string; shopifyOrderId: string }[],
  status: string,
): Promise<void> {
  await publishMany(
    tx,
    documents.map((document) => ({
      topic: 'ACCOUNTING_DOCUMENT_CHANGED' as const,
      payload: { documentId: document.id, shopifyOrderId: document.shopifyOrderId, status },
    })),
  );
}

async function orderIdOf(tx: Tx, shopifyOrderId: string): Promise<string | null> {
  const found = await tx.query<{ id: string }>(
    'SELECT id::text FROM orders WHERE shopify_order_id = $1',
    [shopifyOrderId],
  );
  return found.rows[0]?.id ?? null;
}

function describe(document: AccountingDocument): string {
  return `${document.kind === 'invoice' ? 'invoice' : 'credit note'} ${document.number}`;
}

/** A platform's words ended with one full stop, whether or not they brought their own. */
function sentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`;
}
