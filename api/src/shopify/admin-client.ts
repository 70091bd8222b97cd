// The system's client for Shopify's Admin GraphQL API, built on the official
// `@shopify/shopify-api` library: shop settings, locations, the catalogue with inventory levels,
// re-reading `available`, and setting `available` with compare-and-set and an idempotency key.
// With `adminUrl` set, calls for that shop go to that base URL instead of
// `https://{shop}` (the simulator), through one fetch function installed once per process.
// Leaves out: webhooks (verified elsewhere), REST, OAuth, and bulk operations; retry policy
// lives in retry.ts.
import '@shopify/shopify-api/adapters/node';

import {
  ApiVersion,
  type GraphqlClient,
  LogSeverity,
  type Session,
  shopifyApi,
} from '@shopify/shopify-api';
import { abstractFetch, setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import type { Logger } from 'pino';

import {
  type RetryPolicy,
  ShopifyRequestError,
  ShopifyTransientError,
  isTransient,
  withRetries,
} from './retry.ts';

export { ShopifyRequestError, ShopifyTransientError, isTransient };

export interface ShopifyAdminConfig {
  /** `your-shop.myshopify.com` (a bare handle gets `.myshopify.com` added). */
  shop: string;
  /** The custom app's Admin API access token; never logged. */
  accessToken: string;
  /** `YYYY-MM`, e.g. `2026-04`. */
  apiVersion: string;
  /** The app's client secret (API secret key). */
  clientSecret: string;
  /** Base URL replacing `https://{shop}`, e.g. `http://127.0.0.1:7001` for the simulator. */
  adminUrl?: string;
  logger?: Logger;
  /** Wait after THROTTLED when Shopify sends no `throttleStatus`; 1000 by default. */
  backoffMs?: number;
  /** Attempts per call before a ShopifyTransientError; 6 by default. */
  attemptsMax?: number;
  /** Per-attempt timeout; 20 000 by default. */
  timeoutMs?: number;
  /** First backoff after a 5xx, network error or timeout; doubles per attempt. 500 by default. */
  retryDelayBaseMs?: number;
  /** Products per page of `fetchProducts`; 25 by default (at most 40 keeps under 1000 points). */
  productsPageSize?: number;
  /** Replaces real waiting (tests). */
  sleep?: (delayMs: number) => Promise<void>;
  /** Uniform in [0, 1) for jitter (tests). */
  random?: () => number;
}

export interface ShopifyShop {
  name: string;
  /** The `.myshopify.com` domain. */
  domain: string;
  /** ISO 4217 code of the shop's currency. */
  currency: string;
  /** IANA time zone, e.g. `Europe/London`. */
  timeZone: string;
  /** Whether prices include tax. */
  taxesIncluded: boolean;
}

export interface ShopifyLocation {
  gid: string;
  legacyId: string;
  name: string;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
}

export interface ShopifyInventoryLevel {
  locationGid: string;
  available: number;
  onHand: number;
}

export interface ShopifyInventoryItem {
  gid: string;
  legacyId: string;
  tracked: boolean;
  /** One per location the item is stocked at, in location order. */
  levels: ShopifyInventoryLevel[];
}

export interface ShopifyVariant {
  gid: string;
  legacyId: string;
  title: string;
  /** As Shopify holds it: may be blank or null. */
  sku: string | null;
  barcode: string | null;
  /** Decimal string in the shop's currency. */
  price: string;
  /** `DENY` or `CONTINUE` (sell when out of stock). */
  inventoryPolicy: string;
  inventoryItem: ShopifyInventoryItem;
}

export interface ShopifyProduct {
  gid: string;
  legacyId: string;
  title: string;
  handle: string;
  /** `ACTIVE`, `ARCHIVED` or `DRAFT`. */
  status: string;
  vendor: string;
  productType: string;
  variants: ShopifyVariant[];
}

export interface ShopifyUserError {
  /** Shopify's InventorySetQuantitiesUserErrorCode, e.g. `COMPARE_QUANTITY_STALE`. */
  code: string | null;
  field: string[] | null;
  message: string;
}

export interface ItemLocationPair {
  inventoryItemGid: string;
  locationGid: string;
}

export interface SetAvailableQuantity extends ItemLocationPair {
  /** The new absolute `available`. */
  quantity: number;
  /** What we believe the shop holds now; null sets without comparing. */
  changeFromQuantity: number | null;
}

export interface SetAvailableInput {
  /** At most 250. */
  quantities: SetAvailableQuantity[];
  /** The same key for a retry of the same figures; a new key for new figures. */
  idempotencyKey: string;
  referenceDocumentUri: string;
}

export type SetAvailableOutcome =
  | {
      kind: 'applied';
      changes: { inventoryItemGid: string; locationGid: string; quantityAfterChange: number }[];
    }
  /** A compare failed (the shop's figure moved): re-read, recompute and send again. */
  | { kind: 'stale'; userErrors: ShopifyUserError[] }
  /** Business refusals to show a person; nothing was applied. */
  | { kind: 'rejected'; userErrors: ShopifyUserError[] };

export interface ShopifyAdminClient {
  fetchShop(): Promise<ShopifyShop>;
  /** Every location, inactive ones included. */
  fetchLocations(): Promise<ShopifyLocation[]>;
  /** The catalogue a page at a time (25 products), each variant with its item's levels. */
  fetchProducts(): AsyncGenerator<ShopifyProduct[]>;
  /**
   * Current `available` per pair, keyed `${inventoryItemGid}|${locationGid}`. A pair the shop
   * does not stock (or an unknown item) has no entry.
   */
  fetchAvailable(pairs: ItemLocationPair[]): Promise<Map<string, number>>;
  setAvailable(input: SetAvailableInput): Promise<SetAvailableOutcome>;
}

/** Most quantities one `inventorySetQuantities` call may carry. */
export const setAvailableQuantitiesMax = 250;

const productsPageSizeDefault = 25;
const variantsFirst = 10;
const variantsPageSize = 100;
const levelsPageSize = 50;
const availablePairsPerCall = 100;
/** Cost budget for one levels query, well under the 1000-point single-query limit. */
const levelsQueryCostMax = 500;
const staleCodes = new Set(['COMPARE_QUANTITY_STALE', 'CHANGE_FROM_QUANTITY_STALE']);

// ---------------------------------------------------------------------------------------------
// Routing to a simulator. The library builds `https://{shop}/admin/api/...` itself and calls the
// fetch installed with setAbstractFetchFunc (the node adapter installs globalThis.fetch when it
// is imported). Ours rewrites calls carrying a route header and passes everything else through.
// A header, rather than the shop, picks the route, so two simulators for one shop can coexist.

const routeHeader = 'x-quartermaster-admin-route';
const adminUrlByRoute = new Map<string, URL>();
let routeSequence = 0;

const routingFetch: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  const route = headers.get(routeHeader);
  headers.delete(routeHeader);

  const target = route ? adminUrlByRoute.get(route) : undefined;
  if (!target || input instanceof Request) {
    return globalThis.fetch(input, { ...init, headers });
  }

  const original = new URL(String(input));
  const basePath = target.pathname.replace(/\/$/, '');
  const rewritten = `${target.origin}${basePath}${original.pathname}${original.search}`;
  return globalThis.fetch(rewritten, { ...init, headers });
};

