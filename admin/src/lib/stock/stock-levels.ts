/**
 * Stock per SKU and location: the documents the stock screen reads and subscribes with, and the
 * pure rules that turn their answers into table rows and fold live changes in. Rendering and
 * the subscription's lifetime belong to the screen, not here.
 */
import { graphql } from '$lib/gql';
import type { StockLevelFieldsFragment, StockTableQuery } from '$lib/gql/graphql';

/** The most SKUs one query may return (the API's own page size limit). */
export const stockTableSkusMax = 200;

export const stockLevelFields = graphql(`
  fragment StockLevelFields on StockLevel {
    sku
    skuId
    location {
      id
      name
      shopifyId
    }
    onHand
    reserved
    available
    updatedAt
  }
`);

export const stockTableQuery = graphql(`
  query StockTable($search: String, $first: Int!) {
    locations {
      id
      name
      isActive
    }
    skus(search: $search, first: $first) {
      id
      code
      rawCode
      title
      needsName
      levels {
        ...StockLevelFields
      }
    }
  }
`);

export const stockLevelChangedSubscription = graphql(`
  subscription StockLevelChanged($skuId: ID, $locationId: ID) {
    stockLevelChanged(skuId: $skuId, locationId: $locationId) {
      ...StockLevelFields
    }
  }
`);

export type StockLevel = StockLevelFieldsFragment;

/** One row of the stock table: a SKU and its stock at each location, keyed by location id. */
export interface StockRow {
  skuId: string;
  /** Null while the SKU is unnamed (the shop's variant had no SKU). */
  code: string | null;
  title: string;
  needsName: boolean;
  levels: Record<string, StockLevel>;
}

/** A location shown as a column group of the table. */
export interface StockColumn {
  locationId: string;
  name: string;
}

/** Identifies one level (one SKU at one location), e.g. for highlighting a changed cell. */
export function levelKey(level: Pick<StockLevel, 'skuId' | 'location'>): string {
  return `${level.skuId}@${level.location.id}`;
}

/**
 * Rows from a stock table answer. `heardLevels` holds levels that arrived by subscription; one
 * that is newer than the answer wins, because the answer may have been read before that change
 * was committed.
 */
export function stockRowsOf(
  skus: StockTableQuery['skus'],
  heardLevels: ReadonlyMap<string, StockLevel>,
): StockRow[] {
  return skus.map((sku) => {
    const levels: Record<string, StockLevel> = {};
    for (const level of sku.levels) {
      const heard = heardLevels.get(levelKey(level));
      levels[level.location.id] = heard !== undefined && !isOlder(heard, level) ? heard : level;
    }
    return {
      skuId: sku.id,
      code: sku.code ?? null,
      title: sku.title,
      needsName: sku.needsName,
      levels,
    };
  });
}

/** Active locations, plus any inactive one that still holds a level among the rows. */
export function stockColumnsOf(
  locations: StockTableQuery['locations'],
  rows: readonly StockRow[],
): StockColumn[] {
  const holdsStock = (locationId: string) => rows.some((row) => locationId in row.levels);
  return locations
    .filter((location) => location.isActive || holdsStock(location.id))
    .map((location) => ({ locationId: location.id, name: location.name }));
}

/**
 * Folds a live change into the rows, in place. Answers whether the figures shown changed, so
 * the screen knows whether to highlight; a change for a SKU not on screen (narrowed away by
 * the search) or older than what is shown changes nothing.
 */
export function applyLevelChange(rows: StockRow[], level: StockLevel): boolean {
  const row = rows.find((candidate) => candidate.skuId === level.skuId);
  if (row === undefined) {
    return false;
  }
  const shown = row.levels[level.location.id];
  if (shown !== undefined && isOlder(level, shown)) {
    return false;
  }
  row.levels[level.location.id] = level;
  return shown === undefined || !hasSameFigures(shown, level);
}

/** True when `level` was written before `other`; equal times count as not older. */
export function isOlder(level: StockLevel, other: StockLevel): boolean {
  return Date.parse(level.updatedAt) < Date.parse(other.updatedAt);
}

function hasSameFigures(level: StockLevel, other: StockLevel): boolean {
  return (
    level.onHand === other.onHand &&
    level.reserved === other.reserved &&
    level.available === other.available
  );
}
