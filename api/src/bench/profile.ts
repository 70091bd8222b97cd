/**
 * A stand-in for pg_stat_statements while profiling: times every statement a pool's
 * connections send from inside a run of the webhook processing job, counts the job's
 * transactions and round trips, and times each run.
 *
 * Also samples pg_stat_activity, for what the server's backends wait on while the sale runs.
 *
 * Leaves out: time spent waiting for a connection from the pool, and plans. A statement's time
 * here is its round trip as the client sees it, lock waits and all; EXPLAIN ANALYZE is the
 * tool for what happens inside one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import type { Task } from 'graphile-worker';
import pg from 'pg';

import { percentile, round } from './statistics.ts';

export interface StatementTiming {
  /** The statement's text, whitespace folded, cut to its first characters. */
  statement: string;
  calls: number;
  totalMs: number;
  meanMs: number;
}

export interface ProfileFigures {
  jobRuns: number;
  jobMsP50: number;
  jobMsMax: number;
  /** Sum of run durations; above the sale's elapsed time when runs overlap. */
  jobMsTotal: number;
  /** Transactions the runs opened (BEGIN sent). */
  transactions: number;
  roundTripsPerTransactionMean: number;
  /** Statements sent inside runs, most time first. */
  statements: StatementTiming[];
}

export interface Profiler {
  /** Wraps the webhook processing task so that its runs and their statements are recorded. */
  timeRuns(task: Task): Task;
  /** What was recorded since the last reset. */
  figures(statementsMax: number): ProfileFigures;
  reset(): void;
}

interface RunRecord {
  roundTrips: number;
  transactions: number;
  durationMs: number;
}

type QueryFunction = (...args: unknown[]) => unknown;

const statementLengthMax = 72;

/** Instruments every connection `pool` opens from now on. */
export function profilePool(pool: pg.Pool): Profiler {
  const currentRun = new AsyncLocalStorage<{ roundTrips: number; transactions: number }>();
  let statements = new Map<string, { calls: number; totalMs: number }>();
  let runs: RunRecord[] = [];

  const record = (statement: string, startedAtMs: number) => {
    const entry = statements.get(statement) ?? { calls: 0, totalMs: 0 };
    entry.calls += 1;
    entry.totalMs += performance.now() - startedAtMs;
    statements.set(statement, entry);
  };

  pool.on('connect', (client) => {
    const original = client.query.bind(client) as QueryFunction;
    const timed: QueryFunction = (...args) => {
      const run = currentRun.getStore();
      const result = original(...args);
      if (run === undefined || !(result instanceof Promise)) {
        return result;
      }

      const startedAtMs = performance.now();
      const statement = statementOf(args[0]);
      run.roundTrips += 1;
      run.transactions += statement === 'BEGIN' ? 1 : 0;
      return result.finally(() => record(statement, startedAtMs));
    };
    client.query = timed as typeof client.query;
  });

  return {
    timeRuns: (task) => async (payload, helpers) => {
      const run = { roundTrips: 0, transactions: 0 };
      const startedAtMs = performance.now();
      await currentRun.run(run, () => task(payload, helpers));

      runs.push({ ...run, durationMs: performance.now() - startedAtMs });
    },
    figures: (statementsMax) => summarise(runs, statements, statementsMax),
    reset: () => {
      statements = new Map();
      runs = [];
    },
  };
}

function summarise(
  runs: RunRecord[],
  statements: Map<string, { calls: number; totalMs: number }>,
  statementsMax: number,
): ProfileFigures {
  const durationsMs = runs.map((run) => run.durationMs).sort((a, b) => a - b);
  const totalMs = durationsMs.reduce((sum, value) => sum + value, 0);
  const roundTrips = runs.reduce((sum, run) => sum + run.roundTrips, 0);
  const transactions = runs.reduce((sum, run) => sum + run.transactions, 0);

  const timings = [...statements].map(([statement, entry]) => ({
    statement,
    calls: entry.calls,
    totalMs: round(entry.totalMs, 1),
    meanMs: round(entry.totalMs / entry.calls, 3),
  }));
  timings.sort((a, b) => b.totalMs - a.totalMs);

  return {
    jobRuns: runs.length,
    jobMsP50: round(percentile(durationsMs, 0.5), 1),
    jobMsMax: round(durationsMs.at(-1) ?? 0, 1),
    jobMsTotal: round(totalMs, 1),
    transactions,
    roundTripsPerTransactionMean: round(roundTrips / Math.max(1, transactions), 1),
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

/** How often backends were seen in one state, waiting for one thing, running one statement. */
export interface WaitSample {
  state: string;
  /** `wait_event_type:wait_event`, or `running` when the backend waited for nothing. */
  waitingFor: string;
  statement: string;
  samples: number;
  /** Share of all samples taken, in percent. */
  sharePercent: number;
}

export interface WaitSampler {
  stop(): Promise<WaitSample[]>;
}

/**
 * Samples what every other backend of the database is doing, every `intervalMs`, on a
 * connection of its own: a wait-event profile, to tell lock waits from disk waits from
 * waiting for the client.
 */
export async function sampleWaits(
  databaseUrl: string,
  intervalMs: number,
  samplesMax: number,
): Promise<WaitSampler> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();

  const counts = new Map<string, { state: string; waitingFor: string; statement: string }>();
  const tally = new Map<string, number>();
  let total = 0;
  let isStopped = false;
  const loop = (async () => {
    while (!isStopped) {
      const found = await client.query<{ state: string; waiting_for: string; statement: string }>(
        `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'running') AS waiting_for,
           left(regexp_replace(query, '\\s+', ' ', 'g'), $1) AS statement
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND backend_type = 'client backend' AND state <> 'idle'`,
        [statementLengthMax],
      );
      for (const row of found.rows) {
        const key = `${row.state}|${row.waiting_for}|${row.statement}`;
        counts.set(key, {
          state: row.state,
          waitingFor: row.waiting_for,
          statement: row.statement,
        });
        tally.set(key, (tally.get(key) ?? 0) + 1);
        total += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    stop: async () => {
      isStopped = true;
      await loop;
      await client.end();

      const samples = [...tally].map(([key, count]) => ({
        ...(counts.get(key) ?? { state: '', waitingFor: '', statement: '' }),
        samples: count,
        sharePercent: round((count * 100) / Math.max(1, total), 1),
      }));
      samples.sort((a, b) => b.samples - a.samples);
      return samples.slice(0, samplesMax);
    },
  };
}