/** Installs the routing fetch unless it is already the library's fetch. */
function installRoutingFetch(): void {
  if (abstractFetch !== routingFetch) {
    setAbstractFetchFunc(routingFetch);
  }
}

function registerRoute(adminUrl: string, shop: string): string {
  routeSequence += 1;
  const route = `${shop}#${routeSequence}`;
  adminUrlByRoute.set(route, new URL(adminUrl));
  return route;
}

// ---------------------------------------------------------------------------------------------
// GraphQL documents. Costs noted are the simulator's approximation of Shopify's.

const shopQuery = /* GraphQL */ `
  query QuartermasterShop {
    shop {
      name
      myshopifyDomain
      currencyCode
      ianaTimezone
      taxesIncluded
    }
  }
`;

// Cost 2 + 100 × 1 = 102.
const locationsQuery = /* GraphQL */ `
  query QuartermasterLocations($after: String) {
    locations(first: 100, after: $after, includeInactive: true) {
      nodes {
        id
        legacyResourceId
        name
        isActive
        fulfillsOnlineOrders
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const variantFields = /* GraphQL */ `
  fragment QuartermasterVariant on ProductVariant {
    id
    legacyResourceId
    title
    sku
    barcode
    price
    inventoryPolicy
    inventoryItem {
      id
      legacyResourceId
      tracked
    }
  }
