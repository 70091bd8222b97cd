/**
 * Keeps this process inside Xero's limits for one organisation before it calls, instead of
 * learning them from 429 answers: at most `concurrentMax` calls in flight and at most
 * `minuteMax` calls in any rolling `windowMs`. A call waits for a free slot first, then for room
 * in the window, and is counted from the moment it starts until `windowMs` after its answer
 * arrived: Xero counts it somewhere in between, so the window can only err on the safe side.
 * Time comes from the injected clock and waiting from the injected sleep, so tests move a clock
 * rather than wait.
 *
 * Leaves out: Xero's daily limit (5,000) and its app-wide minute limit (10,000). Both count calls
 * made by other processes and for other organisations, which one process cannot see; the client
 * meets them as 429 answers instead (client.ts). Calls made by another process for the same
 * organisation are likewise unseen: with more than one pushing process the limits would have to
 * be counted in a shared store (PostgreSQL), which the push queue avoids by pushing from one job.
 */

export interface CallLimits {
  /** Calls in flight at once for the organisation; Xero allows 5. */
  concurrentMax: number;
  /** Calls started in any rolling window; Xero allows 60 a minute. */
  minuteMax: number;
  /** The rolling window, in milliseconds; 60,000 for Xero's minute. */
  windowMs: number;
}

export const xeroCallLimits: CallLimits = { concurrentMax: 5, minuteMax: 60, windowMs: 60_000 };

interface CallMark {
  /** When the call started, and once answered, when its answer arrived. */
  atMs: number;
  answered: boolean;
}

export class CallLimiter {
  private inFlight = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private marks: CallMark[] = [];

  constructor(
    private readonly limits: CallLimits,
    private readonly nowMs: () => number,
    private readonly sleep: (delayMs: number) => Promise<void>,
  ) {}

  /** Runs `call` once a slot and room in the window are free; the slot is held until it ends. */
  async run<Result>(call: () => Promise<Result>): Promise<Result> {
    await this.takeSlot();

    let mark: CallMark | undefined;
    try {
      await this.waitForWindow();
      mark = { atMs: this.nowMs(), answered: false };
      this.marks.push(mark);

      return await call();
    } finally {
      if (mark) {
        mark.atMs = Math.max(mark.atMs, this.nowMs());
        mark.answered = true;
      }
      this.releaseSlot();
    }
  }

  private async takeSlot(): Promise<void> {
    if (this.inFlight < this.limits.concurrentMax) {
      this.inFlight += 1;
      return;
    }

    // The releasing call hands its slot over directly, so the count never dips in between.
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) {
      next();
    } else {
      this.inFlight -= 1;
    }
  }

  private async waitForWindow(): Promise<void> {
    for (;;) {
      this.forgetOld();
      if (this.marks.length < this.limits.minuteMax) {
        return;
      }

      // Calls in flight leave the window only after they are answered; with minuteMax above
      // concurrentMax at least one answered call is always there to wait for.
      const answered = this.marks.filter((mark) => mark.answered).map((mark) => mark.atMs);
      const leavesAtMs = answered.length > 0 ? Math.min(...answered) + this.limits.windowMs : 0;
      await this.sleep(Math.max(1, leavesAtMs - this.nowMs()));
    }
  }

  private forgetOld(): void {
    const cutoffMs = this.nowMs() - this.limits.windowMs;
    this.marks = this.marks.filter((mark) => !mark.answered || mark.atMs > cutoffMs);
  }
}
