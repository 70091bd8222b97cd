/**
 * The benchmark's report: every figure in one object, printed as a table for a person or as
 * one JSON object for a program, with the targets we want to see and whether each was met.
 *
 * Leaves out: comparison with earlier runs and any judgement beyond the stated targets; the
 * targets are what we aim for, not assertions, and only a safety failure (oversold stock, a
 * ledger that does not verify, a sale that did not finish) makes the run fail.
 */
import type { BaselineFigures } from './baseline.ts';
import type { CpuCost } from './cpu.ts';
import type { PostgresSettings } from './postgres.ts';
import type { ScenarioResult } from './scenario.ts';
import { round } from './statistics.ts';

export type ScenarioFigures = Omit<ScenarioResult, 'baseline'>;

/** A scenario run against its direct-SQL baseline. */
export interface MeasuredScenario {
  system: ScenarioFigures;
  baseline: BaselineFigures;
  /** System orders per second over baseline statements per second. */
  ratio: number;
  /** System order lines per second over baseline statements per second. */
  lineRatio: number;
}

export interface Target {
  name: string;
  wanted: string;
  actual: number;
  isMet: boolean;
}

export interface BenchReport {
  machine: { cpus: number; node: string; postgres: PostgresSettings };
  options: {
    orderCount: number;
    concurrency: number;
    workerConcurrency: number;
    baselineClients: number;
    pacedRatePerSecond: number;
    pacedDurationMs: number;
    isProfiled: boolean;
  };
  hotSku: MeasuredScenario;
  spread: MeasuredScenario;
  paced: ScenarioFigures;
  targets: Target[];
  /** No oversold unit, every ledger verifies, every sale finished, no delivery lost. */
  isSafe: boolean;
  problems: string[];
  totalMs: number;
}

export function measure(system: ScenarioFigures, baseline: BaselineFigures): MeasuredScenario {
  const perStatement = baseline.statementsPerSecond;
  const linesPerSecond = (system.ordersPerSecond * system.lineCount) / system.orderCount;

  return {
    system,
    baseline,
    ratio: perStatement === 0 ? 0 : round(system.ordersPerSecond / perStatement, 3),
    lineRatio: perStatement === 0 ? 0 : round(linesPerSecond / perStatement, 3),
  };
}

export function targetsOf(hot: MeasuredScenario, spread: MeasuredScenario, paced: ScenarioFigures) {
  const oversoldUnits = [hot.system, spread.system, paced].reduce(
    (sum, scenario) => sum + scenario.allocation.oversoldUnits,
    0,
  );

  const targets: Target[] = [
    { name: 'hot SKU vs baseline', wanted: '>= 1.0x', actual: hot.ratio, isMet: hot.ratio >= 1 },
    {
      name: 'spread vs baseline',
      wanted: '>= 0.5x',
      actual: spread.ratio,
      isMet: spread.ratio >= 0.5,
    },
    {
      name: 'ack p99 at steady rate',
      wanted: '< 250 ms',
      actual: paced.ack.p99Ms,
      isMet: paced.ack.p99Ms < 250,
    },
    { name: 'oversold units', wanted: '= 0', actual: oversoldUnits, isMet: oversoldUnits === 0 },
  ];
  return targets;
}

/** Why the run must fail, if it must: a safety figure, not a missed target. */
export function problemsOf(scenarios: ScenarioFigures[]): string[] {
  const problems: string[] = [];
  for (const scenario of scenarios) {
    if (scenario.allocation.oversoldUnits > 0) {
      problems.push(`${scenario.kind}: ${scenario.allocation.oversoldUnits} units oversold`);
    }
    if (!scenario.ledger.isClean) {
      problems.push(`${scenario.kind}: ledger has ${scenario.ledger.differences} differences`);
    }
    if (!scenario.isComplete) {
      problems.push(`${scenario.kind}: deliveries still unprocessed at the timeout`);
    }
    if (scenario.deliveriesUnprocessed > 0) {
      problems.push(
        `${scenario.kind}: ${scenario.deliveriesUnprocessed} deliveries answered 200 but not ` +
          'processed by the timeout (orders not reserved)',
      );
    }
    if (scenario.allocation.linesBalanceMismatches > 0) {
      problems.push(`${scenario.kind}: order lines disagree with balances`);
    }
  }
  return problems;
}

