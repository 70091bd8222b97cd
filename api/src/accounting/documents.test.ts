import { describe, expect, it } from 'vitest';

import { buildCreditNote, buildInvoice, dayInZone } from './documents.ts';
import {
  fixtureOrder,
  fixtureRefund,
  fixtureSettings,
  linesTotalMinor,
  makeOrder,
  makeRefund,
} from './test-support.ts';
import { AccountingDocumentError, type DocumentLine } from './types.ts';
import { xeroCreditNoteRequest, xeroInvoiceRequest } from './xero/documents.ts';

const settings = fixtureSettings;

function refusal(build: () => unknown): AccountingDocumentError {
  try {
    build();
  } catch (error) {
    if (error instanceof AccountingDocumentError) {
      return error;
    }
    throw error;
  }
  throw new Error('the document was built, but a refusal was expected');
}

function roundingLines(lines: DocumentLine[]): DocumentLine[] {
  return lines.filter((line) => line.kind === 'rounding');
}

describe('invoice totals are Shopify’s', () => {
  it('meets #1041 to the penny from its lines alone', () => {
    // Given the fixture order #1041 (discount code across lines, VAT-inclusive delivery)
    const order = fixtureOrder('#1041');

    // When its invoice is built
    const { document, alerts } = buildInvoice(order, settings);

    // Then total, tax and net are Shopify's, the goods are Shopify's subtotal, nothing balances
    expect(document.totalMinor).toBe(10710);
    expect(document.taxMinor).toBe(1785);
    expect(document.subtotalMinor).toBe(8925);
    const goods = document.lines.filter((line) => line.kind === 'goods');
    expect(linesTotalMinor(goods)).toBe(10260);
    expect(linesTotalMinor(document.lines)).toBe(document.totalMinor);
    expect(roundingLines(document.lines)).toStrictEqual([]);
    expect(alerts).toStrictEqual([]);
  });

  it('reads the discount from discount_allocations although total_discount reads 0.00', () => {
    // Given #1041, whose lines say total_discount 0.00 but carry allocations
    const { document } = buildInvoice(fixtureOrder('#1041'), settings);

    // When the cushion line is read
    const cushion = document.lines[0];

    // Then it carries 4.80 of discount on 2 x 24.00
    expect(cushion).toMatchObject({
      sku: 'HL-CUSH-LIN-SAGE',
      quantity: 2,
      unitAmountMinor: 2400,
      discountAmountMinor: 480,
      lineTotalMinor: 4320,
      taxAmountMinor: 720,
    });
  });

  it('keeps the gift wrap with no product and the blank SKU as lines without a SKU', () => {
    // Given #1043: a blank-SKU basket, gift wrapping with no product, free delivery
    const { document } = buildInvoice(fixtureOrder('#1043'), settings);

    // When its lines are read
    const [rug, basket, wrap, delivery] = document.lines;

    // Then each is there with Shopify's tax, and totals are Shopify's
    expect(rug?.sku).toBe('HL-RUG-JUTE-160');
    expect(basket).toMatchObject({ sku: null, description: 'Seagrass Storage Basket - Medium' });
    expect(wrap).toMatchObject({
      kind: 'goods',
      sku: null,
      description: 'Gift wrapping',
      lineTotalMinor: 350,
      taxAmountMinor: 58,
      accountCode: '200',
      taxType: 'OUTPUT2',
    });
    expect(delivery).toMatchObject({ kind: 'shipping', lineTotalMinor: 0, taxCharged: false });
    expect(document.totalMinor).toBe(17650);
    expect(document.taxMinor).toBe(2942);
    expect(roundingLines(document.lines)).toStrictEqual([]);
  });

  it('invoices the EUR order in EUR only, with the rate to GBP', () => {
    // Given #1042, paid in EUR (129.85) in a GBP shop (111.46)
    const { document } = buildInvoice(fixtureOrder('#1042'), settings);

    // When it is read
    // Then currency, rate and total are the customer's; the lines are zero-rated, untaxed
    expect(document.currency).toBe('EUR');
    expect(document.exchangeRate).toStrictEqual({ baseCurrency: 'GBP', rate: '1.1650' });
    expect(document.totalMinor).toBe(12985);
    expect(document.taxMinor).toBe(0);
    expect(document.lines.map((line) => line.taxType)).toStrictEqual([
      'ZERORATEDOUTPUT',
      'ZERORATEDOUTPUT',
      'ZERORATEDOUTPUT',
    ]);
  });

  it('dates the invoice on the shop’s day, across summer time', () => {
    // Given orders at 23:30 UTC in summer and in winter, in a London shop
    // When their days are taken
    // Then the summer one is already the next day in London, the winter one is not
    expect(dayInZone('2025-06-30T23:30:00Z', 'Europe/London')).toBe('2025-07-01');
    expect(dayInZone('2025-01-15T23:30:00Z', 'Europe/London')).toBe('2025-01-15');
    const order = makeOrder({
      lines: [{ price: '5.00', taxes: ['0.83'] }],
      totalPrice: '5.00',
      totalTax: '0.83',
      processedAt: '2025-03-30T23:15:00Z',
    });
    expect(buildInvoice(order, settings).document.date).toBe('2025-03-31');
  });

  it('takes three VAT splits of a third of a penny as Shopify gave them', () => {
    // Given three 1.00 lines whose 0.50 of VAT Shopify split 0.17, 0.17, 0.16
    const order = makeOrder({
      lines: [
        { price: '1.00', taxes: ['0.17'] },
        { price: '1.00', taxes: ['0.17'] },
        { price: '1.00', taxes: ['0.16'] },
      ],
      totalPrice: '3.00',
      totalTax: '0.50',
    });

    // When the invoice is built and mapped
    const { document, alerts } = buildInvoice(order, settings);
    const xero = xeroInvoiceRequest(document).body.Invoices[0];

    // Then each line keeps its own tax, explicitly, and the totals need no rounding
    expect(document.lines.map((line) => line.taxAmountMinor)).toStrictEqual([17, 17, 16]);
    expect(xero?.LineItems.map((line) => line.TaxAmount)).toStrictEqual([0.17, 0.17, 0.16]);
    expect(document.totalMinor).toBe(300);
    expect(document.taxMinor).toBe(50);
    expect(roundingLines(document.lines)).toStrictEqual([]);
    expect(alerts).toStrictEqual([]);
  });

  it('keeps a line discounted to nothing, at zero with zero tax', () => {
    // Given a 10.00 line discounted by 10.00 beside a 20.00 line
    const order = makeOrder({
      lines: [
        { price: '10.00', discount: '10.00', taxes: ['0.00'] },
        { price: '20.00', taxes: ['3.33'] },
      ],
      totalPrice: '20.00',
      totalTax: '3.33',
    });

    // When the invoice is built and mapped
    const { document } = buildInvoice(order, settings);
    const free = xeroInvoiceRequest(document).body.Invoices[0]?.LineItems[0];

    // Then the free line shows its price and discount, nets to zero, and nothing balances
    expect(free).toMatchObject({
      Quantity: 1,
      UnitAmount: 10,
      DiscountAmount: 10,
      LineAmount: 0,
      TaxType: 'OUTPUT2',
      TaxAmount: 0,
    });
    expect(document.totalMinor).toBe(2000);
    expect(roundingLines(document.lines)).toStrictEqual([]);
  });

  it('keeps a discount that does not divide by the quantity whole on the invoice line', () => {
    // Given 3 x 10.00 with 1.00 of discount (33.33p a unit)
    const order = makeOrder({
      lines: [{ price: '10.00', quantity: 3, discount: '1.00', taxes: ['4.83'] }],
      totalPrice: '29.00',
      totalTax: '4.83',
    });

    // When the invoice is built and mapped
    const { document } = buildInvoice(order, settings);
    const line = xeroInvoiceRequest(document).body.Invoices[0]?.LineItems[0];

    // Then quantity, full unit price and discount stay as they are, and the line is 29.00
    expect(line).toMatchObject({
      Quantity: 3,
      UnitAmount: 10,
      DiscountAmount: 1,
      LineAmount: 29,
      TaxAmount: 4.83,
    });
    expect(document.totalMinor).toBe(2900);
    expect(roundingLines(document.lines)).toStrictEqual([]);
  });

  it('invoices a yen order with no decimals, at the rate to GBP', () => {
    // Given an order paid in JPY (zero decimal places) in a GBP shop: ¥3,800 = £19.99
    const order = makeOrder({
      currency: 'JPY',
      lines: [{ price: '1500', quantity: 2, taxes: ['500'] }],
      shipping: [{ title: 'Air mail', price: '800', taxes: ['133'] }],
      totalPrice: '3800',
      totalTax: '633',
      shopTotalPrice: '19.99',
    });

    // When the invoice is built and mapped
    const { document } = buildInvoice(order, settings);
    const xero = xeroInvoiceRequest(document).body.Invoices[0];

    // Then amounts are whole yen and the rate is yen per pound
    expect(document.totalMinor).toBe(3800);
    expect(document.exchangeRate).toStrictEqual({ baseCurrency: 'GBP', rate: '190.0950' });
    expect(xero?.CurrencyCode).toBe('JPY');
    expect(xero?.CurrencyRate).toBe(190.095);
    expect(
      xero?.LineItems.map((line) => [line.UnitAmount, line.LineAmount, line.TaxAmount]),
    ).toStrictEqual([
      [1500, 3000, 500],
      [800, 800, 133],
    ]);
  });

  it('refuses a yen amount with decimals, naming the field', () => {
    // Given a yen order whose line price has sen
    const order = makeOrder({
      currency: 'JPY',
      lines: [{ price: '1500.50', taxes: ['250'] }],
      totalPrice: '1500',
      totalTax: '250',
      shopTotalPrice: '7.89',
    });

    // When the invoice is built
    const error = refusal(() => buildInvoice(order, settings));

    // Then it is refused as an invalid amount at that line's price
    expect(error.code).toBe('AMOUNT_INVALID');
    expect(error.field).toBe('line_items.0.price_set.presentment_money.amount');
  });

  it('carries amounts beyond 32 bits of minor units exactly', () => {
    // Given an order of one line at 30,000,000.00 with 5,000,000.00 of VAT inside it
    const order = makeOrder({
      lines: [{ price: '30000000.00', taxes: ['5000000.00'] }],
      totalPrice: '30000000.00',
      totalTax: '5000000.00',
    });

    // When the invoice is built
    const { document } = buildInvoice(order, settings);

    // Then every figure is exact, in pence
    expect([document.totalMinor, document.taxMinor, document.subtotalMinor]).toStrictEqual([
      3_000_000_000, 500_000_000, 2_500_000_000,
    ]);
    expect(document.lines[0]?.lineTotalMinor).toBe(3_000_000_000);
  });

  it('refuses a line whose full price a number cannot hold exactly, naming it', () => {
    // Given two units at the largest price a number holds exactly, in pence
    const order = makeOrder({
      lines: [{ price: '90071992547409.91', quantity: 2 }],
      totalPrice: '90071992547409.91',
      totalTax: '0.00',
    });

    // When the invoice is built
    const error = refusal(() => buildInvoice(order, settings));

    // Then it is refused as an invalid amount at that line, not rounded
    expect(error.code).toBe('AMOUNT_INVALID');
    expect(error.field).toBe('line_items.0 full price');
  });

  it('works the same on a shop whose prices exclude tax', () => {
    // Given a tax-exclusive order: 10.00 plus 2.00 of tax
    const order = makeOrder({
      taxesIncluded: false,
      lines: [{ price: '10.00', taxes: ['2.00'] }],
      totalPrice: '12.00',
      totalTax: '2.00',
    });

    // When the invoice is built and mapped
    const { document } = buildInvoice(order, settings);

    // Then lines are net, tax comes on top, and Xero is told the lines exclude tax
    expect(document).toMatchObject({ subtotalMinor: 1000, taxMinor: 200, totalMinor: 1200 });
    expect(xeroInvoiceRequest(document).body.Invoices[0]?.LineAmountTypes).toBe('Exclusive');
  });
});

