/**
 * One SKU's movement history: the documents the history screen reads, and the rule for folding
 * the newest page into what is already shown when a live change says there is more.
 *
 * The API filters movements by SKU code only, so an unnamed SKU (code null) has no history to
 * show here until it is named; filtering by SKU id would need `skuId` on MovementFilter.
 */
import { graphql } from '$lib/gql';
import type { MovementFieldsFragment, SkuSummaryQuery } from '$lib/gql/graphql';

/** Movements fetched per page, both at first and for each "load more". */
export const movementPageSize = 25;

export const movementFields = graphql(`
  fragment MovementFields on StockMovement {
    id
    kind
    sku
    location {
      id
      name
    }
    onHandDelta
    reservedDelta
    reason
    sourceType
    sourceId
    sourceLineId
    orderId
    actor
    occurredAt
    recordedAt
  }
`);

export const skuSummaryQuery = graphql(`
  query SkuSummary($search: String!) {
    skus(search: $search, first: 20) {
      id
      code
      title
      needsName
      levels {
        ...StockLevelFields
      }
    }
  }
`);

export const movementPageQuery = graphql(`
  query MovementPage($sku: String!, $first: Int!, $after: String) {
    movements(filter: { sku: $sku }, first: $first, after: $after) {
      edges {
        cursor
        node {
          ...MovementFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export type Movement = MovementFieldsFragment;
export type SkuSummary = SkuSummaryQuery['skus'][number];

/**
 * The SKU with exactly this code among search results (a search matches codes and titles by
 * substring), comparing as the API does: codes are stored trimmed and in upper case.
 */
export function skuWithCode(skus: readonly SkuSummary[], code: string): SkuSummary | null {
  const wanted = code.trim().toUpperCase();
  return skus.find((sku) => sku.code === wanted) ?? null;
}

/**
 * Shown movements with the newest page folded in on top, newest first. Null when the newest
 * page does not reach what is shown (more arrived than one page holds): the caller then starts
 * again from the newest page rather than show a list with a hole in it.
 */
export function withNewestMovements(
  shown: readonly Movement[],
  newest: readonly Movement[],
): Movement[] | null {
  const shownIds = new Set(shown.map((movement) => movement.id));
  const overlapAt = newest.findIndex((movement) => shownIds.has(movement.id));
  const reachesShown = overlapAt !== -1 || shown.length === 0 || newest.length < movementPageSize;
  if (!reachesShown) {
    return null;
  }
  const added = overlapAt === -1 ? newest : newest.slice(0, overlapAt);
  return [...added, ...shown];
}