export function formatJson(report: BenchReport): string {
  return `${JSON.stringify(report)}\n`;
}

export function formatTable(report: BenchReport): string {
  const { hotSku: hot, spread, paced, options, machine } = report;
  const both = (pick: (scenario: MeasuredScenario) => string) => [pick(hot), pick(spread)];
  const system = (pick: (scenario: ScenarioFigures) => string) => both((s) => pick(s.system));

  const rows: [string, string[]][] = [
    ['orders / order lines', system((s) => `${s.orderCount} / ${s.lineCount}`)],
    ['stock per SKU at start (units)', system((s) => String(s.stockUnits))],
    ['orders/s, first send to all reserved', system((s) => s.ordersPerSecond.toFixed(1))],
    ['  elapsed / acks done / drain after (ms)', system(elapsedText)],
    ['ack latency p50 / p99 / max (ms)', system((s) => latencyText(s.ack))],
    ['answers other than 200', system((s) => String(s.ack.count - (s.statusCounts['200'] ?? 0)))],
    ['stored to processed p50 / p99 / max (ms)', system((s) => latencyText(s.processingLag))],
    ['CPU per order: node / postgres (ms)', system((s) => cpuText(s.cpuPerOrder))],
    ['lines reserved / short / other', system(allocationText)],
    ['oversold units', system((s) => String(s.allocation.oversoldUnits))],
    ['ledger verifies', system((s) => (s.ledger.isClean ? 'yes' : 'NO'))],
    ['pushes: calls / quantities', system((s) => `${s.pushes.calls} / ${s.pushes.quantities}`)],
    ['shop figures differing at the end', system((s) => String(s.pushes.shopMismatches))],
    ['jobs failed for good', system((s) => String(s.failedJobs.count))],
    ['batches: count / size p50 / max', system(batchText)],
    [`baseline statements/s (${options.baselineClients} clients)`, both(baselineText)],
    ['  each round', both(baselineRoundsText)],
    ['baseline CPU per statement (ms)', both((s) => cpuText(s.baseline.cpuPerStatement))],
    ['ratio orders/s / baseline statements/s', both((s) => `${s.ratio.toFixed(2)}x`)],
    ['ratio lines/s / baseline statements/s', both((s) => `${s.lineRatio.toFixed(2)}x`)],
  ];

  const labelWidth = Math.max(...rows.map(([label]) => label.length)) + 2;
  const columnWidth = 22;
  const line = (label: string, cells: string[]) =>
    label.padEnd(labelWidth) + cells.map((cell) => cell.padStart(columnWidth)).join('');

  const lines = [
    `Quartermaster flash sale: ${options.orderCount} orders, ${options.concurrency} in flight, ` +
      `${options.workerConcurrency} worker slots`,
    `machine: ${machine.cpus} CPUs, Node ${machine.node}, PostgreSQL ${machine.postgres.version} ` +
      `(fsync ${machine.postgres.fsync}, synchronous_commit ` +
      `${machine.postgres.synchronousCommit}, shared_buffers ${machine.postgres.sharedBuffers})`,
    '',
    line('', ['hot SKU', 'spread']),
    ...rows.map(([label, cells]) => line(label, cells)),
    '',
    `steady ${options.pacedRatePerSecond}/s for ${options.pacedDurationMs / 1000} s ` +
      `(${paced.orderCount} orders, spread):`,
    `  ack p50 / p99 / max ${latencyText(paced.ack)} ms; ` +
      `stored to processed ${latencyText(paced.processingLag)} ms`,
    `  all reserved ${paced.drainMs.toFixed(0)} ms after the last ack; ` +
      `oversold ${paced.allocation.oversoldUnits}; ledger ` +
      (paced.ledger.isClean ? 'verifies' : 'DOES NOT VERIFY'),
    '',
    'targets (aims, not assertions):',
    ...report.targets.map(
      (target) =>
        `  ${target.name.padEnd(26)}${target.wanted.padEnd(10)}` +
        `${String(target.actual).padStart(10)}  ${target.isMet ? 'met' : 'MISSED'}`,
    ),
    ...profileLines(report),
    '',
    ...warningsOf([hot.system, spread.system, paced]),
    report.problems.length === 0
      ? `safe: nothing oversold, every ledger verifies (${(report.totalMs / 1000).toFixed(0)} s)`
      : `FAILED: ${report.problems.join('; ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** What a person should look at though the run passes: the shop told a wrong figure, say. */
function warningsOf(scenarios: ScenarioFigures[]): string[] {
  return scenarios.flatMap((scenario) => {
    const warnings: string[] = [];
    if (scenario.pushes.shopMismatches > 0) {
      warnings.push(
        `warning, ${scenario.kind}: the shop shows a different available for ` +
          `${scenario.pushes.shopMismatches} item(s) than the ledger once everything settled`,
      );
    }
    if (scenario.isAllocationExact === false) {
      warnings.push(
        `warning, ${scenario.kind}: reserved and short lines do not add up to the stock ` +
          'and the orders (units left unsold while lines are short, or the reverse)',
      );
    }
    for (const error of scenario.failedJobs.lastErrors) {
      warnings.push(`warning, ${scenario.kind}: a job failed for good: ${error}`);
    }
    return warnings;
  });
}

function elapsedText(scenario: ScenarioFigures): string {
  return [scenario.elapsedMs, scenario.ackElapsedMs, scenario.drainMs]
    .map((valueMs) => valueMs.toFixed(0))
    .join(' / ');
}

function latencyText(ack: ScenarioFigures['ack']): string {
  return `${ack.p50Ms.toFixed(1)} / ${ack.p99Ms.toFixed(1)} / ${ack.maxMs.toFixed(0)}`;
}

function allocationText(scenario: ScenarioFigures): string {
  const { linesReserved, linesShort, linesOther } = scenario.allocation;
  return `${linesReserved} / ${linesShort} / ${linesOther}`;
}

function batchText(scenario: ScenarioFigures): string {
  const { batches, sizeP50, sizeMax } = scenario.batches;
  return `${batches} / ${sizeP50} / ${sizeMax}`;
}

function cpuText(cost: CpuCost): string {
  const postgres = cost.postgresMsPerUnit === null ? '-' : cost.postgresMsPerUnit.toFixed(2);
  return `${cost.nodeMsPerUnit.toFixed(2)} / ${postgres}`;
}

function baselineText(scenario: MeasuredScenario): string {
  return scenario.baseline.statementsPerSecond.toFixed(1);
}

function baselineRoundsText(scenario: MeasuredScenario): string {
  return scenario.baseline.roundsStatementsPerSecond.map((rate) => rate.toFixed(0)).join(' / ');
}

function profileLines(report: BenchReport): string[] {
  const profiled = [report.hotSku.system, report.spread.system, report.paced];
  return profiled.flatMap((scenario) => {
    const profile = scenario.profile;
    if (profile === null) {
      return [];
    }

    return [
      '',
      `profile, ${scenario.kind}: ${profile.jobRuns} job runs (p50 ${profile.jobMsP50} ms, ` +
        `max ${profile.jobMsMax} ms, ${profile.jobMsTotal} ms in all); ` +
        `${profile.transactions} transactions, ${profile.roundTripsPerTransactionMean} ` +
        'round trips each',
      'statements inside job runs (total, calls, mean):',
      ...profile.statements.map((statement) => {
        const totalMs = statement.totalMs.toFixed(0).padStart(8);
        const meanMs = statement.meanMs.toFixed(2).padStart(8);
        const calls = String(statement.calls).padStart(6);
        return `  ${totalMs} ms ${calls}x ${meanMs} ms  ${statement.statement}`;
      }),
      `backends, ${scenario.kind} (share of samples: state, waiting for, statement):`,
      ...(scenario.waits ?? []).map(
        (wait) =>
          `  ${wait.sharePercent.toFixed(1).padStart(5)}%  ${wait.state}, ${wait.waitingFor}: ` +
          wait.statement,
      ),
    ];
  });
}
