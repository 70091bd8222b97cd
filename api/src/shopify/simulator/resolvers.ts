// Resolvers for the simulator's schema: the root value for queries and the mutation, and
// "views" of store records, plain objects whose methods graphql-js calls as field resolvers.
// Views are built lazily, so cycles (variant → product → variants) cost nothing until asked.
// Leaves out: Shopify's full search syntax (only `field:value` terms joined by spaces, and bare
// words matched against titles), and sort keys other than id.
import { Buffer } from 'node:buffer';

import { GraphQLError, type GraphQLResolveInfo, getDirectiveValues } from 'graphql';

import { type SetQuantitiesResult, inputTooLarge, setQuantities } from './inventory.ts';
import {
  type AdjustmentGroupRecord,
  type InventoryItemRecord,
  type LevelRecord,
  type LocationRecord,
  type ProductRecord,
  type SimulatorStore,
  type UserErrorRecord,
  type VariantRecord,
  isQuantityName,
  legacyIdOf,
} from './store.ts';

/** What every resolver sees about the request it serves. */
export interface SimulatorContext {
  store: SimulatorStore;
  apiVersion: string;
  /** Called once for every `inventorySetQuantities` the simulator answers or refuses. */
  onSetQuantities: (call: SetQuantitiesCallContext) => void;
}

export interface SetQuantitiesCallContext {
  idempotencyKey: string | null;
  input: unknown;
  result: SetQuantitiesResult | undefined;
  error: GraphQLError | undefined;
}

interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

interface SearchArgs extends ConnectionArgs {
  query?: string | null;
}

interface PageInfoView {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

interface ConnectionView<Node> {
  nodes: Node[];
  edges: { cursor: string; node: Node }[];
  pageInfo: PageInfoView;
}

const pageSizeMax = 250;

function cursorOf(sortKey: string): string {
  const json = JSON.stringify({ last_id: Number(sortKey), last_value: sortKey });
  return Buffer.from(json).toString('base64');
}

function sortKeyOf(cursor: string): bigint {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (decoded && typeof decoded === 'object' && 'last_value' in decoded) {
      return BigInt(String(decoded.last_value));
    }
  } catch {
    // Falls through to the error below.
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, {
    extensions: { code: 'BAD_REQUEST' },
  });
}

/**
 * One page of `records` (already in sort-key order) as a Shopify connection. Shopify refuses a
 * connection without `first` or `last`, and more than 250 nodes a page.
 */
