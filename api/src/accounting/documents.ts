/**
 * Builds the invoice for a confirmed Shopify order and the credit note for one of its refunds,
 * in the currency the customer paid in, to the penny of Shopify's figures. Tax is taken from
 * Shopify's tax lines and never recomputed; when line arithmetic cannot meet Shopify's total
 * one explicit rounding line does, and is reported. Storing and pushing documents, and the
 * choice of which webhook confirms an order, are left to the callers.
 */
import { currencyExponent, toMinorUnits } from '../shopify/money.ts';
import { parsePayload } from '../shopify/payloads.ts';
import {
  accountingOrderSchema,
  accountingRefundSchema,
  type AccountingLineItem,
  type AccountingOrder,
  type AccountingOrderAdjustment,
  type AccountingRefund,
  type ShopifyMoneySet,
} from './shopify-payloads.ts';
import {
  AccountingDocumentError,
  type AccountingAlert,
  type AccountingSettings,
  type BuiltDocument,
  type CreditNoteDocument,
  type DocumentCustomer,
  type DocumentLine,
  type ExchangeRate,
  type InvoiceDocument,
} from './types.ts';

/** Validates an order body for accounting; throws a PayloadError naming each bad field. */
export function parseAccountingOrder(body: unknown, topic = 'orders/paid'): AccountingOrder {
  return parsePayload(accountingOrderSchema, body, topic);
}

/** Validates a refund body for accounting; throws a PayloadError naming each bad field. */
export function parseAccountingRefund(body: unknown, topic = 'refunds/create'): AccountingRefund {
  return parsePayload(accountingRefundSchema, body, topic);
}

/**
 * The invoice for an order as it was confirmed. It uses the original quantities and
 * `total_price`, not the `current_*` figures: every later reduction reaches the books as a
 * refund and its own credit note, so invoicing the current figures would credit it twice.
 */
export function buildInvoice(
  order: AccountingOrder,
  settings: AccountingSettings,
): BuiltDocument<InvoiceDocument> {
  const money = moneyReader(order.presentment_currency);
  checkShopCurrency(order, settings);

  const tracking = channelTrackingOf(order, settings);
  const lines = order.line_items.map((item, index) =>
    goodsLine(item, `line_items.${index}`, money, settings, tracking),
  );
  order.shipping_lines.forEach((shipping, index) => {
    if (shipping.is_removed === true) {
      return;
    }
    const field = `shipping_lines.${index}`;
    const unitAmountMinor = money(shipping.price_set, `${field}.price_set`);
    const discountAmountMinor = sumOf(
      shipping.discount_allocations,
      `${field}.discount_allocations`,
      (allocation, at) =>
        money(allocation.amount_set, `${field}.discount_allocations.${at}.amount_set`),
    );
    const taxAmountMinor = sumOf(shipping.tax_lines, `${field}.tax_lines`, (tax, at) =>
      money(tax.price_set, `${field}.tax_lines.${at}.price_set`),
    );
    const taxCharged = shipping.tax_lines.length > 0 || taxAmountMinor !== 0;
    lines.push({
      kind: 'shipping',
      description: `Delivery: ${shipping.title}`,
      sku: null,
      quantity: 1,
      unitAmountMinor,
      discountAmountMinor,
      lineTotalMinor: unitAmountMinor - discountAmountMinor,
      taxAmountMinor,
      taxCharged,
      accountCode: settings.accounts.shipping,
      taxType: taxCharged ? settings.taxTypes.taxed : settings.taxTypes.untaxed,
      tracking: [],
      sourceRef: `shipping_line:${shipping.id}`,
    });
  });

  const tip = tipLine(order, settings);
  if (tip !== null) {
    lines.push(tip);
  }

  const expectedTotalMinor = money(order.total_price_set, 'total_price_set');
  const expectedTaxMinor = money(order.total_tax_set, 'total_tax_set');
  const settled = settle(lines, {
    expectedTotalMinor,
    expectedTaxMinor,
    totalField: 'total_price_set',
    order,
    settings,
  });

  const date = dayInZone(order.processed_at ?? order.created_at, settings.shopTimeZone);
  const document: InvoiceDocument = {
    kind: 'invoice',
    number: numberFrom(settings.invoiceNumberPattern, orderPlaceholders(order)),
    reference: `Shopify ${order.name} / ${order.id}`,
    date,
    dueDate: date,
    currency: order.presentment_currency,
    exchangeRate: exchangeRateOf(order, settings),
    amountsIncludeTax: order.taxes_included,
    customer: customerOf(order),
    lines: settled.lines,
    subtotalMinor: exactMinor(expectedTotalMinor - expectedTaxMinor, 'subtotal'),
    taxMinor: expectedTaxMinor,
    totalMinor: expectedTotalMinor,
    roundingMinor: settled.roundingMinor,
    shopDomain: settings.shopDomain,
    orderId: order.id,
    orderName: order.name,
  };
  return { document, alerts: settled.alerts };
}

