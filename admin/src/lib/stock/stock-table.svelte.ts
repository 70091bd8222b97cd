/**
 * What the stock screen shows, kept in one place: the rows and location columns from the last
 * answer, live changes folded in as they are heard, and which cells changed a moment ago.
 * Fetching and subscribing are the screen's; the rules are in stock-levels.ts.
 */
import type { StockTableQuery } from '$lib/gql/graphql';
import { Highlights } from '$lib/highlights.svelte';

import {
  applyLevelChange,
  levelKey,
  stockColumnsOf,
  stockRowsOf,
  stockTableSkusMax,
  type StockColumn,
  type StockLevel,
  type StockRow,
} from './stock-levels';

/** How long a changed cell stays lit. */
const changedCellMs = 2_500;

export class StockTable {
  rows = $state<StockRow[]>([]);
  columns = $state<StockColumn[]>([]);
  isLoaded = $state(false);

  /** True when the answer was cut at the page size: more SKUs match than are shown. */
  isTruncated = $state(false);

  /** Cells (by levelKey) whose figures changed a moment ago. */
  readonly changedLevels = new Highlights(changedCellMs);

  /** SKUs with none available at one location or more. */
  readonly shortCount = $derived(
    this.rows.filter((row) => Object.values(row.levels).some((level) => level.available <= 0))
      .length,
  );

  // Every level heard live, so that an answer read before a change cannot undo it on screen.
  readonly #heardLevels = new Map<string, StockLevel>();

  showAnswer(answer: StockTableQuery): void {
    this.rows = stockRowsOf(answer.skus, this.#heardLevels);
    this.columns = stockColumnsOf(answer.locations, this.rows);
    this.isTruncated = answer.skus.length >= stockTableSkusMax;
    this.isLoaded = true;
  }

  hearLevel(level: StockLevel): void {
    this.#heardLevels.set(levelKey(level), level);
    if (applyLevelChange(this.rows, level)) {
      this.changedLevels.light(levelKey(level));
    }
  }
}
