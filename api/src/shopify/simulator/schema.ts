// The slice of Shopify's Admin GraphQL schema the system uses, as SDL, with Shopify's type,
// field and enum names so the same documents run against the simulator and the real shop.
// Leaves out: everything else in the Admin API (orders, customers, fulfilment orders, metafields,
// `inventoryAdjustQuantities`), backward paging on nested connections beyond `last`/`before`,
// and deprecated fields other than `compareQuantity`.
import { type GraphQLSchema, buildSchema } from 'graphql';

const sdl = /* GraphQL */ `
  directive @idempotent(key: String!) on FIELD

  scalar DateTime
  scalar Money
  scalar URL
  scalar UnsignedInt64

  interface Node {
    id: ID!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum CurrencyCode {
    AUD
    CAD
    CHF
    DKK
    EUR
    GBP
    JPY
    NOK
    NZD
    SEK
    USD
  }

  type Shop implements Node {
    id: ID!
    name: String!
    myshopifyDomain: String!
    currencyCode: CurrencyCode!
    ianaTimezone: String!
    taxesIncluded: Boolean!
  }

  type Location implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    isActive: Boolean!
    fulfillsOnlineOrders: Boolean!
    inventoryLevels(first: Int, after: String, last: Int, before: String): InventoryLevelConnection!
    inventoryLevel(inventoryItemId: ID!): InventoryLevel
  }

  type LocationEdge {
    cursor: String!
    node: Location!
  }

  type LocationConnection {
    nodes: [Location!]!
    edges: [LocationEdge!]!
    pageInfo: PageInfo!
  }

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }

  type Product implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    status: ProductStatus!
    productType: String!
    vendor: String!
    variants(first: Int, after: String, last: Int, before: String): ProductVariantConnection!
  }

  type ProductEdge {
    cursor: String!
    node: Product!
  }

  type ProductConnection {
    nodes: [Product!]!
    edges: [ProductEdge!]!
    pageInfo: PageInfo!
  }

  enum ProductVariantInventoryPolicy {
    DENY
    CONTINUE
  }

  type ProductVariant implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    displayName: String!
    sku: String
    barcode: String
    price: Money!
    inventoryPolicy: ProductVariantInventoryPolicy!
    inventoryItem: InventoryItem!
    product: Product!
  }

  type ProductVariantEdge {
    cursor: String!
    node: ProductVariant!
  }

  type ProductVariantConnection {
    nodes: [ProductVariant!]!
    edges: [ProductVariantEdge!]!
    pageInfo: PageInfo!
  }

  enum WeightUnit {
    GRAMS
    KILOGRAMS
    OUNCES
    POUNDS
  }

  type Weight {
    value: Float!
    unit: WeightUnit!
  }

  type InventoryItemMeasurement {
    weight: Weight
  }

  type InventoryItem implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    tracked: Boolean!
    sku: String
    requiresShipping: Boolean!
    measurement: InventoryItemMeasurement!
    variant: ProductVariant!
    inventoryLevels(first: Int, after: String, last: Int, before: String): InventoryLevelConnection!
    inventoryLevel(locationId: ID!): InventoryLevel
  }

  type InventoryItemEdge {
    cursor: String!
    node: InventoryItem!
  }

  type InventoryItemConnection {
    nodes: [InventoryItem!]!
    edges: [InventoryItemEdge!]!
    pageInfo: PageInfo!
  }

  type InventoryQuantity {
    name: String!
    quantity: Int!
    updatedAt: DateTime
  }

  type InventoryLevel implements Node {
    id: ID!
    location: Location!
    item: InventoryItem!
    quantities(names: [String!]!): [InventoryQuantity!]!
    updatedAt: DateTime!
  }

  type InventoryLevelEdge {
    cursor: String!
    node: InventoryLevel!
  }

  type InventoryLevelConnection {
    nodes: [InventoryLevel!]!
    edges: [InventoryLevelEdge!]!
    pageInfo: PageInfo!
  }

  type QueryRoot {
    shop: Shop!
    location(id: ID): Location
    locations(
      first: Int
      after: String
      last: Int
      before: String
      includeInactive: Boolean = false
      query: String
    ): LocationConnection!
    product(id: ID!): Product
    products(
      first: Int
      after: String
      last: Int
      before: String
      query: String
    ): ProductConnection!
    productVariant(id: ID!): ProductVariant
    inventoryItem(id: ID!): InventoryItem
    inventoryItems(
      first: Int
      after: String
      last: Int
      before: String
      query: String
    ): InventoryItemConnection!
    inventoryLevel(id: ID!): InventoryLevel
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
  }

  input InventoryQuantityInput {
    inventoryItemId: ID!
    locationId: ID!
    quantity: Int!
    compareQuantity: Int @deprecated(reason: "Use changeFromQuantity.")
    changeFromQuantity: Int
  }

  input InventorySetQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: URL
    quantities: [InventoryQuantityInput!]!
    ignoreCompareQuantity: Boolean = false
  }

  type InventoryChange {
    name: String!
    delta: Int!
    quantityAfterChange: Int
    item: InventoryItem
    location: Location
  }

  type InventoryAdjustmentGroup implements Node {
    id: ID!
    createdAt: DateTime!
    reason: String!
    referenceDocumentUri: URL
    changes: [InventoryChange!]!
  }

  enum InventorySetQuantitiesUserErrorCode {
    CHANGE_FROM_QUANTITY_STALE
    COMPARE_QUANTITY_REQUIRED
    COMPARE_QUANTITY_STALE
    IDEMPOTENCY_CONCURRENT_REQUEST
    IDEMPOTENCY_KEY_PARAMETER_MISMATCH
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_NAME
    INVALID_QUANTITY_NEGATIVE
    INVALID_QUANTITY_TOO_HIGH
    INVALID_QUANTITY_TOO_LOW
    INVALID_REASON
    INVALID_REFERENCE_DOCUMENT
    ITEM_NOT_STOCKED_AT_LOCATION
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
    NON_MUTABLE_INVENTORY_ITEM
  }

  type InventorySetQuantitiesUserError {
    code: InventorySetQuantitiesUserErrorCode
    field: [String!]
    message: String!
  }

  type InventorySetQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventorySetQuantitiesUserError!]!
  }

  type Mutation {
    inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  }

  schema {
    query: QueryRoot
    mutation: Mutation
  }
`;

/** Builds the simulator's schema; resolvers come from the root value (see resolvers.ts). */
export function buildSimulatorSchema(): GraphQLSchema {
  return buildSchema(sdl);
}