/**
 * The credit note for one refund of an order. Its total is the money refunded (successful
 * refund transactions); lines credit goods with their tax, delivery, and adjustments, and the
 * restock type only labels a line: it never changes what is credited. `refundNumber` is the
 * refund's 1-based position among the order's refunds, for the credit note's number. A tip
 * refunded on its own is a refund of money alone; a tip refunded with goods in one refund is
 * refused (TOTAL_MISMATCH), as nothing in the refund says which part of the money was the tip.
 */
export function buildCreditNote(
  refund: AccountingRefund,
  order: AccountingOrder,
  refundNumber: number,
  settings: AccountingSettings,
): BuiltDocument<CreditNoteDocument> {
  if (refund.order_id !== order.id) {
    throw new AccountingDocumentError(
      'UNKNOWN_LINE_ITEM',
      'order_id',
      `refund ${refund.id} belongs to order ${refund.order_id}, not to order ${order.id}`,
    );
  }
  const currency = order.presentment_currency;
  const money = moneyReader(currency);
  checkShopCurrency(order, settings);

  const lines = [
    ...refund.refund_line_items.map((refunded, index) => {
      const field = `refund_line_items.${index}`;
      const item =
        refunded.line_item ?? order.line_items.find((line) => line.id === refunded.line_item_id);
      if (item === undefined) {
        throw new AccountingDocumentError(
          'UNKNOWN_LINE_ITEM',
          `${field}.line_item_id`,
          `refund ${refund.id} credits line item ${refunded.line_item_id}, ` +
            `which order ${order.name} does not have`,
        );
      }
      return creditedGoodsLine(
        item,
        refunded.quantity,
        money(refunded.subtotal_set, `${field}.subtotal_set`),
        money(refunded.total_tax_set, `${field}.total_tax_set`),
        refunded.restock_type ?? null,
        field,
        money,
        settings,
      );
    }),
    ...creditedShippingLines(refund, order, money, settings),
    ...creditedAdjustmentLines(refund, order.taxes_included, money, settings),
  ];

  const creditedMinor = sumOf(refund.transactions, 'transactions', (transaction, index) => {
    if (transaction.kind !== 'refund' || transaction.status !== 'success') {
      return 0;
    }
    const field = `transactions.${index}.amount`;
    if (transaction.currency !== currency) {
      throw new AccountingDocumentError(
        'CURRENCY_MIXED',
        `transactions.${index}.currency`,
        `refund ${refund.id} moved ${transaction.currency} on an order paid in ${currency}`,
      );
    }
    return minorUnits(transaction.amount, currency, field);
  });
  if (lines.length === 0) {
    if (creditedMinor === 0) {
      throw new AccountingDocumentError(
        'NOTHING_CREDITED',
        'transactions',
        `refund ${refund.id} credits no lines and moved no money: there is nothing to credit`,
      );
    }
    lines.push(moneyOnlyLine(creditedMinor, refund.id, settings));
  }

  const taxMinor = sumOf(lines, 'refund tax', (line) => line.taxAmountMinor);
  const settled = settle(lines, {
    expectedTotalMinor: creditedMinor,
    expectedTaxMinor: taxMinor,
    totalField: 'transactions',
    order,
    settings,
  });
  const placeholders = {
    ...orderPlaceholders(order),
    refund_number: String(refundNumber),
    refund_id: refund.id,
  };
  const document: CreditNoteDocument = {
    kind: 'credit-note',
    number: numberFrom(settings.creditNoteNumberPattern, placeholders),
    reference: `Shopify refund ${refund.id} for ${order.name}`,
    date: dayInZone(refund.processed_at ?? refund.created_at, settings.shopTimeZone),
    currency,
    exchangeRate: exchangeRateOf(order, settings),
    amountsIncludeTax: order.taxes_included,
    customer: customerOf(order),
    lines: settled.lines,
    subtotalMinor: exactMinor(creditedMinor - taxMinor, 'subtotal'),
    taxMinor,
    totalMinor: creditedMinor,
    roundingMinor: settled.roundingMinor,
    shopDomain: settings.shopDomain,
    orderId: order.id,
    orderName: order.name,
    refundId: refund.id,
    invoiceNumber: numberFrom(settings.invoiceNumberPattern, orderPlaceholders(order)),
  };
  return { document, alerts: settled.alerts };
}

