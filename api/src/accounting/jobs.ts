/**
 * The accounting push queue's wake-up call. Like the Shopify inbox, the job carries no list:
 * its handler takes whatever documents are due, so a wake-up lost or merged away delays a push
 * until the next sweep but never loses it.
 */
import { addJob } from '../platform/jobs.ts';
import type { Queryable } from '../platform/transaction.ts';

export const pushAccountingDocumentsTask = 'accounting-push';

/** Asks for a push soon, in the caller's transaction; many asks coalesce into one job. */
export async function wakeAccountingPush(db: Queryable, runAfterMs = 0): Promise<void> {
  await addJob(
    db,
    pushAccountingDocumentsTask,
    {},
    { jobKey: pushAccountingDocumentsTask, jobKeyMode: 'preserve_run_at', runAfterMs },
  );
}