describe('tips are invoiced on a line of their own', () => {
  it('adds the tip, in total_price but in no line item, as a line outside VAT', () => {
    // Given a 19.99 order with a 2.00 tip, so that Shopify's total is 21.99
    const order = makeOrder({
      lines: [{ price: '19.99', taxes: ['3.33'] }],
      totalPrice: '21.99',
      totalTax: '3.33',
      tip: '2.00',
    });

    // When the invoice is built and mapped
    const { document, alerts } = buildInvoice(order, settings);
    const xero = xeroInvoiceRequest(document).body.Invoices[0];

    // Then a Tip line of 2.00 to the sales account, outside VAT, meets the total unrounded
    expect(document.lines.at(-1)).toMatchObject({
      kind: 'tip',
      description: 'Tip',
      lineTotalMinor: 200,
      taxAmountMinor: 0,
      taxCharged: false,
      accountCode: '200',
      taxType: 'NONE',
    });
    expect(xero?.LineItems.at(-1)).toStrictEqual({
      Description: 'Tip',
      Quantity: 1,
      UnitAmount: 2,
      AccountCode: '200',
      TaxType: 'NONE',
      LineAmount: 2,
    });
    expect(document).toMatchObject({ totalMinor: 2199, taxMinor: 333, roundingMinor: 0 });
    expect(linesTotalMinor(document.lines)).toBe(2199);
    expect(alerts).toStrictEqual([]);
  });

  it('adds the tip on top of net lines on a shop whose prices exclude tax', () => {
    // Given a tax-exclusive order: 10.00 plus 2.00 of tax, and a 1.50 tip
    const order = makeOrder({
      taxesIncluded: false,
      lines: [{ price: '10.00', taxes: ['2.00'] }],
      totalPrice: '13.50',
      totalTax: '2.00',
      tip: '1.50',
    });

    // When the invoice is built
    const { document } = buildInvoice(order, settings);

    // Then the tip is net and untaxed, and the totals are Shopify's
    expect(document).toMatchObject({ subtotalMinor: 1150, taxMinor: 200, totalMinor: 1350 });
    expect(document.lines.map((line) => line.kind)).toStrictEqual(['goods', 'tip']);
  });

  it('adds no line for a tip of 0.00', () => {
    // Given #1041, whose total_tip_received is 0.00
    const { document } = buildInvoice(fixtureOrder('#1041'), settings);

    // When its lines are read
    // Then none is a tip
    expect(document.lines.filter((line) => line.kind === 'tip')).toStrictEqual([]);
  });

  it('refuses a tip on an order paid in another currency, naming total_tip_received', () => {
    // Given an order paid in EUR (13.98) with a 2.00 GBP tip, which Shopify gives only in GBP
    const order = makeOrder({
      currency: 'EUR',
      lines: [{ price: '11.65' }],
      totalPrice: '13.98',
      totalTax: '0.00',
      shopTotalPrice: '12.00',
      tip: '2.00',
    });

    // When the invoice is built
    const error = refusal(() => buildInvoice(order, settings));

    // Then it is refused: the tip's amount in euros is not known
    expect(error.code).toBe('TIP_CURRENCY_UNKNOWN');
    expect(error.field).toBe('total_tip_received');
    expect(error.message).toMatch(/total_tip_received.*2\.00 GBP.*paid in EUR/);
  });

  it('credits a refunded tip, a refund of money with no lines, to balance', () => {
    // Given the 2.00 tip of a tipped order refunded on its own: a transaction and no lines
    const order = makeOrder({
      lines: [{ price: '19.99', taxes: ['3.33'] }],
      totalPrice: '21.99',
      totalTax: '3.33',
      tip: '2.00',
    });
    const refund = makeRefund(order, { transactions: ['2.00'] });

    // When its credit note is built
    const { document, alerts } = buildCreditNote(refund, order, 1, settings);

    // Then one line credits the 2.00 outside VAT, with no tax and no rounding
    expect(document.lines).toStrictEqual([
      expect.objectContaining({
        kind: 'refund-adjustment',
        lineTotalMinor: 200,
        taxAmountMinor: 0,
        taxType: 'NONE',
      }),
    ]);
    expect(document).toMatchObject({ totalMinor: 200, taxMinor: 0, roundingMinor: 0 });
    expect(alerts).toStrictEqual([]);
  });
  it('refuses a tip refunded with goods, rather than guess which money was the tip', () => {
    // Given the 19.99 line and the 2.00 tip of a tipped order refunded in one refund
    const order = makeOrder({
      lines: [{ price: '19.99', taxes: ['3.33'] }],
      totalPrice: '21.99',
      totalTax: '3.33',
      tip: '2.00',
    });
    const refund = makeRefund(order, {
      lines: [{ lineItemId: 1, quantity: 1, subtotal: '19.99', tax: '3.33' }],
      transactions: ['21.99'],
    });

    // When its credit note is built
    const error = refusal(() => buildCreditNote(refund, order, 1, settings));

    // Then it is refused, naming the money refunded
    expect(error.code).toBe('TOTAL_MISMATCH');
    expect(error.field).toBe('transactions');
  });
});