type MoneyReader = (set: ShopifyMoneySet, field: string) => number;

/** Reads the presentment amount of a money set, refusing any other currency. */
function moneyReader(currency: string): MoneyReader {
  return (set, field) => {
    const { amount, currency_code: setCurrency } = set.presentment_money;
    if (setCurrency !== currency) {
      throw new AccountingDocumentError(
        'CURRENCY_MIXED',
        `${field}.presentment_money`,
        `${field} is in ${setCurrency} but the order was paid in ${currency}; ` +
          'a document never mixes currencies',
      );
    }
    return minorUnits(amount, currency, `${field}.presentment_money.amount`);
  };
}

function minorUnits(amount: string | number, currency: string, field: string): number {
  try {
    return toMinorUnits(amount, currency);
  } catch (error) {
    throw new AccountingDocumentError(
      'AMOUNT_INVALID',
      field,
      `${field}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function checkShopCurrency(order: AccountingOrder, settings: AccountingSettings): void {
  if (order.currency !== settings.shopCurrency) {
    throw new AccountingDocumentError(
      'CURRENCY_MIXED',
      'currency',
      `order ${order.name} is in shop currency ${order.currency}, ` +
        `but the shop is set up in ${settings.shopCurrency}`,
    );
  }
}

/**
 * `amountMinor` when a number holds it exactly. Every amount read is at most
 * Number.MAX_SAFE_INTEGER minor units, and one sum, difference or product of such amounts is
 * exact exactly when its result is too: checked after each step, no figure is ever rounded.
 */
function exactMinor(amountMinor: number, field: string): number {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new AccountingDocumentError(
      'AMOUNT_INVALID',
      field,
      `${field} comes to about ${amountMinor} minor units, more than the ` +
        `${Number.MAX_SAFE_INTEGER} a document can carry exactly`,
    );
  }
  return amountMinor;
}

function sumOf<T>(
  items: readonly T[],
  field: string,
  amountOf: (item: T, index: number) => number,
): number {
  return items.reduce((total, item, index) => exactMinor(total + amountOf(item, index), field), 0);
}

function goodsLine(
  item: AccountingLineItem,
  field: string,
  money: MoneyReader,
  settings: AccountingSettings,
  tracking: DocumentLine['tracking'],
): DocumentLine {
  const unitAmountMinor = money(item.price_set, `${field}.price_set`);
  // total_discount can read 0.00 while the allocations carry the discount: read these.
  const discountAmountMinor = sumOf(
    item.discount_allocations,
    `${field}.discount_allocations`,
    (allocation, index) =>
      money(allocation.amount_set, `${field}.discount_allocations.${index}.amount_set`),
  );
  const taxAmountMinor = sumOf(item.tax_lines, `${field}.tax_lines`, (tax, index) =>
    money(tax.price_set, `${field}.tax_lines.${index}.price_set`),
  );
  const fullPriceMinor = exactMinor(item.quantity * unitAmountMinor, `${field} full price`);

  const taxCharged = item.tax_lines.length > 0 || taxAmountMinor !== 0;
  return {
    kind: goodsKind(item),
    description: describe(item),
    sku: skuOf(item),
    quantity: item.quantity,
    unitAmountMinor,
    discountAmountMinor,
    lineTotalMinor: fullPriceMinor - discountAmountMinor,
    taxAmountMinor,
    taxCharged,
    accountCode: goodsAccount(item, field, settings),
    taxType: goodsTaxType(item, taxCharged, settings),
    tracking,
    sourceRef: `line_item:${item.id}`,
  };
}

/**
 * The tip, which Shopify counts in total_price but in no line item. It posts to the sales
 * account, as gift wrap and other custom lines do, rather than to an account of its own, and
 * lies outside the scope of VAT, as a freely given gratuity does in the UK. Shopify gives the
 * tip in the shop's currency only, so on an order paid in another currency its amount in the
 * customer's money is unknown and the invoice is refused rather than converted by guesswork.
 */
function tipLine(order: AccountingOrder, settings: AccountingSettings): DocumentLine | null {
  const tip = order.total_tip_received ?? '0';
  const tipShopMinor = minorUnits(tip, settings.shopCurrency, 'total_tip_received');
  if (tipShopMinor === 0) {
    return null;
  }
  if (order.presentment_currency !== settings.shopCurrency) {
    throw new AccountingDocumentError(
      'TIP_CURRENCY_UNKNOWN',
      'total_tip_received',
      `order ${order.name} has a tip (total_tip_received) of ${tip} ${settings.shopCurrency}, ` +
        `but was paid in ${order.presentment_currency}, and Shopify gives the tip only in ` +
        'the shop currency: its amount on the invoice is unknown',
    );
  }

  return {
    kind: 'tip',
    description: 'Tip',
    sku: null,
    quantity: 1,
    unitAmountMinor: tipShopMinor,
    discountAmountMinor: 0,
    lineTotalMinor: tipShopMinor,
    taxAmountMinor: 0,
    taxCharged: false,
    accountCode: settings.accounts.sales,
    taxType: settings.taxTypes.outOfScope,
    tracking: [],
    sourceRef: `order:${order.id}:tip`,
  };
}

/**
 * A refunded line credits exactly what Shopify refunded for it (`subtotal_set`, in the same
 * terms as the order's lines: tax included on a tax-inclusive shop) and the tax inside it. The
 * discount is whatever separates that from the full price of the quantity refunded.
 */
function creditedGoodsLine(
  item: AccountingLineItem,
  quantity: number,
  subtotalMinor: number,
  taxAmountMinor: number,
  restockType: string | null,
  field: string,
  money: MoneyReader,
  settings: AccountingSettings,
): DocumentLine {
  const unitAmountMinor = money(item.price_set, `${field}.line_item.price_set`);
  const fullPriceMinor = exactMinor(quantity * unitAmountMinor, `${field} full price`);
  const discountAmountMinor = fullPriceMinor - subtotalMinor;
  if (discountAmountMinor < 0) {
    throw new AccountingDocumentError(
      'AMOUNT_INVALID',
      `${field}.subtotal_set`,
      `${field} refunds ${subtotalMinor} minor units for ${quantity} of line item ${item.id}, ` +
        `more than their full price of ${fullPriceMinor}`,
    );
  }

  const label = restockType === null ? undefined : settings.restockLabels[restockType];
  const taxCharged = item.tax_lines.length > 0 || taxAmountMinor !== 0;
  return {
    kind: goodsKind(item),
    description: label === undefined ? describe(item) : `${describe(item)} (${label})`,
    sku: skuOf(item),
    quantity,
    unitAmountMinor,
    discountAmountMinor,
    lineTotalMinor: subtotalMinor,
    taxAmountMinor,
    taxCharged,
    accountCode: goodsAccount(item, field, settings),
    taxType: goodsTaxType(item, taxCharged, settings),
    tracking: [],
    sourceRef: `line_item:${item.id}`,
  };
}

/**
 * Delivery refunded. Newer API versions send `refund_shipping_lines`; older ones a
 * `shipping_refund` order adjustment. A refund carries one or the other, so the adjustments
 * are read only when there are no refund shipping lines, lest delivery be credited twice.
 */
function creditedShippingLines(
  refund: AccountingRefund,
  order: AccountingOrder,
  money: MoneyReader,
  settings: AccountingSettings,
): DocumentLine[] {
  if (refund.refund_shipping_lines.length === 0) {
    return refund.order_adjustments
      .map((adjustment, index) => ({ adjustment, index }))
      .filter(({ adjustment }) => adjustment.kind === 'shipping_refund')
      .map(({ adjustment, index }) => {
        const field = `order_adjustments.${index}`;
        const credit = adjustmentCredit(adjustment, order.taxes_included, field, money);
        return {
          ...credit,
          kind: 'shipping' as const,
          description: 'Delivery refund',
          accountCode: settings.accounts.shipping,
          taxType: credit.taxCharged ? settings.taxTypes.taxed : settings.taxTypes.untaxed,
          sourceRef: `refund:${refund.id}:order_adjustment:${index}`,
        };
      });
  }

  return refund.refund_shipping_lines.map((refunded, index) => {
    const field = `refund_shipping_lines.${index}`;
    const amountMinor = money(refunded.subtotal_amount_set, `${field}.subtotal_amount_set`);
    const original = order.shipping_lines.find((line) => line.id === refunded.shipping_line_id);
    const taxAmountMinor = shippingRefundTax(refunded, original, amountMinor, field, money);
    const title = refunded.shipping_line?.title ?? original?.title;
    const taxCharged = (original?.tax_lines.length ?? 0) > 0 || taxAmountMinor !== 0;
    return {
      kind: 'shipping' as const,
      description: title === undefined ? 'Delivery refund' : `Delivery refund: ${title}`,
      sku: null,
      quantity: 1,
      unitAmountMinor: amountMinor,
      discountAmountMinor: 0,
      lineTotalMinor: amountMinor,
      taxAmountMinor,
      taxCharged,
      accountCode: settings.accounts.shipping,
      taxType: taxCharged ? settings.taxTypes.taxed : settings.taxTypes.untaxed,
      tracking: [],
      sourceRef: `refund:${refund.id}:shipping_line:${refunded.id}`,
    };
  });
}

/**
 * The tax inside a delivery refund: Shopify's own figure when it sends one; otherwise the
 * delivery line's own tax when the whole delivery is refunded. A part refund without a tax
 * figure is refused: splitting the tax would be recomputing it.
 */
function shippingRefundTax(
  refunded: AccountingRefund['refund_shipping_lines'][number],
  original: AccountingOrder['shipping_lines'][number] | undefined,
  amountMinor: number,
  field: string,
  money: MoneyReader,
): number {
  if (refunded.total_tax_set != null) {
    return money(refunded.total_tax_set, `${field}.total_tax_set`);
  }
  if (original !== undefined) {
    const chargedMinor =
      money(original.price_set, `${field}.shipping_line.price_set`) -
      sumOf(original.discount_allocations, field, (allocation) =>
        money(allocation.amount_set, field),
      );
    if (chargedMinor === amountMinor) {
      return sumOf(original.tax_lines, field, (tax) => money(tax.price_set, field));
    }
  }
  throw new AccountingDocumentError(
    'SHIPPING_TAX_UNKNOWN',
    field,
    `${field} refunds part of a delivery charge without saying how much tax it holds`,
  );
}

/**
 * `refund_discrepancy` (and any other non-delivery) adjustments. Shopify signs them like a
 * shipping refund: negative is money given back beyond the lines (goodwill, money-only
 * refunds), positive is money the merchant keeps (a restocking fee). Each becomes its own line.
 */
function creditedAdjustmentLines(
  refund: AccountingRefund,
  taxesIncluded: boolean,
  money: MoneyReader,
  settings: AccountingSettings,
): DocumentLine[] {
  return refund.order_adjustments
    .map((adjustment, index) => ({ adjustment, index }))
    .filter(({ adjustment }) => adjustment.kind !== 'shipping_refund')
    .map(({ adjustment, index }) => {
      const credit = adjustmentCredit(
        adjustment,
        taxesIncluded,
        `order_adjustments.${index}`,
        money,
      );
      // Shopify records an amount the shop keeps as a positive refund_discrepancy; only its
      // reason tells a restocking fee (its own line and account) from any other amount kept.
      const reason = adjustment.reason?.trim() ?? '';
      const isRestockingFee = credit.lineTotalMinor < 0 && /restocking/i.test(reason);
      const label = isRestockingFee
        ? 'Restocking fee kept'
        : credit.lineTotalMinor < 0
          ? 'Refund amount kept'
          : 'Refund adjustment';
      return {
        ...credit,
        kind: isRestockingFee ? ('restocking-fee' as const) : ('refund-adjustment' as const),
        description: reason === '' ? label : `${label}: ${reason}`,
        accountCode: isRestockingFee
          ? settings.accounts.restockingFees
          : settings.accounts.refundAdjustments,
        taxType: credit.taxCharged ? settings.taxTypes.taxed : settings.taxTypes.outOfScope,
        sourceRef: `refund:${refund.id}:order_adjustment:${index}`,
      };
    });
}

/**
 * What an adjustment credits. Its `amount` is net of its `tax_amount` (Shopify's samples show
 * a 4.00 delivery refunded as -3.33 and -0.67), so on a tax-inclusive document the line
 * carries both. If that reading were wrong, the credited total would disagree with the money
 * refunded and the credit note would be refused, not booked wrongly.
 */
function adjustmentCredit(
  adjustment: AccountingOrderAdjustment,
  taxesIncluded: boolean,
  field: string,
  money: MoneyReader,
): Omit<DocumentLine, 'kind' | 'description' | 'accountCode' | 'taxType' | 'sourceRef'> {
  const netMinor = -money(adjustment.amount_set, `${field}.amount_set`);
  const taxAmountMinor =
    adjustment.tax_amount_set == null
      ? 0
      : -money(adjustment.tax_amount_set, `${field}.tax_amount_set`);
  const lineTotalMinor = taxesIncluded ? netMinor + taxAmountMinor : netMinor;
  return {
    sku: null,
    quantity: 1,
    unitAmountMinor: lineTotalMinor,
    discountAmountMinor: 0,
    lineTotalMinor,
    taxAmountMinor,
    taxCharged: taxAmountMinor !== 0,
    tracking: [],
  };
}

/** A refund of money alone, with no lines and no adjustment saying why. */
function moneyOnlyLine(
  creditedMinor: number,
  refundId: string,
  settings: AccountingSettings,
): DocumentLine {
  return {
    kind: 'refund-adjustment',
    description: 'Refund without returned goods',
    sku: null,
    quantity: 1,
    unitAmountMinor: creditedMinor,
    discountAmountMinor: 0,
    lineTotalMinor: creditedMinor,
    taxAmountMinor: 0,
    taxCharged: false,
    accountCode: settings.accounts.refundAdjustments,
    taxType: settings.taxTypes.outOfScope,
    tracking: [],
    sourceRef: `refund:${refundId}`,
  };
}

interface Settled {
  lines: DocumentLine[];
  roundingMinor: number;
  alerts: AccountingAlert[];
}

/**
 * Checks the lines against Shopify's figures. Tax must match exactly: it is Shopify's, line by
 * line, and is never adjusted. A total off by at most one minor unit per line is met with one
 * explicit rounding line, reported; a larger gap means something is not understood (duties,
 * fees, a changed API) and the document is refused rather than balanced.
 */
function settle(
  lines: DocumentLine[],
  expected: {
    expectedTotalMinor: number;
    expectedTaxMinor: number;
    /** Where Shopify's total comes from, for the error. */
    totalField: string;
    order: AccountingOrder;
    settings: AccountingSettings;
  },
): Settled {
  const { expectedTotalMinor, expectedTaxMinor, totalField, order, settings } = expected;
  // Each of these was made in one step from amounts read, so each is exact if it is safe.
  lines.forEach((line) => {
    exactMinor(line.discountAmountMinor, `${line.sourceRef} discount`);
    exactMinor(line.lineTotalMinor, `${line.sourceRef} line total`);
  });
  const taxMinor = sumOf(lines, 'total_tax_set', (line) => line.taxAmountMinor);
  if (taxMinor !== expectedTaxMinor) {
    throw new AccountingDocumentError(
      'TAX_MISMATCH',
      'total_tax_set',
      `the tax lines of ${order.name} add up to ${taxMinor} minor units ` +
        `but Shopify's total tax is ${expectedTaxMinor}`,
    );
  }

  const linesMinor = sumOf(lines, totalField, (line) => line.lineTotalMinor);
  const totalMinor = order.taxes_included
    ? linesMinor
    : exactMinor(linesMinor + taxMinor, totalField);
  const gapMinor = expectedTotalMinor - totalMinor;
  if (gapMinor === 0) {
    return { lines, roundingMinor: 0, alerts: [] };
  }
  if (Math.abs(gapMinor) > Math.max(1, lines.length)) {
    throw new AccountingDocumentError(
      'TOTAL_MISMATCH',
      totalField,
      `the lines of ${order.name} add up to ${totalMinor} minor units ` +
        `but Shopify's figure (${totalField}) is ${expectedTotalMinor}`,
    );
  }

  const rounding: DocumentLine = {
    kind: 'rounding',
    description: "Rounding to Shopify's total",
    sku: null,
    quantity: 1,
    unitAmountMinor: gapMinor,
    discountAmountMinor: 0,
    lineTotalMinor: gapMinor,
    taxAmountMinor: 0,
    taxCharged: false,
    accountCode: settings.accounts.rounding,
    taxType: settings.taxTypes.outOfScope,
    tracking: [],
    sourceRef: `order:${order.id}:rounding`,
  };
  const alert: AccountingAlert = {
    code: 'ROUNDING_LINE_ADDED',
    message:
      `${order.name}: a rounding line of ${gapMinor} minor units meets Shopify's total ` +
      `of ${expectedTotalMinor}`,
    amountMinor: gapMinor,
  };
  return { lines: [...lines, rounding], roundingMinor: gapMinor, alerts: [alert] };
}

