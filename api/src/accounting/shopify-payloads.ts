/**
 * The parts of Shopify's order and refund bodies that accounting reads, on top of the shapes
 * in shopify/payloads.ts: money in both currencies, tax lines, discount allocations, shipping,
 * adjustments and refund transactions. Customer details are read only to name the contact and
 * may be missing; nothing about the amounts depends on them.
 */
import { z } from 'zod';

import { lineItemSchema, orderSchema, refundSchema } from '../shopify/payloads.ts';

const id = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(/^\d{1,18}$/),
  ])
  .transform(String);
const amount = z.union([z.string(), z.number()]);
const moneyOf = z.object({ amount, currency_code: z.string().length(3) });

/** An amount in the shop's currency and in the currency the customer paid in. */
export const moneySetSchema = z.object({ shop_money: moneyOf, presentment_money: moneyOf });
export type ShopifyMoneySet = z.infer<typeof moneySetSchema>;

const taxLineSchema = z.looseObject({
  title: z.string().nullable().optional(),
  rate: z.number().nullable().optional(),
  price_set: moneySetSchema,
});
const discountAllocationSchema = z.looseObject({ amount_set: moneySetSchema });
const optionalText = z.string().nullable().optional();

export const accountingLineItemSchema = lineItemSchema.extend({
  price_set: moneySetSchema,
  gift_card: z.boolean().optional(),
  tax_lines: z.array(taxLineSchema).default([]),
  discount_allocations: z.array(discountAllocationSchema).default([]),
});
export type AccountingLineItem = z.infer<typeof accountingLineItemSchema>;

const shippingLineSchema = z.looseObject({
  id,
  title: z.string(),
  price_set: moneySetSchema,
  is_removed: z.boolean().optional(),
  tax_lines: z.array(taxLineSchema).default([]),
  discount_allocations: z.array(discountAllocationSchema).default([]),
});
export type AccountingShippingLine = z.infer<typeof shippingLineSchema>;

const addressSchema = z.looseObject({
  name: optionalText,
  address1: optionalText,
  address2: optionalText,
  city: optionalText,
  zip: optionalText,
  country: optionalText,
});

export const accountingOrderSchema = orderSchema.extend({
  name: z.string(),
  order_number: z.number().int(),
  presentment_currency: z.string().length(3),
  processed_at: z.iso.datetime({ offset: true }).nullable().optional(),
  taxes_included: z.boolean(),
  source_name: optionalText,
  total_price_set: moneySetSchema,
  total_tax_set: moneySetSchema,
  /** Tips in the shop's currency only: part of total_price, in no line item. */
  total_tip_received: amount.nullable().optional(),
  line_items: z.array(accountingLineItemSchema),
  shipping_lines: z.array(shippingLineSchema).default([]),
  customer: z
    .looseObject({ id, first_name: optionalText, last_name: optionalText, email: optionalText })
    .nullable()
    .optional(),
  billing_address: addressSchema.nullable().optional(),
});
export type AccountingOrder = z.infer<typeof accountingOrderSchema>;

const orderAdjustmentSchema = z.looseObject({
  kind: z.string(),
  reason: optionalText,
  amount_set: moneySetSchema,
  tax_amount_set: moneySetSchema.nullable().optional(),
});
export type AccountingOrderAdjustment = z.infer<typeof orderAdjustmentSchema>;

export const accountingRefundSchema = refundSchema.extend({
  processed_at: z.iso.datetime({ offset: true }).nullable().optional(),
  refund_line_items: z.array(
    z.looseObject({
      id,
      line_item_id: id,
      quantity: z.number().int().nonnegative().max(1_000_000),
      restock_type: z.string().nullable().optional(),
      subtotal_set: moneySetSchema,
      total_tax_set: moneySetSchema,
      line_item: accountingLineItemSchema.optional(),
    }),
  ),
  refund_shipping_lines: z
    .array(
      z.looseObject({
        id,
        shipping_line_id: id.optional(),
        subtotal_amount_set: moneySetSchema,
        total_tax_set: moneySetSchema.nullable().optional(),
        shipping_line: z.looseObject({ title: z.string().optional() }).nullable().optional(),
      }),
    )
    .default([]),
  order_adjustments: z.array(orderAdjustmentSchema).default([]),
  transactions: z
    .array(
      z.looseObject({
        kind: z.string(),
        status: z.string(),
        amount,
        currency: z.string().length(3),
      }),
    )
    .default([]),
});
export type AccountingRefund = z.infer<typeof accountingRefundSchema>;
