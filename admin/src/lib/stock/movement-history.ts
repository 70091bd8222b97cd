/**
 * One SKU's movement history: the documents the history screen reads, and the rule for folding
 * the newest page into what is already shown when a live change says there is more. The SKU is
 * named by its id throughout, so an unnamed SKU (code null) has a history like any other.
 */
import { graphql } from '$lib/gql';
import type { HistorySkuQuery, MovementFieldsFragment } from '$lib/gql/graphql';

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
    madeBy
    occurredAt
    recordedAt
  }
`);

export const historySkuQuery = graphql(`
  query HistorySku($id: ID!) {
    sku(id: $id) {
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
  query MovementPage($skuId: ID!, $first: Int!, $after: String) {
    movements(filter: { skuId: $skuId }, first: $first, after: $after) {
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

/** The SKU whose history is shown, with its stock now at each location. */
export type HistorySku = NonNullable<HistorySkuQuery['sku']>;

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
