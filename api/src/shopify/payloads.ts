/**
 * The parts of Shopify's webhook bodies that Quartermaster reads, validated so that a body of
 * the wrong shape fails with the path of the bad field rather than deep inside a handler.
 * Unknown fields pass through untouched; customer details are never read.
 */
import { z } from 'zod';

const id = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(/^\d{1,18}$/),
  ])
  .transform(String);
const nullableId = id
  .nullable()
  .optional()
  .transform((value) => value ?? null);
const money = z.union([z.string(), z.number()]);
const moneySet = z
  .object({ presentment_money: z.object({ amount: money, currency_code: z.string() }) })
  .nullable()
  .optional();

/** No real order line comes near this; it keeps a corrupt body out of integer overflow. */
const quantity = z.number().int().nonnegative().max(1_000_000);

export const lineItemSchema = z.looseObject({
  id,
  variant_id: nullableId,
  product_id: nullableId,
  sku: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  quantity,
  price: money.optional(),
  price_set: moneySet,
  gift_card: z.boolean().nullable().optional(),
});

export const orderSchema = z.looseObject({
  id,
  name: z.string().optional(),
  order_number: z.number().int().optional(),
  currency: z.string().length(3),
  presentment_currency: z.string().length(3).optional(),
  total_price: money.optional(),
  total_price_set: moneySet,
  financial_status: z.string().nullable().optional(),
  created_at: z.iso.datetime({ offset: true }),
  cancelled_at: z.iso.datetime({ offset: true }).nullable().optional(),
  updated_at: z.iso.datetime({ offset: true }).nullable().optional(),
  line_items: z.array(lineItemSchema),
  refunds: z.array(z.unknown()).optional(),
});
export type ShopifyOrder = z.infer<typeof orderSchema>;
export type ShopifyLineItem = z.infer<typeof lineItemSchema>;

export const refundSchema = z.looseObject({
  id,
  order_id: id,
  created_at: z.iso.datetime({ offset: true }),
  refund_line_items: z.array(
    z.looseObject({
      id,
      line_item_id: id,
      quantity,
      location_id: nullableId,
      restock_type: z.string().nullable().optional(),
      line_item: lineItemSchema.partial().optional(),
    }),
  ),
});
export type ShopifyRefund = z.infer<typeof refundSchema>;

export const fulfillmentSchema = z.looseObject({
  id,
  order_id: id,
  location_id: nullableId,
  status: z.string().nullable().optional(),
  created_at: z.iso.datetime({ offset: true }),
  line_items: z.array(lineItemSchema),
});
export type ShopifyFulfillment = z.infer<typeof fulfillmentSchema>;

export const inventoryLevelSchema = z.looseObject({
  inventory_item_id: id,
  location_id: id,
  available: z.number().int().nullable(),
  updated_at: z.iso.datetime({ offset: true }),
});
export type ShopifyInventoryLevel = z.infer<typeof inventoryLevelSchema>;

export const productSchema = z.looseObject({
  id,
  title: z.string(),
  handle: z.string().nullable().optional(),
  status: z.string().default('active'),
  variants: z.array(
    z.looseObject({
      id,
      title: z.string().nullable().optional(),
      sku: z.string().nullable().optional(),
      inventory_item_id: nullableId,
      inventory_policy: z.string().nullable().optional(),
      inventory_management: z.string().nullable().optional(),
    }),
  ),
});
export type ShopifyProductPayload = z.infer<typeof productSchema>;

/** Parses a body; throws an Error that names each bad field by its path. */
export function parsePayload<T>(schema: z.ZodType<T>, body: unknown, topic: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new PayloadError(`${topic} body is not valid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** A body that will never process, however often it is retried. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}