describe('gift cards sold are a liability outside VAT', () => {
  it('books an untaxed gift card to its account, out of scope, not zero-rated', () => {
    // Given a £25.00 gift card, untaxed, sold beside a £12.00 mug with £2.00 VAT
    const order = makeOrder({
      lines: [
        { price: '25.00', sku: null, name: 'Gift card' },
        { price: '12.00', taxes: ['2.00'] },
      ],
      totalPrice: '37.00',
      totalTax: '2.00',
    });
    const withGiftCard = {
      ...order,
      line_items: order.line_items.map((line, index) =>
        index === 0 ? { ...line, gift_card: true } : line,
      ),
    };
    const accounts = { ...settings.accounts, giftCards: '835' };

    // When its invoice is built
    const { document } = buildInvoice(withGiftCard, { ...settings, accounts });

    // Then the card is its own kind of line, out of VAT's scope; the mug is taxed as before
    expect(document.lines.map((line) => [line.kind, line.accountCode, line.taxType])).toEqual([
      ['gift-card', '835', settings.taxTypes.outOfScope],
      ['goods', settings.accounts.sales, settings.taxTypes.taxed],
    ]);
    expect(document.totalMinor).toBe(3700);
  });
});

describe('rounding is explicit and reported', () => {
  it('meets a total a penny off the lines with one rounding line, and says so', () => {
    // Given an order whose lines make 15.00 but whose Shopify total is 15.01
    const order = makeOrder({
      lines: [
        { price: '10.00', taxes: ['1.67'] },
        { price: '5.00', taxes: ['0.83'] },
      ],
      totalPrice: '15.01',
      totalTax: '2.50',
    });

    // When the invoice is built and mapped
    const { document, alerts } = buildInvoice(order, settings);
    const xero = xeroInvoiceRequest(document).body.Invoices[0];

    // Then one rounding line of 0.01 to account 860, outside VAT, meets the total; tax is
    // untouched and the caller is told
    expect(roundingLines(document.lines)).toHaveLength(1);
    expect(document.roundingMinor).toBe(1);
    expect(document.totalMinor).toBe(1501);
    expect(document.taxMinor).toBe(250);
    expect(xero?.LineItems.at(-1)).toStrictEqual({
      Description: "Rounding to Shopify's total",
      Quantity: 1,
      UnitAmount: 0.01,
      AccountCode: '860',
      TaxType: 'NONE',
      LineAmount: 0.01,
    });
    expect(alerts).toStrictEqual([
      expect.objectContaining({ code: 'ROUNDING_LINE_ADDED', amountMinor: 1 }),
    ]);
  });

  it('refuses a total further off than rounding can explain, rather than balancing it', () => {
    // Given an order whose Shopify total is 5.00 more than its lines (a duty, a fee)
    const order = makeOrder({
      lines: [{ price: '10.00', taxes: ['1.67'] }],
      totalPrice: '15.00',
      totalTax: '1.67',
    });

    // When the invoice is built
    const error = refusal(() => buildInvoice(order, settings));

    // Then it is refused, naming Shopify's total
    expect(error.code).toBe('TOTAL_MISMATCH');
    expect(error.field).toBe('total_price_set');
  });

  it('refuses tax lines that do not add up to Shopify’s total tax, never adjusting them', () => {
    // Given an order whose tax lines make 1.66 but whose total tax is 1.67
    const order = makeOrder({
      lines: [{ price: '10.00', taxes: ['1.66'] }],
      totalPrice: '10.00',
      totalTax: '1.67',
    });

    // When the invoice is built
    const error = refusal(() => buildInvoice(order, settings));

    // Then it is refused as a tax mismatch
    expect(error.code).toBe('TAX_MISMATCH');
  });

  it('refuses an amount in another currency than the customer paid in', () => {
    // Given a EUR order with one GBP figure among its EUR ones
    const order = makeOrder({
      currency: 'EUR',
      lines: [{ price: '11.65' }],
      totalPrice: '11.65',
      totalTax: '0.00',
      shopTotalPrice: '10.00',
    });
    const mixed = { ...order, total_tax_set: fixtureOrder('#1041').total_tax_set };

    // When the invoice is built
    const error = refusal(() => buildInvoice(mixed, settings));

    // Then it is refused: a document never mixes currencies
    expect(error.code).toBe('CURRENCY_MIXED');
    expect(error.field).toBe('total_tax_set.presentment_money');
  });
});

