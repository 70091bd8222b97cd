// The simulator's in-memory shop: locations, products, variants, inventory items and the
// quantities of each item at each location, plus the remembered answers of idempotent calls.
// Leaves out: persistence (state lives as long as the process) and every quantity rule beyond
// the ones Shopify applies to `available`, `on_hand` and `committed` (see inventory.ts).
import type { CatalogueFixture } from './catalogue.ts';

/** Shopify's inventory quantity names. */
export const quantityNames = [
  'available',
  'on_hand',
  'committed',
  'reserved',
  'incoming',
  'damaged',
  'safety_stock',
  'quality_control',
] as const;

export type QuantityName = (typeof quantityNames)[number];
export type Quantities = Record<QuantityName, number>;

export function isQuantityName(name: string): name is QuantityName {
  return (quantityNames as readonly string[]).includes(name);
}

export interface ShopRecord {
  gid: string;
  name: string;
  myshopifyDomain: string;
  currencyCode: string;
  ianaTimezone: string;
  taxesIncluded: boolean;
}

export interface LocationRecord {
  gid: string;
  legacyId: string;
  name: string;
  /** The fixture's short name for the location (`WAREHOUSE`, `SHOP`); not a Shopify field. */
  key: string | undefined;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
}

export interface ProductRecord {
  gid: string;
  legacyId: string;
  handle: string;
  title: string;
  productType: string;
  vendor: string;
  status: 'ACTIVE' | 'ARCHIVED' | 'DRAFT';
  variantGids: string[];
}

export interface VariantRecord {
  gid: string;
  legacyId: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  /** Decimal string in the shop's currency, VAT included when the shop says so. */
  price: string;
  inventoryPolicy: string;
  productGid: string;
  inventoryItemGid: string;
}

export interface InventoryItemRecord {
  gid: string;
  legacyId: string;
  tracked: boolean;
  weightValue: number | null;
  weightUnit: string | null;
  variantGid: string;
}

export interface LevelRecord {
  inventoryItemGid: string;
  locationGid: string;
  quantities: Quantities;
  updatedAt: Date;
}

export interface UserErrorRecord {
  code: string | null;
  field: string[] | null;
  message: string;
}

export interface ChangeRecord {
  name: QuantityName;
  delta: number;
  quantityAfterChange: number;
  inventoryItemGid: string;
  locationGid: string;
}

export interface AdjustmentGroupRecord {
  gid: string;
  createdAt: Date;
  reason: string;
  referenceDocumentUri: string | null;
  changes: ChangeRecord[];
}

/** What `inventorySetQuantities` answered: exactly one of the two is meaningful. */
export interface SetQuantitiesPayloadRecord {
  inventoryAdjustmentGroup: AdjustmentGroupRecord | null;
  userErrors: UserErrorRecord[];
}

export interface IdempotentAnswer {
  /** Canonical JSON of the mutation input the key was first used with. */
  fingerprint: string;
  payload: SetQuantitiesPayloadRecord;
}

/** The number part of a Shopify global id (`gid://shopify/Product/123` → `123`). */
export function legacyIdOf(gid: string): string {
  const match = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)/.exec(gid);
  if (!match?.[1]) {
    throw new Error(`not a Shopify global id: ${gid}`);
  }
  return match[1];
}

export function levelKey(inventoryItemGid: string, locationGid: string): string {
  return `${inventoryItemGid}|${locationGid}`;
}

