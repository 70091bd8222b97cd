/**
 * Summaries of measured samples for the benchmark: percentiles by nearest rank, and the rate
 * of a count over a span of time.
 *
 * Leaves out: interpolated percentiles, confidence intervals and histograms; a run is long
 * enough that nearest rank over every sample is what a reader expects.
 */

/** Latencies of one run in milliseconds, summarised. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** The value at `fraction` (0..1) of the samples by nearest rank; 0 for no samples. */
export function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) {
    return 0;
  }

  const rank = Math.ceil(fraction * sortedValues.length);
  const index = Math.min(sortedValues.length - 1, Math.max(0, rank - 1));
  return sortedValues[index] ?? 0;
}

export function summariseLatencies(valuesMs: readonly number[]): LatencySummary {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const totalMs = sorted.reduce((sum, value) => sum + value, 0);

  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 0.5), 2),
    p99Ms: round(percentile(sorted, 0.99), 2),
    maxMs: round(sorted.at(-1) ?? 0, 2),
    meanMs: round(sorted.length === 0 ? 0 : totalMs / sorted.length, 2),
  };
}

/** Events per second for `count` events over `elapsedMs`; 0 for an empty span. */
export function ratePerSecond(count: number, elapsedMs: number): number {
  return elapsedMs <= 0 ? 0 : round((count * 1000) / elapsedMs, 1);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between threads. */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}