`;

// Cost 2 + 25 × (1 + 2 + 10 × 2) = 577.
const productsQuery = /* GraphQL */ `
  ${variantFields}
  query QuartermasterProducts($first: Int!, $after: String, $variantsFirst: Int!) {
    products(first: $first, after: $after) {
      nodes {
        id
        legacyResourceId
        title
        handle
        status
        vendor
        productType
        variants(first: $variantsFirst) {
          nodes {
            ...QuartermasterVariant
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

// Cost 1 + 2 + 100 × 2 = 203.
const productVariantsQuery = /* GraphQL */ `
  ${variantFields}
  query QuartermasterProductVariants($id: ID!, $first: Int!, $after: String) {
    product(id: $id) {
      variants(first: $first, after: $after) {
        nodes {
          ...QuartermasterVariant
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

const levelFields = /* GraphQL */ `
  fragment QuartermasterLevels on InventoryLevelConnection {
    nodes {
      location {
        id
      }
      quantities(names: ["available", "on_hand"]) {
        name
        quantity
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
`;

// Cost per item 1 + 2 + levelsFirst × 3.
const itemsLevelsQuery = /* GraphQL */ `
  ${levelFields}
  query QuartermasterItemsLevels($ids: [ID!]!, $levelsFirst: Int!) {
    nodes(ids: $ids) {
      ... on InventoryItem {
        id
        inventoryLevels(first: $levelsFirst) {
          ...QuartermasterLevels
        }
      }
    }
  }
`;

const itemLevelsQuery = /* GraphQL */ `
  ${levelFields}
  query QuartermasterItemLevels($id: ID!, $first: Int!, $after: String) {
    inventoryItem(id: $id) {
      inventoryLevels(first: $first, after: $after) {
        ...QuartermasterLevels
      }
    }
  }
`;

const setQuantitiesSelection = /* GraphQL */ `
  {
    inventoryAdjustmentGroup {
      id
      changes {
        name
        quantityAfterChange
        item {
          id
        }
        location {
          id
        }
      }
    }
    userErrors {
      code
      field
      message
    }
  }
`;

const setQuantitiesIdempotentMutation = /* GraphQL */ `
  mutation QuartermasterSetAvailable(
    $input: InventorySetQuantitiesInput!
    $idempotencyKey: String!
  ) {
    inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey)
    ${setQuantitiesSelection}
  }
`;

const setQuantitiesMutation = /* GraphQL */ `
  mutation QuartermasterSetAvailable($input: InventorySetQuantitiesInput!) {
    inventorySetQuantities(input: $input)
    ${setQuantitiesSelection}
  }
`;

// ---------------------------------------------------------------------------------------------
// Answer shapes.

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface ShopData {
  shop: {
    name: string;
    myshopifyDomain: string;
    currencyCode: string;
    ianaTimezone: string;
    taxesIncluded: boolean;
  };
}

interface LocationsData {
  locations: {
    nodes: {
      id: string;
      legacyResourceId: string;
      name: string;
      isActive: boolean;
      fulfillsOnlineOrders: boolean;
    }[];
    pageInfo: PageInfo;
  };
}

interface VariantNode {
  id: string;
  legacyResourceId: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  inventoryPolicy: string;
  inventoryItem: { id: string; legacyResourceId: string; tracked: boolean };
}

interface VariantConnection {
  nodes: VariantNode[];
  pageInfo: PageInfo;
}

interface ProductsData {
  products: {
    nodes: {
      id: string;
      legacyResourceId: string;
      title: string;
      handle: string;
      status: string;
      vendor: string;
      productType: string;
      variants: VariantConnection;
    }[];
    pageInfo: PageInfo;
  };
}

interface ProductVariantsData {
  product: { variants: VariantConnection } | null;
}

interface LevelConnection {
  nodes: { location: { id: string }; quantities: { name: string; quantity: number }[] }[];
  pageInfo: PageInfo;
}

interface ItemsLevelsData {
  nodes: ({ id?: string; inventoryLevels?: LevelConnection } | null)[];
}

interface ItemLevelsData {
  inventoryItem: { inventoryLevels: LevelConnection } | null;
}

type AvailableData = Record<
  string,
  { inventoryLevel: { quantities: { name: string; quantity: number }[] } | null } | null
>;

interface SetQuantitiesData {
  inventorySetQuantities: {
    inventoryAdjustmentGroup: {
      id: string;
      changes: {
        name: string;
        quantityAfterChange: number | null;
        item: { id: string } | null;
        location: { id: string } | null;
      }[];
    } | null;
    userErrors: ShopifyUserError[];
  } | null;
}

// ---------------------------------------------------------------------------------------------

function normaliseShop(shop: string): string {
  const host = shop
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  return host.includes('.') ? host : `${host}.myshopify.com`;
}

function knownApiVersion(apiVersion: string, logger: Logger | undefined): ApiVersion {
  const known = Object.values(ApiVersion).find((version: string) => version === apiVersion);
  if (known) {
    return known;
  }

  if (!/^\d{4}-\d{2}$/.test(apiVersion)) {
    throw new ShopifyRequestError(`Not a Shopify API version: ${apiVersion}`, undefined);
  }

  // Newer than this library release: Shopify serves it all the same.
  logger?.warn({ apiVersion }, 'shopify api version unknown to @shopify/shopify-api');
  return apiVersion as ApiVersion;
}

function chunks<Item>(items: Item[], size: number): Item[][] {
  const result: Item[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

function quantityOf(quantities: { name: string; quantity: number }[], name: string): number {
  return quantities.find((entry) => entry.name === name)?.quantity ?? 0;
}

function toLevels(connection: LevelConnection): ShopifyInventoryLevel[] {
  return connection.nodes.map((node) => ({
    locationGid: node.location.id,
    available: quantityOf(node.quantities, 'available'),
    onHand: quantityOf(node.quantities, 'on_hand'),
  }));
}

function pairKey(pair: ItemLocationPair): string {
  return `${pair.inventoryItemGid}|${pair.locationGid}`;
}

function nextCursor(pageInfo: PageInfo): string | null {
  return pageInfo.hasNextPage ? pageInfo.endCursor : null;
}

// ---------------------------------------------------------------------------------------------
// Reads and writes, each over one shop's connection.

/** One GraphQL call with retries: answers its data or throws (see retry.ts). */
type Request = <Data>(
  operation: string,
  query: string,
  variables?: Record<string, unknown>,
) => Promise<Data>;

interface AdminConnection {
  shop: string;
  request: Request;
  policy: RetryPolicy;
  logger: Logger | undefined;
}

async function readShop({ request }: AdminConnection): Promise<ShopifyShop> {
  const data: ShopData = await request('shop', shopQuery);

  return {
    name: data.shop.name,
    domain: data.shop.myshopifyDomain,
    currency: data.shop.currencyCode,
    timeZone: data.shop.ianaTimezone,
    taxesIncluded: data.shop.taxesIncluded,
  };
}

async function readLocations({ request }: AdminConnection): Promise<ShopifyLocation[]> {
  const locations: ShopifyLocation[] = [];
  let after: string | null = null;

  do {
    const data: LocationsData = await request('locations', locationsQuery, { after });
    for (const node of data.locations.nodes) {
      locations.push({
        gid: node.id,
        legacyId: node.legacyResourceId,
        name: node.name,
        isActive: node.isActive,
        fulfillsOnlineOrders: node.fulfillsOnlineOrders,
      });
    }
    after = nextCursor(data.locations.pageInfo);
  } while (after);

  return locations;
}

/** A product's variants after the first page. */
async function readMoreVariants(
  { request }: AdminConnection,
  productGid: string,
  after: string,
): Promise<VariantNode[]> {
  const variants: VariantNode[] = [];
  let cursor: string | null = after;

  while (cursor) {
    const variables = { id: productGid, first: variantsPageSize, after: cursor };
    const data: ProductVariantsData = await request(
      'productVariants',
      productVariantsQuery,
      variables,
    );
    const connection = data.product?.variants;
    variants.push(...(connection?.nodes ?? []));
    cursor = connection ? nextCursor(connection.pageInfo) : null;
  }

  return variants;
}

/** An item's levels after the first page (more locations than the shop had when counted). */
async function readMoreLevels(
  { request }: AdminConnection,
  itemGid: string,
  after: string,
): Promise<ShopifyInventoryLevel[]> {
  const levels: ShopifyInventoryLevel[] = [];
  let cursor: string | null = after;

  while (cursor) {
    const variables = { id: itemGid, first: levelsPageSize, after: cursor };
    const data: ItemLevelsData = await request('itemLevels', itemLevelsQuery, variables);
    const connection = data.inventoryItem?.inventoryLevels;
    levels.push(...(connection ? toLevels(connection) : []));
    cursor = connection ? nextCursor(connection.pageInfo) : null;
  }

  return levels;
}

/**
 * Levels of many items, `levelsFirst` per item (the number of locations), in as few calls as
 * the cost budget allows.
 */
async function readLevelsOfItems(
  connection: AdminConnection,
  itemGids: string[],
  levelsFirst: number,
): Promise<Map<string, ShopifyInventoryLevel[]>> {
  const itemsPerCall = Math.max(1, Math.floor(levelsQueryCostMax / (3 + 3 * levelsFirst)));
  const levelsByItem = new Map<string, ShopifyInventoryLevel[]>();

  for (const ids of chunks(itemGids, Math.min(itemsPerCall, 250))) {
    const variables = { ids, levelsFirst };
    const data: ItemsLevelsData = await connection.request(
      'itemsLevels',
      itemsLevelsQuery,
      variables,
    );

    for (const node of data.nodes) {
      if (!node?.id || !node.inventoryLevels) {
        continue;
      }
      const after = nextCursor(node.inventoryLevels.pageInfo);
      const more = after ? await readMoreLevels(connection, node.id, after) : [];
      levelsByItem.set(node.id, [...toLevels(node.inventoryLevels), ...more]);
    }
  }

  return levelsByItem;
}

function toProduct(
  product: ProductsData['products']['nodes'][number],
  variants: VariantNode[],
  levelsByItem: Map<string, ShopifyInventoryLevel[]>,
): ShopifyProduct {
  return {
    gid: product.id,
    legacyId: product.legacyResourceId,
    title: product.title,
    handle: product.handle,
    status: product.status,
    vendor: product.vendor,
    productType: product.productType,
    variants: variants.map((variant) => ({
      gid: variant.id,
      legacyId: variant.legacyResourceId,
      title: variant.title,
      sku: variant.sku,
      barcode: variant.barcode,
      price: variant.price,
      inventoryPolicy: variant.inventoryPolicy,
      inventoryItem: {
        gid: variant.inventoryItem.id,
        legacyId: variant.inventoryItem.legacyResourceId,
        tracked: variant.inventoryItem.tracked,
        levels: levelsByItem.get(variant.inventoryItem.id) ?? [],
      },
    })),
  };
}

async function* readProducts(
  connection: AdminConnection,
  pageSize: number,
  levelsFirst: () => Promise<number>,
): AsyncGenerator<ShopifyProduct[]> {
  let after: string | null = null;

  do {
    const variables = { first: pageSize, after, variantsFirst };
    const data: ProductsData = await connection.request('products', productsQuery, variables);
    const products = data.products.nodes;

    const variantsByProduct = new Map<string, VariantNode[]>();
    for (const product of products) {
      const variantsAfter = nextCursor(product.variants.pageInfo);
      const more = variantsAfter
        ? await readMoreVariants(connection, product.id, variantsAfter)
        : [];
      variantsByProduct.set(product.id, [...product.variants.nodes, ...more]);
    }

    const variants = [...variantsByProduct.values()].flat();
    const itemGids = variants.map((variant) => variant.inventoryItem.id);
    const levelsByItem = await readLevelsOfItems(connection, itemGids, await levelsFirst());

    yield products.map((product) =>
      toProduct(product, variantsByProduct.get(product.id) ?? [], levelsByItem),
    );
    after = nextCursor(data.products.pageInfo);
  } while (after);
}

/** One query reading `available` for each pair through aliases `p0`, `p1`, … */
function availableQuery(batch: ItemLocationPair[]): {
  query: string;
  variables: Record<string, string>;
} {
  const variables: Record<string, string> = {};
  const parameters: string[] = [];
  const fields: string[] = [];

  batch.forEach((pair, index) => {
    variables[`item${index}`] = pair.inventoryItemGid;
    variables[`location${index}`] = pair.locationGid;
    parameters.push(`$item${index}: ID!, $location${index}: ID!`);
    fields.push(
      `p${index}: inventoryItem(id: $item${index}) { ` +
        `inventoryLevel(locationId: $location${index}) { ` +
        `quantities(names: ["available"]) { name quantity } } }`,
    );
  });

  const query =
    `query QuartermasterAvailable(${parameters.join(', ')}) {\n  ` + `${fields.join('\n  ')}\n}`;
  return { query, variables };
}

async function readAvailable(
  { request }: AdminConnection,
  pairs: ItemLocationPair[],
): Promise<Map<string, number>> {
  const unique = [...new Map(pairs.map((pair) => [pairKey(pair), pair])).values()];
  const available = new Map<string, number>();

  for (const batch of chunks(unique, availablePairsPerCall)) {
    const { query, variables } = availableQuery(batch);
    const data: AvailableData = await request('available', query, variables);

    batch.forEach((pair, index) => {
      const level = data[`p${index}`]?.inventoryLevel;
      if (level) {
        available.set(pairKey(pair), quantityOf(level.quantities, 'available'));
      }
    });
  }

  return available;
}

/**
 * The mutation input for the API version: `changeFromQuantity` from 2026-04, `compareQuantity`
 * before. Before 2026-04 the opt-out (`ignoreCompareQuantity`) covers the whole batch, so an
 * unchecked quantity in a checked batch compares against the figure read just now; a sale in
 * between comes back as stale, which the caller handles like any other.
 */
async function setQuantitiesInput(
  connection: AdminConnection,
  input: SetAvailableInput,
  isCompareAndSwap: boolean,
) {
  const base = { name: 'available', reason: 'correction' };
  const referenceDocumentUri = input.referenceDocumentUri;
  const target = (quantity: SetAvailableQuantity) => ({
    inventoryItemId: quantity.inventoryItemGid,
    locationId: quantity.locationGid,
    quantity: quantity.quantity,
  });

  if (isCompareAndSwap) {
    const quantities = input.quantities.map((quantity) => ({
      ...target(quantity),
      changeFromQuantity: quantity.changeFromQuantity,
    }));
    return { ...base, referenceDocumentUri, quantities };
  }

  const unchecked = input.quantities.filter((quantity) => quantity.changeFromQuantity === null);
  if (unchecked.length === input.quantities.length) {
    const quantities = input.quantities.map(target);
    return { ...base, referenceDocumentUri, ignoreCompareQuantity: true, quantities };
  }

  const current =
    unchecked.length > 0 ? await readAvailable(connection, unchecked) : new Map<string, number>();
  const quantities = input.quantities.map((quantity) => ({
    ...target(quantity),
    compareQuantity: quantity.changeFromQuantity ?? current.get(pairKey(quantity)) ?? 0,
  }));
  return { ...base, referenceDocumentUri, ignoreCompareQuantity: false, quantities };
}

type SetQuantitiesPayload = NonNullable<SetQuantitiesData['inventorySetQuantities']>;

/** Sends the mutation; a key still in flight at Shopify is waited for, up to three times. */
async function sendSetQuantities(
  { request, policy, logger, shop }: AdminConnection,
  mutation: string,
  variables: Record<string, unknown>,
): Promise<SetQuantitiesPayload> {
  const attemptsMax = 3;

  for (let attempt = 1; ; attempt += 1) {
    const data: SetQuantitiesData = await request('inventorySetQuantities', mutation, variables);
    const answer = data.inventorySetQuantities;
    if (!answer) {
      throw new ShopifyRequestError('Shopify inventorySetQuantities answered null', 200);
    }

    const codes = answer.userErrors.map((error) => error.code);
    if (!codes.includes('IDEMPOTENCY_CONCURRENT_REQUEST')) {
      return answer;
    }
    if (attempt >= attemptsMax) {
      const message = 'Shopify was still processing the same idempotency key';
      throw new ShopifyTransientError(message, 'concurrent-request', attempt);
    }

    const waitMs = policy.retryDelayBaseMs * 2 ** (attempt - 1);
    logger?.warn({ attempt, waitMs, shop }, 'shopify idempotency key in flight');
    await policy.sleep(waitMs);
  }
}

/** Stale only when every refusal is a stale compare; any other refusal needs a person. */
function toOutcome(payload: SetQuantitiesPayload): SetAvailableOutcome {
  const { userErrors } = payload;
  if (userErrors.length > 0) {
    const allStale = userErrors.every((error) => staleCodes.has(error.code ?? ''));
    return allStale ? { kind: 'stale', userErrors } : { kind: 'rejected', userErrors };
  }

  const changes = (payload.inventoryAdjustmentGroup?.changes ?? [])
    .filter((change) => change.name === 'available')
    .map((change) => ({
      inventoryItemGid: change.item?.id ?? '',
      locationGid: change.location?.id ?? '',
      quantityAfterChange: change.quantityAfterChange ?? 0,
    }));
  return { kind: 'applied', changes };
}

// ---------------------------------------------------------------------------------------------

function libraryClient(config: ShopifyAdminConfig, shop: string): GraphqlClient {
  const logger = config.logger;
  const shopify = shopifyApi({
    apiSecretKey: config.clientSecret,
    apiVersion: knownApiVersion(config.apiVersion, logger),
    isCustomStoreApp: true,
    adminApiAccessToken: config.accessToken,
    hostName: 'localhost',
    isEmbeddedApp: false,
    logger: {
      level: LogSeverity.Error,
      httpRequests: false,
      log: (severity, message) => {
        const level = severity === LogSeverity.Error ? 'error' : 'warn';
        logger?.[level]({ shop, source: '@shopify/shopify-api' }, message);
      },
    },
  });

  const session: Session = shopify.session.customAppSession(shop);
  return new shopify.clients.Graphql({ session });
}

/** Builds a client for one shop. Creating it makes no call. */
export function createShopifyAdminClient(config: ShopifyAdminConfig): ShopifyAdminClient {
  const shop = normaliseShop(config.shop);
  const logger = config.logger;
  const isCompareAndSwap = config.apiVersion >= '2026-04';
  const hasIdempotentDirective = config.apiVersion >= '2026-01';

  // The route must exist before the library client is built: it captures the fetch then.
  const headers: Record<string, string> = {};
  if (config.adminUrl) {
    installRoutingFetch();
    headers[routeHeader] = registerRoute(config.adminUrl, shop);
  }

  const graphql = libraryClient(config, shop);
  const timeoutMs = config.timeoutMs ?? 20_000;
  const policy: RetryPolicy = {
    attemptsMax: config.attemptsMax ?? 6,
    backoffMs: config.backoffMs ?? 1000,
    retryDelayBaseMs: config.retryDelayBaseMs ?? 500,
    retryDelayMaxMs: 30_000,
    sleep: config.sleep ?? ((delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs))),
    random: config.random ?? Math.random,
    logger,
    shop,
  };

  const request: Request = <Data>(
    operation: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Data> =>
    withRetries(
      async () => {
        const signal = AbortSignal.timeout(timeoutMs);
        const response = await graphql.request<Data>(query, { variables, headers, signal });
        if (!response.data) {
          throw new ShopifyRequestError(`Shopify ${operation} answered no data`, 200);
        }
        return response.data;
      },
      policy,
      operation,
    );
  const connection: AdminConnection = { shop, request, policy, logger };

  let locationCount: number | undefined;
  const fetchLocations = async (): Promise<ShopifyLocation[]> => {
    const locations = await readLocations(connection);
    locationCount = locations.length;
    return locations;
  };
  const levelsFirst = async (): Promise<number> => {
    const count = locationCount ?? (await fetchLocations()).length;
    return Math.min(250, Math.max(1, count));
  };

  return {
    fetchShop: () => readShop(connection),
    fetchLocations,
    fetchProducts: () =>
      readProducts(connection, config.productsPageSize ?? productsPageSizeDefault, levelsFirst),
    fetchAvailable: (pairs) => readAvailable(connection, pairs),

    setAvailable: async (input) => {
      if (input.quantities.length > setAvailableQuantitiesMax) {
        const count = input.quantities.length;
        throw new RangeError(`setAvailable takes at most 250 quantities, got ${count}`);
      }

      const quantitiesInput = await setQuantitiesInput(connection, input, isCompareAndSwap);
      const payload = hasIdempotentDirective
        ? await sendSetQuantities(connection, setQuantitiesIdempotentMutation, {
            input: quantitiesInput,
            idempotencyKey: input.idempotencyKey,
          })
        : await sendSetQuantities(connection, setQuantitiesMutation, { input: quantitiesInput });

      return toOutcome(payload);
    },
  };
}
