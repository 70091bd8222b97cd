/**
 * Shopify webhook bodies for tests and the benchmark, shaped like the fixtures: orders, refunds
 * and fulfilments
 * for catalogue variants, with ids chosen by the test so that scenarios never collide.
 */

export interface LineSpec {
  lineId: number;
  variantId: number | null;
  sku: string | null;
  quantity: number;
  price?: string;
}

export const variants = {
  sage: { variantId: 47100000000102, sku: 'HL-CUSH-LIN-SAGE' },
  natural: { variantId: 47100000000101, sku: 'HL-CUSH-LIN-NAT' },
  charcoal: { variantId: 47100000000103, sku: 'HL-CUSH-LIN-CHAR' },
  throwOat: { variantId: 47100000000301, sku: 'HL-THROW-WOOL-OAT' },
  mugSand: { variantId: 47100000000402, sku: 'HL-MUG-STONE-SND' },
  cedar: { variantId: 47100000000602, sku: 'HL-CNDL-SOY-CEDAR' },
  towelHand: { variantId: 47100000000802, sku: 'HL-TOWEL-HAND-WHT' },
  rug120: { variantId: 47100000000901, sku: 'HL-RUG-JUTE-120' },
  basketL: { variantId: 47100000001003, sku: 'HL-BSKT-SEAG-L' },
  teaTowel: { variantId: 47100000001201, sku: 'HL-TEATOWEL-STRP' },
  spoonOlive: { variantId: 47100000001501, sku: 'HL-SPOON-OLIVE' },
  lamp: { variantId: 47100000001601, sku: 'HL-LAMP-CER-WHT' },
  potSmall: { variantId: 47100000001701, sku: 'HL-POT-TERR-15' },
  doormat: { variantId: 47100000001801, sku: 'HL-DOORMAT-COIR' },
  bowl: { variantId: 47100000000501, sku: 'HL-BOWL-SERV-L' },
} as const;

export function orderBody(
  orderId: number,
  lines: LineSpec[],
  options: { cancelledAt?: string; refunds?: unknown[]; createdAt?: string } = {},
) {
  const money = (amount: string) => ({
    shop_money: { amount, currency_code: 'GBP' },
    presentment_money: { amount, currency_code: 'GBP' },
  });
  return {
    id: orderId,
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    name: `#${orderId % 100000}`,
    order_number: orderId % 100000,
    currency: 'GBP',
    presentment_currency: 'GBP',
    taxes_included: true,
    financial_status: 'paid',
    created_at: options.createdAt ?? '2025-10-02T10:00:00+01:00',
    updated_at: options.cancelledAt ?? options.createdAt ?? '2025-10-02T10:00:00+01:00',
    cancelled_at: options.cancelledAt ?? null,
    total_price: '10.00',
    total_price_set: money('10.00'),
    refunds: options.refunds ?? [],
    line_items: lines.map((line) => ({
      id: line.lineId,
      admin_graphql_api_id: `gid://shopify/LineItem/${line.lineId}`,
      variant_id: line.variantId,
      product_id: line.variantId === null ? null : 8800000000000 + (line.variantId % 10000),
      sku: line.sku,
      title: line.sku ?? 'Gift wrap',
      name: line.sku ?? 'Gift wrap',
      quantity: line.quantity,
      price: line.price ?? '10.00',
      price_set: money(line.price ?? '10.00'),
      requires_shipping: line.variantId !== null,
      tax_lines: [],
      discount_allocations: [],
    })),
  };
}

export function refundBody(
  refundId: number,
  orderId: number,
  lines: (LineSpec & { refundLineId: number; restockType: string; locationId?: number | null })[],
) {
  return {
    id: refundId,
    order_id: orderId,
    created_at: '2025-10-05T12:00:00+01:00',
    refund_line_items: lines.map((line) => ({
      id: line.refundLineId,
      line_item_id: line.lineId,
      quantity: line.quantity,
      location_id: line.locationId === undefined ? 71234567890 : line.locationId,
      restock_type: line.restockType,
      line_item: {
        id: line.lineId,
        variant_id: line.variantId,
        sku: line.sku,
        quantity: line.quantity,
      },
    })),
    transactions: [],
    order_adjustments: [],
  };
}

export function fulfillmentBody(fulfillmentId: number, orderId: number, lines: LineSpec[]) {
  return {
    id: fulfillmentId,
    order_id: orderId,
    location_id: 71234567890,
    status: 'success',
    created_at: '2025-10-03T09:00:00+01:00',
    line_items: lines.map((line) => ({
      id: line.lineId,
      variant_id: line.variantId,
      product_id: 1,
      sku: line.sku,
      name: line.sku,
      quantity: line.quantity,
    })),
  };
}