function byLegacyId(left: { legacyId: string }, right: { legacyId: string }): number {
  const difference = BigInt(left.legacyId) - BigInt(right.legacyId);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function emptyQuantities(): Quantities {
  return {
    available: 0,
    on_hand: 0,
    committed: 0,
    reserved: 0,
    incoming: 0,
    damaged: 0,
    safety_stock: 0,
    quality_control: 0,
  };
}

/** The mutable state of one simulated shop. */
export class SimulatorStore {
  readonly shop: ShopRecord;
  readonly locations: LocationRecord[];
  readonly products: ProductRecord[];
  readonly variants = new Map<string, VariantRecord>();
  readonly inventoryItems = new Map<string, InventoryItemRecord>();
  readonly levels = new Map<string, LevelRecord>();
  readonly idempotentAnswers = new Map<string, IdempotentAnswer>();
  private adjustmentGroupSequence = 60_123_456_790;

  constructor(
    catalogue: CatalogueFixture,
    readonly now: () => Date = () => new Date(),
  ) {
    const domain = catalogue.shop.myshopifyDomain;

    this.shop = {
      gid: 'gid://shopify/Shop/71234560000',
      name: catalogue.shop.name ?? domain.replace(/\.myshopify\.com$/, ''),
      myshopifyDomain: domain,
      currencyCode: catalogue.shop.currencyCode,
      ianaTimezone: catalogue.shop.ianaTimezone,
      taxesIncluded: catalogue.shop.taxesIncluded,
    };

    this.locations = catalogue.locations
      .map((location) => ({
        gid: location.id,
        legacyId: location.legacyResourceId,
        name: location.name,
        key: location.key,
        isActive: location.isActive,
        fulfillsOnlineOrders: location.fulfillsOnlineOrders,
      }))
      .sort(byLegacyId);

    this.products = catalogue.products.map((product) => this.addProduct(product)).sort(byLegacyId);
  }

  private addProduct(product: CatalogueFixture['products'][number]): ProductRecord {
    const variantGids = product.variants.nodes.map((variant) => {
      const item = variant.inventoryItem;

      this.variants.set(variant.id, {
        gid: variant.id,
        legacyId: variant.legacyResourceId,
        title: variant.title,
        sku: variant.sku,
        barcode: variant.barcode,
        price: variant.price,
        inventoryPolicy: variant.inventoryPolicy,
        productGid: product.id,
        inventoryItemGid: item.id,
      });

      this.inventoryItems.set(item.id, {
        gid: item.id,
        legacyId: item.legacyResourceId,
        tracked: item.tracked,
        weightValue: item.measurement?.weight?.value ?? null,
        weightUnit: item.measurement?.weight?.unit ?? null,
        variantGid: variant.id,
      });

      for (const level of item.inventoryLevels.nodes) {
        this.addLevel(item.id, level.location.id, level.quantities);
      }

      return variant.id;
    });

    return {
      gid: product.id,
      legacyId: legacyIdOf(product.id),
      handle: product.handle,
      title: product.title,
      productType: product.productType,
      vendor: product.vendor,
      status: product.status,
      variantGids,
    };
  }

  private addLevel(
    inventoryItemGid: string,
    locationGid: string,
    given: { name: string; quantity: number }[],
  ): void {
    const quantities = emptyQuantities();

    for (const { name, quantity } of given) {
      if (isQuantityName(name)) {
        quantities[name] = quantity;
      }
    }

    // The fixture gives available and on_hand; what is on hand but not available is committed.
    const unavailable = quantities.on_hand - quantities.available - quantities.reserved;
    quantities.committed = Math.max(0, unavailable);

    const level = { inventoryItemGid, locationGid, quantities, updatedAt: this.now() };
    this.levels.set(levelKey(inventoryItemGid, locationGid), level);
  }

  location(gid: string): LocationRecord | undefined {
    return this.locations.find((location) => location.gid === gid);
  }

  product(gid: string): ProductRecord | undefined {
    return this.products.find((product) => product.gid === gid);
  }

  level(inventoryItemGid: string, locationGid: string): LevelRecord | undefined {
    return this.levels.get(levelKey(inventoryItemGid, locationGid));
  }

  /** An item's levels in location order. */
  levelsOfItem(inventoryItemGid: string): LevelRecord[] {
    return this.locations
      .map((location) => this.level(inventoryItemGid, location.gid))
      .filter((level): level is LevelRecord => level !== undefined);
  }

  /** A location's levels in inventory item order. */
  levelsAtLocation(locationGid: string): LevelRecord[] {
    return [...this.inventoryItems.values()]
      .sort(byLegacyId)
      .map((item) => this.level(item.gid, locationGid))
      .filter((level): level is LevelRecord => level !== undefined);
  }

  /** Inventory items in id order. */
  inventoryItemsSorted(): InventoryItemRecord[] {
    return [...this.inventoryItems.values()].sort(byLegacyId);
  }

  /**
   * Adds signed deltas to a level's quantities. Throws when the level does not exist: callers
   * inside the simulator only move stock that is stocked.
   */
  adjust(inventoryItemGid: string, locationGid: string, deltas: Partial<Quantities>): LevelRecord {
    const level = this.level(inventoryItemGid, locationGid);
    if (!level) {
      throw new Error(`no inventory level for ${inventoryItemGid} at ${locationGid}`);
    }

    for (const name of quantityNames) {
      level.quantities[name] += deltas[name] ?? 0;
    }

    level.updatedAt = this.now();
    return level;
  }

  nextAdjustmentGroupGid(): string {
    this.adjustmentGroupSequence += 1;
    return `gid://shopify/InventoryAdjustmentGroup/${this.adjustmentGroupSequence}`;
  }
}
