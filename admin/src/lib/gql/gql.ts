/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n": typeof types.ShopSettingsDocument,
    "\n  query SignInCheck {\n    locations {\n      id\n    }\n  }\n": typeof types.SignInCheckDocument,
    "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    actor\n    occurredAt\n    recordedAt\n  }\n": typeof types.MovementFieldsFragmentDoc,
    "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": typeof types.HistorySkuDocument,
    "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MovementPageDocument,
    "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n": typeof types.StockLevelFieldsFragmentDoc,
    "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": typeof types.StockTableDocument,
    "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n": typeof types.StockLevelChangedDocument,
};
const documents: Documents = {
    "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n": types.ShopSettingsDocument,
    "\n  query SignInCheck {\n    locations {\n      id\n    }\n  }\n": types.SignInCheckDocument,
    "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    actor\n    occurredAt\n    recordedAt\n  }\n": types.MovementFieldsFragmentDoc,
    "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": types.HistorySkuDocument,
    "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MovementPageDocument,
    "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n": types.StockLevelFieldsFragmentDoc,
    "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": types.StockTableDocument,
    "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n": types.StockLevelChangedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n"): (typeof documents)["\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignInCheck {\n    locations {\n      id\n    }\n  }\n"): (typeof documents)["\n  query SignInCheck {\n    locations {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    actor\n    occurredAt\n    recordedAt\n  }\n"): (typeof documents)["\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    actor\n    occurredAt\n    recordedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n"): (typeof documents)["\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;