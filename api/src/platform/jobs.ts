/**
 * The job queue: graphile-worker on the same PostgreSQL. Jobs are added with SQL inside the
 * transaction that caused them, so a job exists exactly when its cause committed.
 */
import {
  Logger as WorkerLogger,
  run,
  runMigrations,
  type Runner,
  type TaskList,
} from 'graphile-worker';
import type pg from 'pg';

import type { Logger } from './logger.ts';
import type { Queryable } from './transaction.ts';

export interface AddJobOptions {
  /** Jobs with the same key coalesce: a pending one is replaced or extended, not duplicated. */
  jobKey?: string;
  /** 'replace' (default in graphile-worker), 'preserve_run_at' or 'unsafe_dedupe'. */
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
  runAfterMs?: number;
  maxAttempts?: number;
}

/** Adds a job in the caller's transaction. An array payload under a job key is a batch job. */
export async function addJob(
  db: Queryable,
  taskName: string,
  payload: unknown,
  options: AddJobOptions = {},
): Promise<void> {
  await db.query(
    `SELECT graphile_worker.add_job($1, $2::json, job_key := $3, job_key_mode := $4,
       run_at := now() + make_interval(secs => $5::float8 / 1000), max_attempts := $6)`,
    [
      taskName,
      JSON.stringify(payload),
      options.jobKey ?? null,
      options.jobKeyMode ?? null,
      options.runAfterMs ?? 0,
      options.maxAttempts ?? 25,
    ],
  );
}

export async function migrateJobQueue(pool: pg.Pool): Promise<void> {
  await runMigrations({ pgPool: pool });
}

export async function startJobWorker(options: {
  pool: pg.Pool;
  tasks: TaskList;
  concurrency: number;
  logger: Logger;
}): Promise<Runner> {
  return run({
    pgPool: options.pool,
    taskList: options.tasks,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(options.logger),
  });
}

/** Routes graphile-worker's own messages into the structured logger, at matching levels. */
function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta, component: 'job-worker' };
    const name: string = level;
    if (name === 'error') {
      logger.error(fields, message);
    } else if (name === 'warning') {
      logger.warn(fields, message);
    } else if (name === 'info') {
      logger.debug(fields, message);
    } else {
      logger.trace(fields, message);
    }
  });
}
