/**
 * Waiting for the system to finish what a sale started: every delivery processed, every job
 * run. The wait for deliveries, which ends the sale's clock, polls on a connection of its own
 * so that a busy system pool cannot hold it up.
 *
 * Leaves out: the sweeper and the retry pauses inside the system; a delivery the system parks
 * for a later attempt is simply still waiting here, and the caller's deadline decides.
 */
import pg from 'pg';

import { clockMs } from './statistics.ts';

const deliveryPollIntervalMs = 10;
const jobPollIntervalMs = 50;

/**
 * Polls on a connection of its own until `expected` orders/create deliveries are stored and
 * none is waiting. Answers when that was seen (clockMs), or null at the deadline, with how
 * many were still waiting then.
 */
export async function waitForDeliveries(databaseUrl: string, expected: number, deadlineMs: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();

  try {
    let waiting = expected;
    while (clockMs() < deadlineMs) {
      const found = await client.query<{ stored: number; waiting: number }>(
        `SELECT count(*)::int AS stored,
           count(*) FILTER (WHERE status = 'accepted')::int AS waiting
         FROM webhook_deliveries WHERE topic = 'orders/create'`,
      );
      const row = found.rows[0];
      waiting = (row?.waiting ?? 0) + Math.max(0, expected - (row?.stored ?? 0));
      if (waiting === 0) {
        return { doneAtMs: clockMs(), waiting };
      }
      await sleep(deliveryPollIntervalMs);
    }
    return { doneAtMs: null, waiting };
  } finally {
    await client.end();
  }
}

/**
 * Waits until no job is queued or running. A job that has used up its attempts stays in the
 * queue but will never run again; it is counted apart (readFailedJobs), not waited for.
 */
export async function waitUntilIdle(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  const deadlineMs = clockMs() + timeoutMs;
  while (clockMs() < deadlineMs) {
    const found = await pool.query<{ jobs: number }>(
      `SELECT count(*)::int AS jobs FROM graphile_worker.jobs
       WHERE attempts < max_attempts OR locked_at IS NOT NULL`,
    );
    if (found.rows[0]?.jobs === 0) {
      return true;
    }
    await sleep(jobPollIntervalMs);
  }
  return false;
}

/** The jobs left in the queue, for an error message. */
export async function describeJobs(pool: pg.Pool): Promise<string> {
  const found = await pool.query<Record<string, unknown>>(
    `SELECT task_identifier AS task, key, attempts, max_attempts, run_at, locked_at,
       left(last_error, 300) AS last_error
     FROM graphile_worker.jobs ORDER BY id LIMIT 10`,
  );
  const waiting = await pool.query<{ count: number; ids: string[] }>(
    `SELECT count(*)::int AS count, (array_agg(id::text ORDER BY id))[1:10] AS ids
     FROM webhook_deliveries WHERE status = 'accepted'`,
  );
  return JSON.stringify({ jobs: found.rows, waitingDeliveries: waiting.rows[0] });
}

function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}