function goodsKind(item: AccountingLineItem): 'goods' | 'gift-card' {
  return item.gift_card === true ? 'gift-card' : 'goods';
}

/**
 * Selling a gift card is taking money for a later sale, outside the scope of VAT (the VAT is
 * due when the card is spent), so an untaxed gift card line is out of scope, not zero-rated,
 * and stays out of the VAT return's sales.
 */
function goodsTaxType(
  item: AccountingLineItem,
  taxCharged: boolean,
  settings: AccountingSettings,
): string {
  if (taxCharged) {
    return settings.taxTypes.taxed;
  }
  return item.gift_card === true ? settings.taxTypes.outOfScope : settings.taxTypes.untaxed;
}

function goodsAccount(
  item: AccountingLineItem,
  field: string,
  settings: AccountingSettings,
): string {
  if (item.gift_card !== true) {
    return settings.accounts.sales;
  }
  if (settings.accounts.giftCards === undefined) {
    throw new AccountingDocumentError(
      'GIFT_CARD_ACCOUNT_MISSING',
      field,
      `${field} sells a gift card, a liability rather than a sale, ` +
        'and no gift card account is set',
    );
  }
  return settings.accounts.giftCards;
}

function skuOf(item: AccountingLineItem): string | null {
  const sku = item.sku?.trim() ?? '';
  return sku === '' ? null : sku;
}

