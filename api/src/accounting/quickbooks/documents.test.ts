import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { buildCreditNote, buildInvoice } from '../documents.ts';
import {
  fixtureOrder,
  fixtureRefund,
  fixtureSettings,
  makeOrder,
  withoutNotes,
} from '../test-support.ts';
import {
  type QboReferences,
  qboApplyCreditRequest,
  qboCreditMemoRequest,
  qboInvoiceRequest,
} from './documents.ts';

interface QboFixture {
  request: { method: string; url: string; body: unknown };
}

// The shared fixture of the QuickBooks invoice for #1041, kept beside the mapping it checks.
const expected = JSON.parse(
  readFileSync(new URL('./qbo-invoice-request.json', import.meta.url), 'utf8'),
) as QboFixture;

/** The ids the fixture's invoice refers to, as the company would answer them. */
const fixtureReferences: QboReferences = {
  customer: { value: '58', name: 'Imogen Fairweather' },
  itemsBySku: new Map([
    ['HL-CUSH-LIN-SAGE', { value: '31', name: 'HL-CUSH-LIN-SAGE' }],
    ['HL-CNDL-SOY-FIG', { value: '32', name: 'HL-CNDL-SOY-FIG' }],
    ['HL-MUG-STONE-BLU', { value: '33', name: 'HL-MUG-STONE-BLU' }],
  ]),
  shippingItem: { value: '40', name: 'Shipping' },
  otherItem: { value: '41', name: 'Sales' },
  taxCodes: { taxed: '6', untaxed: '8', outOfScope: '10' },
};

function invoiceOf(orderName: string) {
  return buildInvoice(fixtureOrder(orderName), fixtureSettings).document;
}

describe('QuickBooks invoices from the fixture orders', () => {
  it('maps #1041 to the fixture body field for field', () => {
    // Given the fixture order #1041 with its discount code and VAT-inclusive delivery
    const invoice = invoiceOf('#1041');

    // When it is mapped with the fixture company's ids
    const request = qboInvoiceRequest(invoice, fixtureReferences);

    // Then the body is the fixture's, net amounts with the discount applied and Shopify's VAT
    expect(request.body).toStrictEqual(withoutNotes(expected.request.body));
    expect(request.entity).toBe('invoice');
    expect(expected.request.url).toContain('/invoice?');
  });

  it('invoices the EUR order in euros with the rate turned round to GBP per EUR', () => {
    // Given #1042, paid in EUR at 1.1650 EUR per GBP, no VAT charged
    const invoice = invoiceOf('#1042');

    // When it is mapped
    const { body } = qboInvoiceRequest(invoice, fixtureReferences);

    // Then QuickBooks gets EUR amounts and 0.858369 GBP per EUR, lines on the zero-rate code
    expect(body.CurrencyRef).toStrictEqual({ value: 'EUR' });
    expect(body.ExchangeRate).toBe(0.858369);
    expect(body.TxnTaxDetail).toStrictEqual({ TotalTax: 0 });
    expect(body.Line.map((line) => line.SalesItemLineDetail.TaxCodeRef.value)).toStrictEqual([
      '8',
      '8',
      '8',
    ]);
    expect(body.Line.reduce((total, line) => total + Math.round(line.Amount * 100), 0)).toBe(
      invoice.totalMinor,
    );
  });

  it('puts lines without a SKU on the other item and keeps their VAT', () => {
    // Given #1043 with a blank-SKU basket and gift wrap with no product
    const { body } = qboInvoiceRequest(invoiceOf('#1043'), fixtureReferences);

    // When its second and third lines are read
    const lines = body.Line.slice(1, 3);

    // Then both sell the Sales item, taxed, gross as Shopify charged
    expect(lines.map((line) => line.SalesItemLineDetail)).toStrictEqual([
      {
        ItemRef: { value: '41', name: 'Sales' },
        Qty: 1,
        UnitPrice: 23.33,
        TaxCodeRef: { value: '6' },
        TaxInclusiveAmt: 28,
      },
      {
        ItemRef: { value: '41', name: 'Sales' },
        Qty: 1,
        UnitPrice: 2.92,
        TaxCodeRef: { value: '6' },
        TaxInclusiveAmt: 3.5,
      },
    ]);
  });

  it('gives a unit price that multiplies back to the net amount when it does not divide', () => {
    // Given three units for 10.00 net, tax excluded
    const order = makeOrder({
      lines: [{ price: '3.34', quantity: 3, discount: '0.02', taxes: ['2.00'] }],
      totalPrice: '12.00',
      totalTax: '2.00',
      taxesIncluded: false,
    });

    // When it is mapped
    const { body } = qboInvoiceRequest(
      buildInvoice(order, fixtureSettings).document,
      fixtureReferences,
    );

    // Then Amount is 10.00, the unit price 3.333333, and no tax-inclusive amount is sent
    const line = body.Line[0];
    expect(body.GlobalTaxCalculation).toBe('TaxExcluded');
    expect(line?.Amount).toBe(10);
    expect(line?.SalesItemLineDetail.UnitPrice).toBe(3.333333);
    expect(line?.SalesItemLineDetail.TaxInclusiveAmt).toBeUndefined();
    expect(Math.round(3 * 3.333333 * 100)).toBe(1000);
  });

  it('sells a tip as the other item, outside the scope of VAT', () => {
    // Given a 19.99 order with a 2.00 tip
    const order = makeOrder({
      lines: [{ price: '19.99', taxes: ['3.33'] }],
      totalPrice: '21.99',
      totalTax: '3.33',
      tip: '2.00',
    });

    // When it is mapped
    const { body } = qboInvoiceRequest(
      buildInvoice(order, fixtureSettings).document,
      fixtureReferences,
    );

    // Then the tip line is 2.00 of the Sales item with the out-of-scope tax code
    const tip = body.Line.at(-1);
    expect(tip?.Description).toBe('Tip');
    expect(tip?.SalesItemLineDetail).toMatchObject({
      ItemRef: { value: '41', name: 'Sales' },
      TaxCodeRef: { value: '10' },
      TaxInclusiveAmt: 2,
    });
  });
});

