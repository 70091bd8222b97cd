/**
 * A person's retry of a failed document: it goes back to the push queue as if new (no attempts
 * counted, no failure, due now), the queue is woken, and subscribers hear of the change, all in
 * the caller's transaction so none of it happens unless all of it does. Any other status is
 * left alone: a pushed document is final, and a waiting or pending one is already on its way.
 *
 * Who asked is not stored on the document: the request's audit record names them.
 */
import { publish } from '../platform/events.ts';
import type { Tx } from '../platform/transaction.ts';
import { wakeAccountingPush } from './jobs.ts';

export type RetryOutcome = 'retried' | 'not_found' | 'not_failed';

export async function retryAccountingDocument(
  tx: Tx,
  documentId: string,
  _actor: string,
): Promise<RetryOutcome> {
  if (!/^\d{1,18}$/.test(documentId)) {
    return 'not_found';
  }

  const retried = await tx.query<{ shopify_order_id: string }>(
    `UPDATE accounting_documents
     SET status = 'pending', attempts = 0, failure_reason = NULL, failure_details = NULL,
       next_attempt_at = now(), updated_at = now()
     WHERE id = $1 AND status = 'failed'
     RETURNING shopify_order_id::text`,
    [documentId],
  );
  const row = retried.rows[0];
  if (row === undefined) {
    const found = await tx.query('SELECT 1 FROM accounting_documents WHERE id = $1', [documentId]);
    return found.rowCount === 0 ? 'not_found' : 'not_failed';
  }

  await publish(tx, 'ACCOUNTING_DOCUMENT_CHANGED', {
    documentId,
    shopifyOrderId: row.shopify_order_id,
    status: 'pending',
  });
  await wakeAccountingPush(tx);
  return 'retried';
}