/** `SKU Name - Variant`, or the name alone for a blank SKU or a line with no product. */
function describe(item: AccountingLineItem): string {
  const name = item.name?.trim() || item.title?.trim() || `Line item ${item.id}`;
  const sku = skuOf(item);
  return sku === null ? name : `${sku} ${name}`;
}

function channelTrackingOf(
  order: AccountingOrder,
  settings: AccountingSettings,
): DocumentLine['tracking'] {
  const tracking = settings.channelTracking;
  const option = tracking?.optionBySourceName[order.source_name ?? ''];
  if (tracking === undefined || option === undefined) {
    return [];
  }
  return [{ category: tracking.category, option }];
}

function orderPlaceholders(order: AccountingOrder): Record<string, string> {
  return {
    order_number: String(order.order_number),
    order_name: order.name.replace(/^#/, ''),
    order_id: order.id,
  };
}

function numberFrom(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{([a-z_]+)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new AccountingDocumentError(
        'NUMBER_PATTERN_INVALID',
        'numberPattern',
        `the number pattern "${pattern}" names ${placeholder}, which is not one of ` +
          Object.keys(values)
            .map((known) => `{${known}}`)
            .join(', '),
      );
    }
    return value;
  });
}

/** The calendar day of an instant in a time zone, as `YYYY-MM-DD`. */
export function dayInZone(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string): string => parts.find((each) => each.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * Foreign units per unit of the shop currency, from the order's own two totals (the rate
 * Shopify converted at), to four decimal places rounded half up, in integer arithmetic. None
 * for an order paid in the shop currency, or one with nothing to convert.
 */
