/**
 * A stand-in for pg_stat_statements while profiling: times every statement a pool's
 * connections send, attributes the ones sent from inside a webhook batch to that batch, and
 * times each batch from start to commit.
 *
 * Leaves out: time spent waiting for a connection from the pool, and server-side detail (lock
 * waits, plans). A statement's time here is its round trip as the client sees it, lock waits
 * and all; EXPLAIN ANALYZE is the tool for what happens inside one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import type { Task } from 'graphile-worker';
import type pg from 'pg';

import { percentile, round } from './statistics.ts';

export interface StatementTiming {
  /** The statement's text, whitespace folded, cut to its first characters. */
  statement: string;
  calls: number;
  totalMs: number;
  meanMs: number;
}

export interface ProfileFigures {
  batches: number;
  /** Deliveries in a batch job's payload. */
  batchSizeMean: number;
  batchMsP50: number;
  batchMsMax: number;
  /** Sum of batch durations; above the sale's elapsed time when batches overlap. */
  batchMsTotal: number;
  roundTripsPerBatchMean: number;
  /** Statements sent inside batches, most time first. */
  statements: StatementTiming[];
}

export interface Profiler {
  /** Wraps the webhook batch task so that its runs and their statements are recorded. */
  timeBatches(task: Task): Task;
  /** What was recorded since the last reset. */
  figures(statementsMax: number): ProfileFigures;
  reset(): void;
}

interface BatchRecord {
  size: number;
  roundTrips: number;
  durationMs: number;
}

type QueryFunction = (...args: unknown[]) => unknown;

const statementLengthMax = 72;

/** Instruments every connection `pool` opens from now on. */
export function profilePool(pool: pg.Pool): Profiler {
  const currentBatch = new AsyncLocalStorage<{ roundTrips: number }>();
  let statements = new Map<string, { calls: number; totalMs: number }>();
  let batches: BatchRecord[] = [];

  const record = (statement: string, startedAtMs: number) => {
    const entry = statements.get(statement) ?? { calls: 0, totalMs: 0 };
    entry.calls += 1;
    entry.totalMs += performance.now() - startedAtMs;
    statements.set(statement, entry);
  };

  pool.on('connect', (client) => {
    const original = client.query.bind(client) as QueryFunction;
    const timed: QueryFunction = (...args) => {
      const batch = currentBatch.getStore();
      const result = original(...args);
      if (batch === undefined || !(result instanceof Promise)) {
        return result;
      }

      batch.roundTrips += 1;
      const startedAtMs = performance.now();
      const statement = statementOf(args[0]);
      return result.finally(() => record(statement, startedAtMs));
    };
    client.query = timed as typeof client.query;
  });

  return {
    timeBatches: (task) => async (payload, helpers) => {
      const batch = { roundTrips: 0 };
      const startedAtMs = performance.now();
      await currentBatch.run(batch, () => task(payload, helpers));

      const size = Array.isArray(payload) ? payload.length : 1;
      const durationMs = performance.now() - startedAtMs;
      batches.push({ size, roundTrips: batch.roundTrips, durationMs });
    },
    figures: (statementsMax) => summarise(batches, statements, statementsMax),
    reset: () => {
      statements = new Map();
      batches = [];
    },
  };
}

function summarise(
  batches: BatchRecord[],
  statements: Map<string, { calls: number; totalMs: number }>,
  statementsMax: number,
): ProfileFigures {
  const durationsMs = batches.map((batch) => batch.durationMs).sort((a, b) => a - b);
  const totalMs = durationsMs.reduce((sum, value) => sum + value, 0);
  const sizeTotal = batches.reduce((sum, batch) => sum + batch.size, 0);
  const roundTrips = batches.reduce((sum, batch) => sum + batch.roundTrips, 0);
  const count = Math.max(1, batches.length);

  const timings = [...statements].map(([statement, entry]) => ({
    statement,
    calls: entry.calls,
    totalMs: round(entry.totalMs, 1),
    meanMs: round(entry.totalMs / entry.calls, 3),
  }));
  timings.sort((a, b) => b.totalMs - a.totalMs);

  return {
    batches: batches.length,
    batchSizeMean: round(sizeTotal / count, 1),
    batchMsP50: round(percentile(durationsMs, 0.5), 1),
    batchMsMax: round(durationsMs.at(-1) ?? 0, 1),
    batchMsTotal: round(totalMs, 1),
    roundTripsPerBatchMean: round(roundTrips / count, 1),
    statements: timings.slice(0, statementsMax),
  };
}

function statementOf(first: unknown): string {
  const text =
    typeof first === 'string'
      ? first
      : typeof first === 'object' && first !== null && 'text' in first
        ? String(first.text)
        : '(not a statement)';
  return text.replace(/\s+/g, ' ').trim().slice(0, statementLengthMax);
}
