import { describe, expect, it } from 'vitest';

import { buildCreditNote, buildInvoice } from '../documents.ts';
import {
  fixture,
  fixtureOrder,
  fixtureRefund,
  fixtureSettings,
  makeOrder,
  withoutNotes,
} from '../test-support.ts';
import {
  xeroAllocationRequest,
  xeroCreditNoteRequest,
  xeroDescription,
  xeroInvoiceRequest,
} from './documents.ts';

interface FixtureRequest {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

function fixtureRequest(file: string, name: string): FixtureRequest {
  const { requests } = fixture<{ requests: FixtureRequest[] }>(file);
  const request = requests.find((each) => each.name === name);
  if (request === undefined) {
    throw new Error(`${file} has no request named ${name}`);
  }
  return request;
}

function invoiceRequestOf(orderName: string) {
  return xeroInvoiceRequest(buildInvoice(fixtureOrder(orderName), fixtureSettings).document);
}

function creditNoteOf(refundId: string, orderName: string) {
  return buildCreditNote(fixtureRefund(refundId), fixtureOrder(orderName), 1, fixtureSettings)
    .document;
}

describe('Xero invoices from the fixture orders', () => {
  it('maps the GBP order with a discount code and delivery field for field', () => {
    // Given the fixture order #1041 and the Xero request the fixture expects of it
    const expected = fixtureRequest(
      'xero-invoice-request.json',
      'gbp_order_1041_discount_shipping',
    );

    // When its invoice is mapped to Xero
    const request = invoiceRequestOf('#1041');

    // Then the body is the fixture's, field for field, and goes where the fixture sends it
    expect(request.body).toStrictEqual(withoutNotes(expected.body));
    expect(`https://api.xero.com${request.path}`).toBe(expected.url);
    expect(request.method).toBe('PUT');
  });

  it('invoices the EUR order in euros with the rate Shopify converted at', () => {
    // Given the fixture order #1042, paid in EUR in a GBP shop
    const expected = fixtureRequest('xero-invoice-request.json', 'eur_order_1042_multicurrency');

    // When its invoice is mapped to Xero
    const request = invoiceRequestOf('#1042');

    // Then the body is the fixture's: EUR amounts, CurrencyRate 1.1650 EUR per GBP
    expect(request.body).toStrictEqual(withoutNotes(expected.body));
    expect(request.body.Invoices[0]?.CurrencyCode).toBe('EUR');
    expect(request.body.Invoices[0]?.CurrencyRate).toBe(1.165);
  });

  it('invoices a line with no product and a blank SKU by name alone', () => {
    // Given the fixture order #1043 with a blank-SKU basket and gift wrapping with no product
    const request = invoiceRequestOf('#1043');

    // When its lines are read
    const lines = request.body.Invoices[0]?.LineItems ?? [];

    // Then both are sales lines with Shopify's tax, named without a SKU, and no ItemCode is sent
    expect(lines.slice(1, 3)).toStrictEqual([
      {
        Description: 'Seagrass Storage Basket - Medium',
        Quantity: 1,
        UnitAmount: 28,
        AccountCode: '200',
        TaxType: 'OUTPUT2',
        LineAmount: 28,
        TaxAmount: 4.67,
        Tracking: [{ Name: 'Channel', Option: 'Online shop' }],
      },
      {
        Description: 'Gift wrapping',
        Quantity: 1,
        UnitAmount: 3.5,
        AccountCode: '200',
        TaxType: 'OUTPUT2',
        LineAmount: 3.5,
        TaxAmount: 0.58,
        Tracking: [{ Name: 'Channel', Option: 'Online shop' }],
      },
    ]);
  });
});

describe('Xero credit note and allocation from the fixture refund', () => {
  it('maps the refund of #1041 field for field, with discounted unit prices', () => {
    // Given the fixture refund of one mug and one candle from #1041
    const expected = fixtureRequest('xero-credit-note-request.json', 'create_credit_note');

    // When its credit note is mapped to Xero
    const request = xeroCreditNoteRequest(creditNoteOf('1012345600001', '#1041'));

    // Then the body is the fixture's
    expect(request.body).toStrictEqual(withoutNotes(expected.body));
    expect(`https://api.xero.com${request.path}`).toBe(expected.url);
  });

  it('allocates the whole credit to the invoice, with the refund date', () => {
    // Given the credit note of the fixture refund and the ids Xero gave both documents
    const expected = fixtureRequest('xero-credit-note-request.json', 'allocate_to_invoice');
    const creditNote = creditNoteOf('1012345600001', '#1041');

    // When the allocation is mapped
    const request = xeroAllocationRequest(creditNote, {
      creditNoteId: '<CreditNoteID>',
      invoiceId: '<InvoiceID returned for SHP-1041>',
    });

    // Then the body is the fixture's
    expect(request?.body).toStrictEqual(withoutNotes(expected.body));
    expect(request?.path).toBe('/api.xro/2.0/CreditNotes/%3CCreditNoteID%3E/Allocations');
  });

  it('never allocates more than the invoice still owes', () => {
    // Given the 27.00 credit note and an invoice with 20.00 left to pay, then one fully paid
    const creditNote = creditNoteOf('1012345600001', '#1041');
    const ids = { creditNoteId: 'cn-1', invoiceId: 'inv-1' };

    // When allocations are mapped
    const partly = xeroAllocationRequest(creditNote, ids, 2000);
    const paid = xeroAllocationRequest(creditNote, ids, 0);

    // Then the first allocates 20.00 and the second nothing (the credit is refunded as cash)
    expect(partly?.body.Allocations[0]?.Amount).toBe(20);
    expect(paid).toBeNull();
  });

  it('credits the EUR refund in euros at the order rate', () => {
    // Given the no-restock refund of the vase from the EUR order #1042
    const request = xeroCreditNoteRequest(creditNoteOf('1012345600002', '#1042'));

    // When its credit note is read
    const creditNote = request.body.CreditNotes[0];

    // Then it is in EUR at the invoice's rate, zero-rated with no TaxAmount
    expect(creditNote?.CurrencyCode).toBe('EUR');
    expect(creditNote?.CurrencyRate).toBe(1.165);
    expect(creditNote?.LineItems).toStrictEqual([
      {
        Description: 'HL-VASE-GLS-AMB Recycled Glass Bud Vase - Amber (damaged, not restocked)',
        Quantity: 1,
        UnitAmount: 34.95,
        AccountCode: '200',
        TaxType: 'ZERORATEDOUTPUT',
        LineAmount: 34.95,
      },
    ]);
  });
});

describe('Idempotency-Key', () => {
  it('starts with the document it creates and fits Xero’s 128 characters', () => {
    // Given the fixture's keys for the invoice, credit note and allocation
    const invoiceKey = fixtureRequest(
      'xero-invoice-request.json',
      'gbp_order_1041_discount_shipping',
    ).headers['Idempotency-Key'];
    const creditKey = fixtureRequest('xero-credit-note-request.json', 'create_credit_note').headers[
      'Idempotency-Key'
    ];
    const creditNote = creditNoteOf('1012345600001', '#1041');

    // When the requests are mapped
    const keys = [
      invoiceRequestOf('#1041').idempotencyKey,
      xeroCreditNoteRequest(creditNote).idempotencyKey,
      xeroAllocationRequest(creditNote, { creditNoteId: 'cn', invoiceId: 'inv' })?.idempotencyKey,
    ];

    // Then each is the fixture's identity followed by a digest of the body
    expect(keys[0]).toMatch(new RegExp(`^${invoiceKey}:[A-Za-z0-9_-]{32}$`));
    expect(keys[1]).toMatch(new RegExp(`^${creditKey}:[A-Za-z0-9_-]{32}$`));
    expect(keys[2]).toMatch(/^shopify:hearth-loom-test:refund:1012345600001:allocation:v1:/);
    for (const key of keys) {
      expect(key?.length).toBeLessThanOrEqual(128);
    }
  });

  it('is the same for the same document however often it is built', () => {
    // Given the same order built twice from separately parsed bodies
    // When both are mapped
    const first = invoiceRequestOf('#1041').idempotencyKey;
    const second = invoiceRequestOf('#1041').idempotencyKey;

    // Then a retry sends the same key
    expect(second).toBe(first);
  });

  it('changes when an amount changes', () => {
    // Given one order, and the same order with one line a penny dearer
    const spec = {
      lines: [{ price: '10.00', taxes: ['1.67'] }],
      totalPrice: '10.00',
      totalTax: '1.67',
    };
    const original = makeOrder(spec);
    const dearer = makeOrder({
      ...spec,
      lines: [{ price: '10.01', taxes: ['1.67'] }],
      totalPrice: '10.01',
    });

    // When both are mapped
    const keys = [original, dearer].map(
      (order) => xeroInvoiceRequest(buildInvoice(order, fixtureSettings).document).idempotencyKey,
    );

    // Then the keys share the document's identity but differ
    expect(keys[0]?.split(':').slice(0, -1)).toStrictEqual(keys[1]?.split(':').slice(0, -1));
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('changes when a setting changes what is sent', () => {
    // Given the fixture order mapped with delivery to account 260, then to 265
    const order = fixtureOrder('#1041');
    const otherSettings = {
      ...fixtureSettings,
      accounts: { ...fixtureSettings.accounts, shipping: '265' },
    };

    // When both are mapped
    const before = xeroInvoiceRequest(buildInvoice(order, fixtureSettings).document);
    const after = xeroInvoiceRequest(buildInvoice(order, otherSettings).document);

    // Then Xero would not answer the corrected invoice with the first one
    expect(after.idempotencyKey).not.toBe(before.idempotencyKey);
  });
});

describe('Xero line descriptions', () => {
  it('cuts a description longer than Xero takes, marking it shortened', () => {
    // Given the fixture invoice of #1041 whose first line carries a gift note of 5000 characters
    const built = buildInvoice(fixtureOrder('#1041'), fixtureSettings).document;
    const [first, ...rest] = built.lines;
    if (first === undefined) {
      throw new Error('the fixture invoice has no lines');
    }
    const note = `Gift wrap: ${'Happy birthday! '.repeat(312)}`;
    const document = { ...built, lines: [{ ...first, description: note }, ...rest] };

    // When it is mapped to Xero
    const [line, next] = xeroInvoiceRequest(document).body.Invoices[0]?.LineItems ?? [];

    // Then its description is the first 3999 characters and "…", and the other lines are as built
    expect(note.length).toBeGreaterThan(4000);
    expect(line?.Description).toHaveLength(4000);
    expect(line?.Description).toBe(`${note.slice(0, 3999)}…`);
    expect(next?.Description).toBe(rest[0]?.description);
  });

  it('never leaves half of a character at the cut', () => {
    const text = `${'a'.repeat(3998)}😀 and more`;

    expect(xeroDescription(text)).toBe(`${'a'.repeat(3998)}…`);
    expect(xeroDescription('a'.repeat(4000))).toBe('a'.repeat(4000));
  });
});
