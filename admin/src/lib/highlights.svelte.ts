/**
 * Things lit for a moment after they changed (a stock cell, a new movement), so that a person
 * glancing at a busy screen sees what moved. Only the timing lives here; how lit things look
 * is each screen's CSS.
 */
import { SvelteSet } from 'svelte/reactivity';

export class Highlights {
  readonly #lit = new SvelteSet<string>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** @param durationMs how long a key stays lit after its latest change */
  constructor(readonly durationMs: number) {}

  has(key: string): boolean {
    return this.#lit.has(key);
  }

  /** Lights `key`; lighting it again while lit starts its time over. */
  light(key: string): void {
    this.#lit.add(key);
    clearTimeout(this.#timers.get(key));
    const timer = setTimeout(() => {
      this.#lit.delete(key);
      this.#timers.delete(key);
    }, this.durationMs);
    this.#timers.set(key, timer);
  }

  /** Puts everything out and stops the timers, for when the screen goes. */
  clear(): void {
    this.#timers.forEach((timer) => clearTimeout(timer));
    this.#timers.clear();
    this.#lit.clear();
  }
}