describe('QuickBooks credit memo and credit application', () => {
  const creditNote = buildCreditNote(
    fixtureRefund('1012345600001'),
    fixtureOrder('#1041'),
    1,
    fixtureSettings,
  ).document;

  it('credits the refund of #1041 at its discounted net prices, totalling 27.00', () => {
    // Given the refund of one mug and one candle from #1041
    // When its credit memo is mapped
    const request = qboCreditMemoRequest(creditNote, fixtureReferences);

    // Then it is a tax-inclusive credit memo of 22.50 net and 4.50 VAT
    expect(request.entity).toBe('creditmemo');
    expect(request.body.DocNumber).toBe('SHP-1041-R1');
    expect(request.body.TxnDate).toBe('2025-10-06');
    expect(request.body.Line.map((line) => [line.Amount, line.SalesItemLineDetail])).toStrictEqual([
      [
        9,
        {
          ItemRef: { value: '33', name: 'HL-MUG-STONE-BLU' },
          Qty: 1,
          UnitPrice: 9,
          TaxCodeRef: { value: '6' },
          TaxInclusiveAmt: 10.8,
        },
      ],
      [
        13.5,
        {
          ItemRef: { value: '32', name: 'HL-CNDL-SOY-FIG' },
          Qty: 1,
          UnitPrice: 13.5,
          TaxCodeRef: { value: '6' },
          TaxInclusiveAmt: 16.2,
        },
      ],
    ]);
    expect(request.body.TxnTaxDetail).toStrictEqual({ TotalTax: 4.5 });
  });

  it('applies credit with a zero payment linking the invoice and the memo', () => {
    // Given the credit memo and the ids QuickBooks gave both documents
    const ids = { customer: { value: '58' }, invoiceId: '130', creditMemoId: '131' };

    // When 27.00 of it is applied
    const request = qboApplyCreditRequest(creditNote, ids, 2700);

    // Then the payment moves no money and links both for 27.00
    expect(request.entity).toBe('payment');
    expect(request.body.TotalAmt).toBe(0);
    expect(request.body.Line).toStrictEqual([
      { Amount: 27, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] },
      { Amount: 27, LinkedTxn: [{ TxnId: '131', TxnType: 'CreditMemo' }] },
    ]);
  });
});

describe('requestid', () => {
  it('names the order, fits 50 characters and repeats for the same document', () => {
    // Given #1041 built twice from separately parsed bodies
    // When both are mapped
    const first = qboInvoiceRequest(invoiceOf('#1041'), fixtureReferences).requestId;
    const second = qboInvoiceRequest(invoiceOf('#1041'), fixtureReferences).requestId;

    // Then a retry sends the same id, which starts with the order
    expect(second).toBe(first);
    expect(first).toMatch(/^i5912345678901-[A-Za-z0-9_-]+$/);
    expect(first.length).toBeLessThanOrEqual(50);
  });

  it('changes when the body changes', () => {
    // Given #1041 mapped with its tax code, then with a corrected one
    const invoice = invoiceOf('#1041');
    const corrected = {
      ...fixtureReferences,
      taxCodes: { ...fixtureReferences.taxCodes, taxed: '7' },
    };

    // When both are mapped
    const before = qboInvoiceRequest(invoice, fixtureReferences).requestId;
    const after = qboInvoiceRequest(invoice, corrected).requestId;

    // Then QuickBooks would not answer the corrected body with the first invoice
    expect(after).not.toBe(before);
    expect(after.split('-')[0]).toBe(before.split('-')[0]);
  });
});
