// Webhook bodies for orders the simulator invents, shaped like Shopify's `orders/create`,
// `fulfillments/create`, `orders/cancelled` and `refunds/create` (see /work/shared/fixtures):
// VAT-inclusive 20% prices with per-line `tax_lines`, every money field with its `*_set`.
// Money is computed in integer pence. Leaves out: discounts, duties, gift cards, multi-currency
// presentment (presentment money is always the shop's currency) and partial fulfilment.
import type { LocationRecord, ProductRecord, ShopRecord, VariantRecord } from './store.ts';

/** One line of an invented order. */
export interface OrderLine {
  lineItemId: number;
  product: ProductRecord;
  variant: VariantRecord;
  quantity: number;
  grams: number;
}

/** An invented order: enough to build every webhook about it. */
export interface InventedOrder {
  orderId: number;
  orderNumber: number;
  /** Sale transaction id, the parent of a refund. */
  transactionId: number;
  shippingLineId: number;
  customerIndex: number;
  lines: OrderLine[];
  createdAt: Date;
}

export interface Customer {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  address1: string;
  city: string;
  zip: string;
}

/** Invented customers; emails on example.com, phone numbers from Ofcom's drama range. */
export const customers: readonly Customer[] = [
  ['Imogen', 'Fairweather', '14 Larkspur Row', 'Ludlow', 'SY8 1ZZ'],
  ['Tobias', 'Marchbank', '3 Quarry Lane', 'Hebden Bridge', 'HX7 9ZZ'],
  ['Priya', 'Ashdown', '27 Tanners Yard', 'Frome', 'BA11 9ZZ'],
  ['Rhys', 'Penhallow', '8 Chapel Steps', 'Falmouth', 'TR11 9ZZ'],
  ['Maeve', 'Holloway', '51 Weavers Walk', 'Kendal', 'LA9 9ZZ'],
].map(([firstName = '', lastName = '', address1 = '', city = '', zip = ''], index) => ({
  id: 7712345600201 + index,
  firstName,
  lastName,
  email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}@example.com`,
  phone: `+4477009002${String(index).padStart(2, '0')}`,
  address1,
  city,
  zip,
}));

const vatRatePercent = 20;
const shippingMinor = 450;
const freeShippingFromMinor = 5000;

/** `"12.45"` → 1245. */
export function toMinor(amount: string): number {
  const [units = '0', fraction = ''] = amount.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

/** 1245 → `"12.45"`. */
export function formatMinor(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(amountMinor);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

/** VAT inside a VAT-inclusive amount, rounded half up to the penny. */
export function inclusiveVatMinor(amountMinor: number): number {
  const denominator = 100 + vatRatePercent;
  return Math.floor((2 * amountMinor * vatRatePercent + denominator) / (2 * denominator));
}

function moneySet(amountMinor: number, currency: string) {
  const money = { amount: formatMinor(amountMinor), currency_code: currency };
  return { shop_money: money, presentment_money: { ...money } };
}

function taxLine(taxMinor: number, currency: string) {
  return {
    channel_liable: false,
    price: formatMinor(taxMinor),
    price_set: moneySet(taxMinor, currency),
    rate: vatRatePercent / 100,
    title: 'GB VAT',
  };
}

/** `2025-09-30T21:14:05+01:00` in the shop's time zone, as Shopify writes timestamps. */
export function shopTimestamp(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);

  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((entry) => entry.type === type)?.value ?? '';
  const zone = part('timeZoneName');
  const offset = zone === 'GMT' ? '+00:00' : zone.replace('GMT', '');

  const day = `${part('year')}-${part('month')}-${part('day')}`;
  return `${day}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

export interface OrderTotals {
  lineItemsMinor: number;
  shippingMinor: number;
  shippingTaxMinor: number;
  taxMinor: number;
  totalMinor: number;
}

export function lineTotalMinor(line: OrderLine): number {
  return toMinor(line.variant.price) * line.quantity;
}

export function orderTotals(order: InventedOrder): OrderTotals {
  const lineItemsMinor = order.lines.reduce((sum, line) => sum + lineTotalMinor(line), 0);
  const shipping = lineItemsMinor >= freeShippingFromMinor ? 0 : shippingMinor;
  const shippingTaxMinor = inclusiveVatMinor(shipping);
  const linesTaxMinor = order.lines.reduce(
    (sum, line) => sum + inclusiveVatMinor(lineTotalMinor(line)),
    0,
  );

  return {
    lineItemsMinor,
    shippingMinor: shipping,
    shippingTaxMinor,
    taxMinor: linesTaxMinor + shippingTaxMinor,
    totalMinor: lineItemsMinor + shipping,
  };
}

/** A `line_items[]` entry. */
export function lineItemJson(line: OrderLine, currency: string, fulfilled: boolean) {
  const { product, variant, quantity } = line;
  const variantTitle = variant.title === 'Default Title' ? null : variant.title;

  return {
    id: line.lineItemId,
    admin_graphql_api_id: `gid://shopify/LineItem/${line.lineItemId}`,
    attributed_staffs: [],
    current_quantity: quantity,
    fulfillable_quantity: fulfilled ? 0 : quantity,
    fulfillment_service: 'manual',
    fulfillment_status: fulfilled ? 'fulfilled' : null,
    gift_card: false,
    grams: line.grams,
    name: variantTitle ? `${product.title} - ${variantTitle}` : product.title,
    price: variant.price,
    price_set: moneySet(toMinor(variant.price), currency),
    product_exists: true,
    product_id: Number(product.legacyId),
    properties: [],
    quantity,
    requires_shipping: true,
    sku: variant.sku,
    taxable: true,
    title: product.title,
    total_discount: '0.00',
    total_discount_set: moneySet(0, currency),
    variant_id: Number(variant.legacyId),
    variant_inventory_management: 'shopify',
    variant_title: variantTitle,
    vendor: product.vendor,
    tax_lines: [taxLine(inclusiveVatMinor(lineTotalMinor(line)), currency)],
    duties: [],
    discount_allocations: [],
  };
}

function addressJson(customer: Customer) {
  return {
    first_name: customer.firstName,
    address1: customer.address1,
    phone: customer.phone,
    city: customer.city,
    zip: customer.zip,
    province: 'England',
    country: 'United Kingdom',
    last_name: customer.lastName,
    address2: '',
    company: null,
    latitude: null,
    longitude: null,
    name: `${customer.firstName} ${customer.lastName}`,
    country_code: 'GB',
    province_code: 'ENG',
  };
}

function customerOf(order: InventedOrder): Customer {
  const customer = customers[order.customerIndex % customers.length];
  if (!customer) {
    throw new Error('no customers to invent orders for');
  }
  return customer;
}

export interface OrderState {
  updatedAt: Date;
  fulfilled: boolean;
  cancelledAt: Date | null;
  /** Refund bodies embedded in the order (a cancellation's own refund). */
  refunds?: unknown[];
}

/** The order body of `orders/create` (and, with `cancelledAt`, of `orders/cancelled`). */
export function orderJson(shop: ShopRecord, order: InventedOrder, state: OrderState) {
  const currency = shop.currencyCode;
  const zone = shop.ianaTimezone;
  const totals = orderTotals(order);
  const customer = customerOf(order);
  const createdAt = shopTimestamp(order.createdAt, zone);
  const money = (amountMinor: number) => moneySet(amountMinor, currency);
  const grams = order.lines.reduce((sum, line) => sum + line.grams * line.quantity, 0);
  const isCancelled = state.cancelledAt !== null;
  const current = isCancelled ? 0 : 1;

  return {
    id: order.orderId,
    admin_graphql_api_id: `gid://shopify/Order/${order.orderId}`,
    buyer_accepts_marketing: false,
    cancel_reason: isCancelled ? 'customer' : null,
    cancelled_at: state.cancelledAt ? shopTimestamp(state.cancelledAt, zone) : null,
    closed_at: null,
    confirmation_number: `QM${order.orderNumber}`,
    confirmed: true,
    contact_email: customer.email,
    created_at: createdAt,
    currency,
    current_subtotal_price: formatMinor(totals.lineItemsMinor * current),
    current_subtotal_price_set: money(totals.lineItemsMinor * current),
    current_total_discounts: '0.00',
    current_total_discounts_set: money(0),
    current_total_price: formatMinor(totals.totalMinor * current),
    current_total_price_set: money(totals.totalMinor * current),
    current_total_tax: formatMinor(totals.taxMinor * current),
    current_total_tax_set: money(totals.taxMinor * current),
    customer_locale: 'en-GB',
    discount_codes: [],
    email: customer.email,
    estimated_taxes: false,
    financial_status: isCancelled ? 'refunded' : 'paid',
    fulfillment_status: state.fulfilled ? 'fulfilled' : null,
    location_id: null,
    name: `#${order.orderNumber}`,
    note: null,
    note_attributes: [],
    number: order.orderNumber - 1000,
    order_number: order.orderNumber,
    payment_gateway_names: ['shopify_payments'],
    phone: null,
    presentment_currency: currency,
    processed_at: createdAt,
    source_name: 'web',
    subtotal_price: formatMinor(totals.lineItemsMinor),
    subtotal_price_set: money(totals.lineItemsMinor),
    tags: '',
    tax_exempt: false,
    tax_lines: [taxLine(totals.taxMinor, currency)],
    taxes_included: shop.taxesIncluded,
    test: false,
    total_discounts: '0.00',
    total_discounts_set: money(0),
    total_line_items_price: formatMinor(totals.lineItemsMinor),
    total_line_items_price_set: money(totals.lineItemsMinor),
    total_outstanding: '0.00',
    total_price: formatMinor(totals.totalMinor),
    total_price_set: money(totals.totalMinor),
    total_shipping_price_set: money(totals.shippingMinor),
    total_tax: formatMinor(totals.taxMinor),
    total_tax_set: money(totals.taxMinor),
    total_tip_received: '0.00',
    total_weight: grams,
    updated_at: shopTimestamp(state.updatedAt, zone),
    billing_address: addressJson(customer),
    customer: {
      id: customer.id,
      email: customer.email,
      first_name: customer.firstName,
      last_name: customer.lastName,
      state: 'enabled',
      verified_email: true,
      tax_exempt: false,
      currency,
      admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
    },
    discount_applications: [],
    fulfillments: [],
    line_items: order.lines.map((line) => lineItemJson(line, currency, state.fulfilled)),
    refunds: state.refunds ?? [],
    shipping_address: addressJson(customer),
    shipping_lines: [
      {
        id: order.shippingLineId,
        carrier_identifier: null,
        code: 'RM-TRACKED-48',
        discounted_price: formatMinor(totals.shippingMinor),
        discounted_price_set: money(totals.shippingMinor),
        is_removed: false,
        phone: null,
        price: formatMinor(totals.shippingMinor),
        price_set: money(totals.shippingMinor),
        requested_fulfillment_service_id: null,
        source: 'shopify',
        title: 'Royal Mail Tracked 48',
        tax_lines: totals.shippingMinor > 0 ? [taxLine(totals.shippingTaxMinor, currency)] : [],
        discount_allocations: [],
      },
    ],
  };
}

/** The body of `fulfillments/create` for the whole order, shipped from `location`. */
export function fulfilmentJson(
  shop: ShopRecord,
  order: InventedOrder,
  fulfilment: { id: number; createdAt: Date; trackingNumber: string; location: LocationRecord },
) {
  const at = shopTimestamp(fulfilment.createdAt, shop.ianaTimezone);
  const trackingUrl =
    'https://www.royalmail.com/track-your-item#/tracking-results/' + fulfilment.trackingNumber;

  return {
    id: fulfilment.id,
    admin_graphql_api_id: `gid://shopify/Fulfillment/${fulfilment.id}`,
    created_at: at,
    location_id: Number(fulfilment.location.legacyId),
    name: `#${order.orderNumber}.1`,
    order_id: order.orderId,
    origin_address: {},
    receipt: {},
    service: 'manual',
    shipment_status: null,
    status: 'success',
    tracking_company: 'Royal Mail',
    tracking_number: fulfilment.trackingNumber,
    tracking_numbers: [fulfilment.trackingNumber],
    tracking_url: trackingUrl,
    tracking_urls: [trackingUrl],
    updated_at: at,
    line_items: order.lines.map((line) => lineItemJson(line, shop.currencyCode, true)),
  };
}

/**
 * The refund a cancellation makes: every line restocked (`restock_type: "cancel"`) at
 * `location`, shipping refunded as an order adjustment, the whole total paid back.
 */
export function cancellationRefundJson(
  shop: ShopRecord,
  order: InventedOrder,
  refund: { id: number; firstLineId: number; createdAt: Date; location: LocationRecord },
) {
  const currency = shop.currencyCode;
  const at = shopTimestamp(refund.createdAt, shop.ianaTimezone);
  const totals = orderTotals(order);
  const money = (amountMinor: number) => moneySet(amountMinor, currency);

  const refundLineItems = order.lines.map((line, index) => {
    const subtotalMinor = lineTotalMinor(line);
    const taxMinor = inclusiveVatMinor(subtotalMinor);
    return {
      id: refund.firstLineId + index,
      quantity: line.quantity,
      line_item_id: line.lineItemId,
      location_id: Number(refund.location.legacyId),
      restock_type: 'cancel',
      subtotal: subtotalMinor / 100,
      total_tax: taxMinor / 100,
      subtotal_set: money(subtotalMinor),
      total_tax_set: money(taxMinor),
      line_item: lineItemJson(line, currency, false),
    };
  });

  // Shopify states an adjustment's amount net of its tax (a 4.00 delivery refunded reads -3.33
  // and -0.67), even on a shop whose prices include tax; the money refunded is their sum.
  const shippingNetMinor = totals.shippingMinor - totals.shippingTaxMinor;
  const orderAdjustments =
    totals.shippingMinor > 0
      ? [
          {
            id: refund.id + 500,
            order_id: order.orderId,
            refund_id: refund.id,
            amount: formatMinor(-shippingNetMinor),
            tax_amount: formatMinor(-totals.shippingTaxMinor),
            kind: 'shipping_refund',
            reason: 'Shipping refund',
            amount_set: money(-shippingNetMinor),
            tax_amount_set: money(-totals.shippingTaxMinor),
          },
        ]
      : [];

  return {
    id: refund.id,
    order_id: order.orderId,
    created_at: at,
    note: null,
    user_id: null,
    processed_at: at,
    duties: [],
    total_duties_set: money(0),
    return: null,
    restock: true,
    additional_fees: [],
    total_additional_fees_set: money(0),
    refund_shipping_lines: [],
    admin_graphql_api_id: `gid://shopify/Refund/${refund.id}`,
    order_adjustments: orderAdjustments,
    refund_line_items: refundLineItems,
    transactions: [
      {
        id: refund.id + 1000,
        order_id: order.orderId,
        kind: 'refund',
        gateway: 'shopify_payments',
        status: 'success',
        message: 'Transaction approved',
        created_at: at,
        test: false,
        authorization: `re_qm_${refund.id}`,
        location_id: null,
        user_id: null,
        parent_id: order.transactionId,
        processed_at: at,
        device_id: null,
        error_code: null,
        source_name: 'web',
        receipt: {},
        amount: formatMinor(totals.totalMinor),
        currency,
        payment_id: `#${order.orderNumber}.2`,
        total_unsettled_set: null,
        manual_payment_gateway: false,
        amount_rounding: null,
        admin_graphql_api_id: `gid://shopify/OrderTransaction/${refund.id + 1000}`,
      },
    ],
  };
}