function connection<Item, Node>(
  records: Item[],
  sortKey: (record: Item) => string,
  args: ConnectionArgs,
  toNode: (record: Item) => Node,
): ConnectionView<Node> {
  const first = args.first ?? undefined;
  const last = args.last ?? undefined;

  if (first === undefined && last === undefined) {
    throw new GraphQLError('you must provide one of first or last', {
      extensions: { code: 'BAD_REQUEST' },
    });
  }

  for (const size of [first, last]) {
    if (size !== undefined && (size < 0 || size > pageSizeMax)) {
      throw new GraphQLError(`The page size must be between 0 and ${pageSizeMax}.`, {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
  }

  const after = args.after ? sortKeyOf(args.after) : undefined;
  const before = args.before ? sortKeyOf(args.before) : undefined;
  const window = records.filter((record) => {
    const key = BigInt(sortKey(record));
    return (after === undefined || key > after) && (before === undefined || key < before);
  });

  let page = window;
  if (first !== undefined) {
    page = page.slice(0, first);
  }
  if (last !== undefined) {
    page = page.slice(Math.max(0, page.length - last));
  }

  const edges = page.map((record) => ({ cursor: cursorOf(sortKey(record)), node: toNode(record) }));
  const firstInWindow = window[0];
  const lastInWindow = window[window.length - 1];
  const firstInPage = page[0];
  const lastInPage = page[page.length - 1];

  return {
    nodes: edges.map((edge) => edge.node),
    edges,
    pageInfo: {
      hasNextPage: lastInPage !== undefined && lastInPage !== lastInWindow,
      hasPreviousPage: (firstInPage !== undefined && firstInPage !== firstInWindow) || !!after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** Splits Shopify's search syntax into `field:value` terms and bare words. */
function searchTerms(query: string | null | undefined): { field: string; value: string }[] {
  const words = (query ?? '').match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  return words
    .filter((word) => word.toUpperCase() !== 'AND')
    .map((word) => {
      const colon = word.indexOf(':');
      const field = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
      const value = (colon > 0 ? word.slice(colon + 1) : word).replace(/^"|"$/g, '');
      return { field, value };
    });
}

function matchesText(text: string | null, pattern: string): boolean {
  const wanted = pattern.toLowerCase();
  const actual = (text ?? '').toLowerCase();
  return wanted.endsWith('*') ? actual.startsWith(wanted.slice(0, -1)) : actual === wanted;
}

function levelGid(level: LevelRecord): string {
  const locationId = legacyIdOf(level.locationGid);
  const itemId = legacyIdOf(level.inventoryItemGid);
  return `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${itemId}`;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds the views of one store's records. */
function makeViews(store: SimulatorStore) {
  const location = (record: LocationRecord) => ({
    __typename: 'Location',
    id: record.gid,
    legacyResourceId: record.legacyId,
    name: record.name,
    isActive: record.isActive,
    fulfillsOnlineOrders: record.fulfillsOnlineOrders,
    inventoryLevels: (args: ConnectionArgs) =>
      connection(
        store.levelsAtLocation(record.gid),
        (level) => legacyIdOf(level.inventoryItemGid),
        args,
        inventoryLevel,
      ),
    inventoryLevel: (args: { inventoryItemId: string }) => {
      const level = store.level(args.inventoryItemId, record.gid);
      return level ? inventoryLevel(level) : null;
    },
  });

  const inventoryLevel = (record: LevelRecord) => ({
    __typename: 'InventoryLevel',
    id: levelGid(record),
    location: () => {
      const found = store.location(record.locationGid);
      return found ? location(found) : null;
    },
    item: () => {
      const found = store.inventoryItems.get(record.inventoryItemGid);
      return found ? inventoryItem(found) : null;
    },
    quantities: (args: { names: string[] }) =>
      args.names.filter(isQuantityName).map((name) => ({
        name,
        quantity: record.quantities[name],
        updatedAt: isoSeconds(record.updatedAt),
      })),
    updatedAt: isoSeconds(record.updatedAt),
  });

  const inventoryItem = (record: InventoryItemRecord) => {
    const variantRecord = store.variants.get(record.variantGid);
    return {
      __typename: 'InventoryItem',
      id: record.gid,
      legacyResourceId: record.legacyId,
      tracked: record.tracked,
      sku: variantRecord?.sku ?? null,
      requiresShipping: true,
      measurement: {
        weight:
          record.weightValue === null
            ? null
            : { value: record.weightValue, unit: record.weightUnit ?? 'GRAMS' },
      },
      variant: () => (variantRecord ? variant(variantRecord) : null),
      inventoryLevels: (args: ConnectionArgs) =>
        connection(
          store.levelsOfItem(record.gid),
          (level) => legacyIdOf(level.locationGid),
          args,
          inventoryLevel,
        ),
      inventoryLevel: (args: { locationId: string }) => {
        const level = store.level(record.gid, args.locationId);
        return level ? inventoryLevel(level) : null;
      },
    };
  };

  const variant = (record: VariantRecord) => {
    const productRecord = store.product(record.productGid);
    return {
      __typename: 'ProductVariant',
      id: record.gid,
      legacyResourceId: record.legacyId,
      title: record.title,
      displayName: `${productRecord?.title ?? ''} - ${record.title}`,
      sku: record.sku,
      barcode: record.barcode,
      price: record.price,
      inventoryPolicy: record.inventoryPolicy,
      inventoryItem: () => {
        const found = store.inventoryItems.get(record.inventoryItemGid);
        return found ? inventoryItem(found) : null;
      },
      product: () => (productRecord ? product(productRecord) : null),
    };
  };

  const product = (record: ProductRecord) => ({
    __typename: 'Product',
    id: record.gid,
    legacyResourceId: record.legacyId,
    title: record.title,
    handle: record.handle,
    status: record.status,
    productType: record.productType,
    vendor: record.vendor,
    variants: (args: ConnectionArgs) => {
      const records = record.variantGids
        .map((gid) => store.variants.get(gid))
        .filter((found): found is VariantRecord => found !== undefined);
      return connection(records, (found) => found.legacyId, args, variant);
    },
  });

  const adjustmentGroup = (record: AdjustmentGroupRecord) => ({
    __typename: 'InventoryAdjustmentGroup',
    id: record.gid,
    createdAt: isoSeconds(record.createdAt),
    reason: record.reason,
    referenceDocumentUri: record.referenceDocumentUri,
    changes: record.changes.map((change) => ({
      name: change.name,
      delta: change.delta,
      quantityAfterChange: change.quantityAfterChange,
      item: () => {
        const found = store.inventoryItems.get(change.inventoryItemGid);
        return found ? inventoryItem(found) : null;
      },
      location: () => {
        const found = store.location(change.locationGid);
        return found ? location(found) : null;
      },
    })),
  });

  return { location, inventoryLevel, inventoryItem, variant, product, adjustmentGroup };
}

type Views = ReturnType<typeof makeViews>;

/** Finds any node the schema knows by its global id. */
function nodeById(store: SimulatorStore, views: Views, gid: string): object | null {
  const type = /^gid:\/\/shopify\/([A-Za-z]+)\//.exec(gid)?.[1];
  if (type === undefined) {
    return null;
  }

  switch (type) {
    case 'Location': {
      const found = store.location(gid);
      return found ? views.location(found) : null;
    }
    case 'Product': {
      const found = store.product(gid);
      return found ? views.product(found) : null;
    }
    case 'ProductVariant': {
      const found = store.variants.get(gid);
      return found ? views.variant(found) : null;
    }
    case 'InventoryItem': {
      const found = store.inventoryItems.get(gid);
      return found ? views.inventoryItem(found) : null;
    }
    case 'InventoryLevel': {
      const match = /InventoryLevel\/(\d+)\?inventory_item_id=(\d+)$/.exec(gid);
      const level = match
        ? store.level(
            `gid://shopify/InventoryItem/${match[2]}`,
            `gid://shopify/Location/${match[1]}`,
          )
        : undefined;
      return level ? views.inventoryLevel(level) : null;
    }
    default:
      return null;
  }
}

function productMatches(store: SimulatorStore, record: ProductRecord, query?: string | null) {
  return searchTerms(query).every(({ field, value }) => {
    const variants = record.variantGids.map((gid) => store.variants.get(gid));
    switch (field) {
      case 'status':
        return value.split(',').some((status) => status.toUpperCase() === record.status);
      case 'id':
        return value === record.legacyId;
      case 'sku':
        return variants.some((found) => matchesText(found?.sku ?? null, value));
      case 'handle':
        return matchesText(record.handle, value);
      case 'vendor':
        return matchesText(record.vendor, value);
      case 'product_type':
        return matchesText(record.productType, value);
      case 'title':
      case '':
        return record.title.toLowerCase().includes(value.replace(/\*$/, '').toLowerCase());
      default:
        return true;
    }
  });
}

function inventoryItemMatches(
  store: SimulatorStore,
  record: InventoryItemRecord,
  query?: string | null,
) {
  return searchTerms(query).every(({ field, value }) => {
    switch (field) {
      case 'sku':
        return matchesText(store.variants.get(record.variantGid)?.sku ?? null, value);
      case 'id':
        return value === record.legacyId;
      default:
        return true;
    }
  });
}

function idempotencyKeyOf(info: GraphQLResolveInfo): string | null {
  const directive = info.schema.getDirective('idempotent');
  const fieldNode = info.fieldNodes[0];
  if (!directive || !fieldNode) {
    return null;
  }

  const values = getDirectiveValues(directive, fieldNode, info.variableValues);
  const key = values?.['key'];
  return typeof key === 'string' ? key : null;
}

function userErrorView(error: UserErrorRecord) {
  return { code: error.code, field: error.field, message: error.message };
}

/** The root value: top-level query fields and the mutation. */
export function makeRootValue(store: SimulatorStore) {
  const views = makeViews(store);

  return {
    shop: () => ({ __typename: 'Shop', id: store.shop.gid, ...store.shop }),

    location: (args: { id?: string | null }) => {
      const found = args.id
        ? store.location(args.id)
        : store.locations.find((record) => record.fulfillsOnlineOrders);
      return found ? views.location(found) : null;
    },

    locations: (args: SearchArgs & { includeInactive?: boolean | null }) => {
      const records = store.locations.filter((record) => args.includeInactive || record.isActive);
      return connection(records, (record) => record.legacyId, args, views.location);
    },

    product: (args: { id: string }) => nodeById(store, views, args.id),

    products: (args: SearchArgs) => {
      const records = store.products.filter((record) => productMatches(store, record, args.query));
      return connection(records, (record) => record.legacyId, args, views.product);
    },

    productVariant: (args: { id: string }) => nodeById(store, views, args.id),

    inventoryItem: (args: { id: string }) => nodeById(store, views, args.id),

    inventoryItems: (args: SearchArgs) => {
      const records = store
        .inventoryItemsSorted()
        .filter((record) => inventoryItemMatches(store, record, args.query));
      return connection(records, (record) => record.legacyId, args, views.inventoryItem);
    },

    inventoryLevel: (args: { id: string }) => nodeById(store, views, args.id),

    node: (args: { id: string }) => nodeById(store, views, args.id),

    nodes: (args: { ids: string[] }) => {
      if (args.ids.length > pageSizeMax) {
        throw inputTooLarge(args.ids.length);
      }
      return args.ids.map((id) => nodeById(store, views, id));
    },

    inventorySetQuantities: (
      args: { input: unknown },
      context: SimulatorContext,
      info: GraphQLResolveInfo,
    ) => {
      const idempotencyKey = idempotencyKeyOf(info);
      const request = { input: args.input, apiVersion: context.apiVersion, idempotencyKey };

      let result: SetQuantitiesResult;
      try {
        result = setQuantities(store, request);
      } catch (error) {
        const refusal = error instanceof GraphQLError ? error : new GraphQLError(String(error));
        context.onSetQuantities({
          idempotencyKey,
          input: args.input,
          result: undefined,
          error: refusal,
        });
        throw refusal;
      }

      context.onSetQuantities({ idempotencyKey, input: args.input, result, error: undefined });
      const group = result.payload.inventoryAdjustmentGroup;

      return {
        inventoryAdjustmentGroup: group ? views.adjustmentGroup(group) : null,
        userErrors: result.payload.userErrors.map(userErrorView),
      };
    },
  };
}