function exchangeRateOf(order: AccountingOrder, settings: AccountingSettings): ExchangeRate | null {
  const currency = order.presentment_currency;
  if (currency === settings.shopCurrency) {
    return null;
  }

  const shopMoney = order.total_price_set.shop_money;
  const shopMinor = minorUnits(shopMoney.amount, settings.shopCurrency, 'total_price_set');
  const foreignMinor = minorUnits(
    order.total_price_set.presentment_money.amount,
    currency,
    'total_price_set',
  );
  if (shopMinor <= 0 || foreignMinor <= 0) {
    return null;
  }

  const rateDigits = 4n;
  const numerator =
    BigInt(foreignMinor) * 10n ** (BigInt(currencyExponent(settings.shopCurrency)) + rateDigits);
  const denominator = BigInt(shopMinor) * 10n ** BigInt(currencyExponent(currency));
  const scaled = (numerator * 2n + denominator) / (denominator * 2n);
  const text = scaled.toString().padStart(Number(rateDigits) + 1, '0');
  const whole = text.slice(0, -Number(rateDigits));
  return { baseCurrency: settings.shopCurrency, rate: `${whole}.${text.slice(whole.length)}` };
}

function customerOf(order: AccountingOrder): DocumentCustomer {
  const customer = order.customer ?? null;
  const billing = order.billing_address ?? null;
  const firstName = textOrNull(customer?.first_name);
  const lastName = textOrNull(customer?.last_name);

  const fullName = [firstName, lastName].filter((part) => part !== null).join(' ');
  const fallbackName = customer === null ? 'Shopify guest' : `Shopify customer ${customer.id}`;
  return {
    reference: customer === null ? 'SHOPIFY-GUEST' : `SHOPIFY-${customer.id}`,
    name: fullName || textOrNull(billing?.name) || fallbackName,
    firstName,
    lastName,
    email: textOrNull(customer?.email),
    address:
      billing === null
        ? null
        : {
            line1: billing.address1 ?? null,
            line2: billing.address2 ?? null,
            city: billing.city ?? null,
            postalCode: billing.zip ?? null,
            country: billing.country ?? null,
          },
  };
}

function textOrNull(text: string | null | undefined): string | null {
  const trimmed = text?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