describe('credit notes credit what was refunded', () => {
  it('credits the fixture refund its goods and tax, totalling the money refunded', () => {
    // Given the fixture refund of a returned mug and a broken candle from #1041 (27.00 paid back)
    const { document, alerts } = buildCreditNote(
      fixtureRefund('1012345600001'),
      fixtureOrder('#1041'),
      1,
      settings,
    );

    // When it is read
    // Then it totals the 27.00 refunded with 4.50 of tax, and nothing balances
    expect(document).toMatchObject({
      number: 'SHP-1041-R1',
      invoiceNumber: 'SHP-1041',
      date: '2025-10-06',
      totalMinor: 2700,
      taxMinor: 450,
      subtotalMinor: 2250,
    });
    expect(linesTotalMinor(document.lines)).toBe(2700);
    expect(roundingLines(document.lines)).toStrictEqual([]);
    expect(alerts).toStrictEqual([]);
  });

  it('shows a restocking fee kept by the shop as its own line', () => {
    // Given a mug returned for 10.80 of which the shop keeps 1.00 (0.83 + 0.17 VAT)
    const order = fixtureOrder('#1041');
    const refund = makeRefund(order, {
      lines: [{ lineItemId: 14700000000013, quantity: 1, subtotal: '10.80', tax: '1.80' }],
      adjustments: [
        { kind: 'refund_discrepancy', amount: '0.83', tax: '0.17', reason: 'Restocking fee' },
      ],
      transactions: ['9.80'],
    });

    // When its credit note is built and mapped
    const { document } = buildCreditNote(refund, order, 2, settings);
    const xero = xeroCreditNoteRequest(document).body.CreditNotes[0];

    // Then the mug is credited in full and the fee is a negative line; the total is 9.80
    expect(document.totalMinor).toBe(980);
    expect(document.taxMinor).toBe(163);
    expect(linesTotalMinor(document.lines)).toBe(980);
    expect(roundingLines(document.lines)).toStrictEqual([]);
    expect(xero?.CreditNoteNumber).toBe('SHP-1041-R2');
    expect(xero?.LineItems[1]).toStrictEqual({
      Description: 'Restocking fee kept: Restocking fee',
      Quantity: 1,
      UnitAmount: -1,
      AccountCode: '200',
      TaxType: 'OUTPUT2',
      LineAmount: -1,
      TaxAmount: -0.17,
    });
  });

  it('posts an amount kept for another reason to the refund adjustments account', () => {
    // Given a mug returned for 10.80 of which the shop keeps 2.00, a discrepancy, not a fee
    const order = fixtureOrder('#1041');
    const accounts = { ...settings.accounts, refundAdjustments: '4100', restockingFees: '4200' };
    const refund = makeRefund(order, {
      lines: [{ lineItemId: 14700000000013, quantity: 1, subtotal: '10.80', tax: '1.80' }],
      adjustments: [{ kind: 'refund_discrepancy', amount: '2.00', reason: 'Refund discrepancy' }],
      transactions: ['8.80'],
    });

    // When its credit note is built
    const { document } = buildCreditNote(refund, order, 2, { ...settings, accounts });

    // Then the amount kept is a refund adjustment, not a restocking fee, and the total is 8.80
    expect(document.lines[1]).toMatchObject({
      kind: 'refund-adjustment',
      description: 'Refund amount kept: Refund discrepancy',
      accountCode: '4100',
      lineTotalMinor: -200,
    });
    expect(document.totalMinor).toBe(880);
  });

  it('posts a refund_discrepancy with no goods to the refund adjustments account', () => {
    // Given a goodwill refund of 5.00 with no lines, recorded as a refund discrepancy
    const order = fixtureOrder('#1041');
    const adjusted = { ...settings, accounts: { ...settings.accounts, refundAdjustments: '4100' } };
    const refund = makeRefund(order, {
      adjustments: [{ kind: 'refund_discrepancy', amount: '-5.00', reason: 'Late delivery' }],
      transactions: ['5.00'],
    });

    // When its credit note is built and mapped
    const { document } = buildCreditNote(refund, order, 1, adjusted);
    const xero = xeroCreditNoteRequest(document).body.CreditNotes[0];

    // Then one line credits 5.00 to that account, outside VAT, and that is the whole total
    expect(xero?.LineItems).toStrictEqual([
      {
        Description: 'Refund adjustment: Late delivery',
        Quantity: 1,
        UnitAmount: 5,
        AccountCode: '4100',
        TaxType: 'NONE',
        LineAmount: 5,
      },
    ]);
    expect(document.totalMinor).toBe(500);
    expect(roundingLines(document.lines)).toStrictEqual([]);
  });

  it('credits money refunded with no lines and no adjustment to the same account', () => {
    // Given a refund of 3.00 that names nothing refunded
    const order = fixtureOrder('#1041');
    const refund = makeRefund(order, { transactions: ['3.00'] });

    // When its credit note is built
    const { document } = buildCreditNote(refund, order, 1, settings);

    // Then one refund-adjustment line credits the 3.00
    expect(document.lines).toStrictEqual([
      expect.objectContaining({
        kind: 'refund-adjustment',
        lineTotalMinor: 300,
        taxAmountMinor: 0,
      }),
    ]);
    expect(document.totalMinor).toBe(300);
  });

  it('credits a delivery-only refund to the delivery account with the delivery’s own VAT', () => {
    // Given #1041's whole 4.50 delivery refunded, once as a refund shipping line without a tax
    // figure and once as an older shipping_refund adjustment (net 3.75, tax 0.75)
    const order = fixtureOrder('#1041');
    const refunds = [
      makeRefund(order, {
        shipping: [{ shippingLineId: 8912345678901, amount: '4.50' }],
        transactions: ['4.50'],
      }),
      makeRefund(order, {
        adjustments: [{ kind: 'shipping_refund', amount: '-3.75', tax: '-0.75' }],
        transactions: ['4.50'],
      }),
    ];

    // When their credit notes are built
    const documents = refunds.map((refund) => buildCreditNote(refund, order, 1, settings).document);

    // Then each credits 4.50 with 0.75 VAT to account 260, and nothing else
    for (const document of documents) {
      expect(document.lines).toStrictEqual([
        expect.objectContaining({
          kind: 'shipping',
          lineTotalMinor: 450,
          taxAmountMinor: 75,
          accountCode: '260',
          taxType: 'OUTPUT2',
        }),
      ]);
      expect(document.totalMinor).toBe(450);
    }
  });

  it('refuses part of a delivery refunded without a tax figure', () => {
    // Given 2.00 of #1041's 4.50 delivery refunded with no tax said
    const order = fixtureOrder('#1041');
    const refund = makeRefund(order, {
      shipping: [{ shippingLineId: 8912345678901, amount: '2.00' }],
      transactions: ['2.00'],
    });

    // When its credit note is built
    const error = refusal(() => buildCreditNote(refund, order, 1, settings));

    // Then it is refused rather than splitting the tax itself
    expect(error.code).toBe('SHIPPING_TAX_UNKNOWN');
  });

  it('keeps an uneven discounted refund exact on a credit note without discount fields', () => {
    // Given all 3 of a 3 x 10.00 line with 1.00 of discount refunded for 29.00
    const order = makeOrder({
      lines: [{ price: '10.00', quantity: 3, discount: '1.00', taxes: ['4.83'] }],
      totalPrice: '29.00',
      totalTax: '4.83',
    });
    const refund = makeRefund(order, {
      lines: [{ lineItemId: 1, quantity: 3, subtotal: '29.00', tax: '4.83' }],
      transactions: ['29.00'],
    });

    // When the credit note is built and mapped
    const { document } = buildCreditNote(refund, order, 1, settings);
    const line = xeroCreditNoteRequest(document).body.CreditNotes[0]?.LineItems[0];

    // Then no unit price of 9.67 multiplies into 29.01: the line is one of 29.00, saying 3
    expect(line).toStrictEqual({
      Description: '3 × SKU-1 Item 1 (returned, restocked)',
      Quantity: 1,
      UnitAmount: 29,
      AccountCode: '200',
      TaxType: 'OUTPUT2',
      LineAmount: 29,
      TaxAmount: 4.83,
    });
    expect(document.lines[0]).toMatchObject({ quantity: 3, discountAmountMinor: 100 });
    expect(document.totalMinor).toBe(2900);
  });

  it('refuses a credit that does not add up to the money refunded', () => {
    // Given the candle (16.20) refunded but 12.00 paid back with no adjustment saying why
    const order = fixtureOrder('#1041');
    const refund = makeRefund(order, {
      lines: [{ lineItemId: 14700000000012, quantity: 1, subtotal: '16.20', tax: '2.70' }],
      transactions: ['12.00'],
    });

    // When its credit note is built
    const error = refusal(() => buildCreditNote(refund, order, 1, settings));

    // Then it is refused, naming the transactions, and no balancing line hides the gap
    expect(error.code).toBe('TOTAL_MISMATCH');
    expect(error.field).toBe('transactions');
  });

  it('refuses a refund that credits nothing and moved no money', () => {
    // Given a refund with no lines, no adjustments and no transactions
    const order = fixtureOrder('#1041');
    const refund = makeRefund(order, { transactions: [] });

    // When its credit note is built
    const error = refusal(() => buildCreditNote(refund, order, 1, settings));

    // Then there is nothing to credit
    expect(error.code).toBe('NOTHING_CREDITED');
  });
});
