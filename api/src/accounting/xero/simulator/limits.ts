// Xero's per-organisation rate limits: calls in flight, calls in a rolling minute and a rolling
// day, plus the app-wide minute limit across organisations. Time comes from the injected clock,
// so tests move it forward rather than wait. A refused call does not count against any limit.
// Leaves out: the 3.5 MB body limit and the limits of Xero's other APIs (payroll, files).

/** The limit a refused call ran into, as Xero names it in `X-Rate-Limit-Problem`. */
export type RateLimitProblem = 'concurrent' | 'minute' | 'day' | 'appminute';

export interface RateLimits {
  /** Calls one organisation may have in flight at once; Xero allows 5. */
  concurrentMax: number;
  /** Calls per organisation in any 60 seconds; Xero allows 60. */
  minuteMax: number;
  /** Calls per organisation in any 24 hours; Xero allows 5,000. */
  dayMax: number;
  /** Calls per app across organisations in any 60 seconds; Xero allows 10,000. */
  appMinuteMax: number;
}

export const xeroRateLimits: RateLimits = {
  concurrentMax: 5,
  minuteMax: 60,
  dayMax: 5000,
  appMinuteMax: 10_000,
};

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

/** What the limiter decided; headers are the ones Xero sends on every answer. */
export interface RateDecision {
  problem: RateLimitProblem | null;
  retryAfterSeconds: number;
  headers: Record<string, string>;
  /** Call once the answer is sent; frees the in-flight slot of an admitted call. */
  finish(): void;
}

interface TenantUsage {
  inFlight: number;
  /** Admission times (ms) of calls in the last day, oldest first. */
  calls: number[];
}

export class RateLimiter {
  private readonly tenants = new Map<string, TenantUsage>();
  private readonly appCalls: number[] = [];

  constructor(
    private readonly limits: RateLimits,
    private readonly nowMs: () => number,
  ) {}

  /** Calls of a tenant in flight right now. */
  inFlight(tenantId: string): number {
    return this.tenants.get(tenantId)?.inFlight ?? 0;
  }

  admit(tenantId: string): RateDecision {
    const now = this.nowMs();
    const usage = this.usageOf(tenantId, now);
    dropBefore(this.appCalls, now - minuteMs);

    const minuteCalls = usage.calls.filter((at) => at > now - minuteMs);
    const problem = this.problemOf(usage, minuteCalls.length);

    if (problem) {
      const retryAfterSeconds = this.retryAfter(problem, usage, minuteCalls, now);
      const headers = this.headersOf(usage.calls.length, minuteCalls.length);
      return { problem, retryAfterSeconds, headers, finish: () => undefined };
    }

    usage.calls.push(now);
    this.appCalls.push(now);
    usage.inFlight += 1;

    let finished = false;
    const finish = (): void => {
      if (!finished) {
        finished = true;
        usage.inFlight -= 1;
      }
    };
    const headers = this.headersOf(usage.calls.length, minuteCalls.length + 1);
    return { problem: null, retryAfterSeconds: 0, headers, finish };
  }

  private usageOf(tenantId: string, now: number): TenantUsage {
    let usage = this.tenants.get(tenantId);
    if (!usage) {
      usage = { inFlight: 0, calls: [] };
      this.tenants.set(tenantId, usage);
    }

    dropBefore(usage.calls, now - dayMs);
    return usage;
  }

  // The longest wait wins: a caller told "minute" while the day is spent would spin.
  private problemOf(usage: TenantUsage, minuteCount: number): RateLimitProblem | null {
    if (usage.calls.length >= this.limits.dayMax) {
      return 'day';
    }
    if (minuteCount >= this.limits.minuteMax) {
      return 'minute';
    }
    if (this.appCalls.length >= this.limits.appMinuteMax) {
      return 'appminute';
    }
    return usage.inFlight >= this.limits.concurrentMax ? 'concurrent' : null;
  }

  private retryAfter(
    problem: RateLimitProblem,
    usage: TenantUsage,
    minuteCalls: number[],
    now: number,
  ): number {
    const oldest = {
      day: usage.calls[usage.calls.length - this.limits.dayMax],
      minute: minuteCalls[minuteCalls.length - this.limits.minuteMax],
      appminute: this.appCalls[this.appCalls.length - this.limits.appMinuteMax],
      concurrent: undefined,
    }[problem];
    const windowMs = problem === 'day' ? dayMs : minuteMs;

    if (oldest === undefined) {
      return 1;
    }
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  private headersOf(dayCount: number, minuteCount: number): Record<string, string> {
    const remaining = (max: number, used: number): string => String(Math.max(0, max - used));
    return {
      'X-MinLimit-Remaining': remaining(this.limits.minuteMax, minuteCount),
      'X-DayLimit-Remaining': remaining(this.limits.dayMax, dayCount),
      'X-AppMinLimit-Remaining': remaining(this.limits.appMinuteMax, this.appCalls.length),
    };
  }
}

/** Removes the leading entries at or before `cutoff` from an ascending list. */
function dropBefore(times: number[], cutoff: number): void {
  let count = 0;
  while (count < times.length && (times[count] ?? Infinity) <= cutoff) {
    count += 1;
  }
  times.splice(0, count);
}
