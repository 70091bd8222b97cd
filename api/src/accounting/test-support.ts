/**
 * Test inputs for the accounting documents: the shared fixtures, the fixture shop's settings,
 * and small Shopify-shaped orders and refunds made by hand for the rounding cases. Used only by
 * the tests beside it.
 */
import { readFileSync } from 'node:fs';

import { parseAccountingOrder, parseAccountingRefund } from './documents.ts';
import type { AccountingOrder, AccountingRefund } from './shopify-payloads.ts';
import {
  defaultRestockLabels,
  ukDefaultAccounts,
  ukDefaultTaxTypes,
  type AccountingSettings,
  type DocumentLine,
} from './types.ts';

/** Reads a file from tests/fixtures, parsed. */
export function fixture<T = unknown>(name: string): T {
  const url = new URL(`../../../tests/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

/** The fixture's JSON without its `_` note keys, at any depth. */
export function withoutNotes(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutNotes);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !key.startsWith('_'))
        .map(([key, each]) => [key, withoutNotes(each)]),
    );
  }
  return value;
}

export const fixtureSettings: AccountingSettings = {
  shopDomain: 'hearth-loom-test.myshopify.com',
  shopTimeZone: 'Europe/London',
  shopCurrency: 'GBP',
  invoiceNumberPattern: 'SHP-{order_number}',
  creditNoteNumberPattern: 'SHP-{order_number}-R{refund_number}',
  accounts: { ...ukDefaultAccounts },
  taxTypes: { ...ukDefaultTaxTypes },
  channelTracking: { category: 'Channel', optionBySourceName: { web: 'Online shop' } },
  // The fixture shop's own wording: goods it does not restock are ones that came back damaged.
  // Shopify's restock_type says only "no_restock"; the default label says just that.
  restockLabels: { ...defaultRestockLabels, no_restock: 'damaged, not restocked' },
};

export function fixtureOrder(name: string): AccountingOrder {
  const { orders } = fixture<{ orders: { name: string }[] }>('shopify-orders-create.json');
  return parseAccountingOrder(orders.find((order) => order.name === name));
}

export function fixtureRefund(id: string): AccountingRefund {
  const { refunds } = fixture<{ refunds: { id: number }[] }>('shopify-refunds-create.json');
  return parseAccountingRefund(refunds.find((refund) => String(refund.id) === id));
}

function moneySet(amount: string, currency: string, shopAmount = amount, shopCurrency = 'GBP') {
  return {
    shop_money: { amount: shopAmount, currency_code: shopCurrency },
    presentment_money: { amount, currency_code: currency },
  };
}

function taxLines(taxes: string[], currency: string) {
  return taxes.map((tax) => ({ title: 'GB VAT', rate: 0.2, price_set: moneySet(tax, currency) }));
}

export interface LineSpec {
  price: string;
  quantity?: number;
  discount?: string;
  taxes?: string[];
  sku?: string | null;
  name?: string;
}

export interface OrderSpec {
  lines: LineSpec[];
  shipping?: { title: string; price: string; taxes?: string[] }[];
  totalPrice: string;
  totalTax: string;
  currency?: string;
  /** The total in the shop's currency (GBP) when the customer paid in another. */
  shopTotalPrice?: string;
  taxesIncluded?: boolean;
  processedAt?: string;
  /** `total_tip_received`, in the shop's currency (GBP). */
  tip?: string;
}

/** A small Shopify order body, parsed as accounting reads it. Ids count from 1. */
export function makeOrder(spec: OrderSpec): AccountingOrder {
  const currency = spec.currency ?? 'GBP';
  const processedAt = spec.processedAt ?? '2025-10-01T12:00:00+01:00';
  return parseAccountingOrder({
    id: 9000,
    name: '#2001',
    order_number: 2001,
    currency: 'GBP',
    presentment_currency: currency,
    created_at: processedAt,
    processed_at: processedAt,
    taxes_included: spec.taxesIncluded ?? true,
    source_name: 'web',
    total_price_set: moneySet(spec.totalPrice, currency, spec.shopTotalPrice ?? spec.totalPrice),
    total_tax_set: moneySet(spec.totalTax, currency),
    ...(spec.tip === undefined ? {} : { total_tip_received: spec.tip }),
    customer: { id: 77, first_name: 'Ada', last_name: 'Quill' },
    line_items: spec.lines.map((line, index) => ({
      id: index + 1,
      product_id: line.sku === null ? null : 500 + index,
      variant_id: line.sku === null ? null : 600 + index,
      sku: line.sku === undefined ? `SKU-${index + 1}` : line.sku,
      name: line.name ?? `Item ${index + 1}`,
      quantity: line.quantity ?? 1,
      price_set: moneySet(line.price, currency),
      tax_lines: taxLines(line.taxes ?? [], currency),
      discount_allocations:
        line.discount === undefined ? [] : [{ amount_set: moneySet(line.discount, currency) }],
    })),
    shipping_lines: (spec.shipping ?? []).map((shipping, index) => ({
      id: 800 + index,
      title: shipping.title,
      price_set: moneySet(shipping.price, currency),
      tax_lines: taxLines(shipping.taxes ?? [], currency),
      discount_allocations: [],
    })),
  });
}

export interface RefundSpec {
  lines?: { lineItemId: number; quantity: number; subtotal: string; tax: string }[];
  shipping?: { shippingLineId: number; amount: string; tax?: string }[];
  adjustments?: { kind: string; amount: string; tax?: string; reason?: string }[];
  transactions: string[];
  currency?: string;
}

/** A refund body of the order `makeOrder` or a fixture order, parsed as accounting reads it. */
export function makeRefund(order: AccountingOrder, spec: RefundSpec): AccountingRefund {
  const currency = spec.currency ?? order.presentment_currency;
  return parseAccountingRefund({
    id: 3100,
    order_id: order.id,
    created_at: '2025-10-08T10:00:00+01:00',
    refund_line_items: (spec.lines ?? []).map((line, index) => ({
      id: 4000 + index,
      line_item_id: line.lineItemId,
      quantity: line.quantity,
      restock_type: 'return',
      subtotal_set: moneySet(line.subtotal, currency),
      total_tax_set: moneySet(line.tax, currency),
    })),
    refund_shipping_lines: (spec.shipping ?? []).map((shipping, index) => ({
      id: 4500 + index,
      shipping_line_id: shipping.shippingLineId,
      subtotal_amount_set: moneySet(shipping.amount, currency),
      ...(shipping.tax === undefined ? {} : { total_tax_set: moneySet(shipping.tax, currency) }),
    })),
    order_adjustments: (spec.adjustments ?? []).map((adjustment) => ({
      kind: adjustment.kind,
      reason: adjustment.reason ?? null,
      amount_set: moneySet(adjustment.amount, currency),
      tax_amount_set: moneySet(adjustment.tax ?? '0.00', currency),
    })),
    transactions: spec.transactions.map((amount) => ({
      kind: 'refund',
      status: 'success',
      amount,
      currency,
    })),
  });
}

/** Sum of line totals: with tax included, it must be the document's total on its own. */
export function linesTotalMinor(lines: DocumentLine[]): number {
  return lines.reduce((total, line) => total + line.lineTotalMinor, 0);
}
