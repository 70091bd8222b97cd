// Reads the shop's catalogue fixture (shop settings, locations, products with variants, inventory
// items and their levels) into typed records for the Shopify simulator.
// Leaves out: anything the fixture does not hold (images, collections, metafields, prices in
// other currencies). Keys starting with `_` are notes and are ignored.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const quantitySchema = z.object({ name: z.string(), quantity: z.number().int() });

const levelSchema = z.object({
  location: z.object({ id: z.string() }),
  quantities: z.array(quantitySchema),
});

const inventoryItemSchema = z.object({
  id: z.string(),
  legacyResourceId: z.string(),
  tracked: z.boolean(),
  measurement: z
    .object({ weight: z.object({ value: z.number(), unit: z.string() }).nullable() })
    .optional(),
  inventoryLevels: z.object({ nodes: z.array(levelSchema) }),
});

const variantSchema = z.object({
  id: z.string(),
  legacyResourceId: z.string(),
  title: z.string(),
  sku: z.string().nullable(),
  barcode: z.string().nullable(),
  price: z.string(),
  inventoryPolicy: z.string(),
  inventoryItem: inventoryItemSchema,
});

const productSchema = z.object({
  id: z.string(),
  handle: z.string(),
  title: z.string(),
  productType: z.string(),
  vendor: z.string(),
  status: z.enum(['ACTIVE', 'ARCHIVED', 'DRAFT']),
  variants: z.object({ nodes: z.array(variantSchema) }),
});

const locationSchema = z.object({
  id: z.string(),
  legacyResourceId: z.string(),
  name: z.string(),
  key: z.string().optional(),
  isActive: z.boolean(),
  fulfillsOnlineOrders: z.boolean(),
});

const catalogueSchema = z.object({
  shop: z.object({
    name: z.string().optional(),
    myshopifyDomain: z.string(),
    currencyCode: z.string(),
    ianaTimezone: z.string(),
    taxesIncluded: z.boolean(),
  }),
  locations: z.array(locationSchema),
  products: z.array(productSchema),
});

/** The catalogue fixture as Shopify's Admin GraphQL API would return it. */
export type CatalogueFixture = z.infer<typeof catalogueSchema>;
export type CatalogueProduct = z.infer<typeof productSchema>;
export type CatalogueVariant = z.infer<typeof variantSchema>;
export type CatalogueLocation = z.infer<typeof locationSchema>;

const fixtureFileName = 'shopify-catalogue.json';

/**
 * The catalogue the simulator loads when none is given: the copy kept beside this module, so a
 * fresh clone of the repository works wherever the shared fixtures folder sits.
 */
export function defaultCataloguePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, 'fixtures', fixtureFileName);
}

/**
 * The shared fixture (`../shared/fixtures/shopify-catalogue.json` next to the repository root),
 * when it exists. The repository root is the nearest ancestor holding `pnpm-workspace.yaml`.
 */
export function sharedCataloguePath(): string | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));

  while (!existsSync(join(folder, 'pnpm-workspace.yaml'))) {
    const parent = dirname(folder);
    if (parent === folder) {
      return undefined;
    }
    folder = parent;
  }

  const candidate = resolve(folder, '..', 'shared', 'fixtures', fixtureFileName);
  return existsSync(candidate) ? candidate : undefined;
}

/** Reads and checks a catalogue file; throws with the offending path when it is malformed. */
export function loadCatalogue(cataloguePath: string = defaultCataloguePath()): CatalogueFixture {
  const text = readFileSync(cataloguePath, 'utf8');
  const parsed = catalogueSchema.safeParse(JSON.parse(text));

  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '(root)';
    throw new Error(`catalogue ${cataloguePath} is malformed at ${where}: ${issue?.message}`);
  }

  return parsed.data;
}
