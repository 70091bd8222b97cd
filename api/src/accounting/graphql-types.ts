/**
 * The accounting types of the GraphQL API: invoices and credit notes with their push status and
 * lines, and the shop's accounting settings. Every amount is Money in the document's currency;
 * the access policy makes all of it finance:read, whichever path reaches it.
 */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

import { Money } from '../finance/money.ts';
import { PageInfo } from '../ledger/graphql.ts';

export enum AccountingDocumentKind {
  INVOICE = 'invoice',
  CREDIT_NOTE = 'credit_note',
}
registerEnumType(AccountingDocumentKind, { name: 'AccountingDocumentKind' });

export enum AccountingDocumentStatus {
  WAITING = 'waiting',
  PENDING = 'pending',
  PUSHED = 'pushed',
  FAILED = 'failed',
  VOID = 'void',
}
registerEnumType(AccountingDocumentStatus, {
  name: 'AccountingDocumentStatus',
  valuesConfig: {
    WAITING: { description: 'A credit note waiting for its invoice to be made or pushed.' },
    PENDING: { description: 'Queued for pushing to the accounting platform.' },
    PUSHED: { description: 'On the accounting platform; its content can no longer change.' },
    FAILED: { description: 'Refused or not buildable; the failure reason says what to fix.' },
    VOID: { description: 'The order was cancelled before it was confirmed: never pushed.' },
  },
});

export enum AccountingPlatformName {
  XERO = 'xero',
  QUICKBOOKS = 'quickbooks',
  XERO_SIMULATOR = 'xero-simulator',
}
registerEnumType(AccountingPlatformName, {
  name: 'AccountingPlatformName',
  valuesConfig: {
    XERO_SIMULATOR: { description: 'No platform configured: the built-in Xero simulator.' },
  },
});

/** Where a document was pushed: the simulator stands in for Xero, so it is stored as xero. */
export enum PushedPlatform {
  XERO = 'xero',
  QUICKBOOKS = 'quickbooks',
}
registerEnumType(PushedPlatform, { name: 'PushedPlatform' });

export enum AllocationStatus {
  PENDING = 'pending',
  ALLOCATED = 'allocated',
  NOT_NEEDED = 'not_needed',
  FAILED = 'failed',
}
registerEnumType(AllocationStatus, {
  name: 'AllocationStatus',
  description: "Whether a pushed credit note's credit is applied to its invoice on the platform.",
});

export enum InvoiceTrigger {
  ORDERS_PAID = 'orders/paid',
  ORDERS_CREATE = 'orders/create',
}
registerEnumType(InvoiceTrigger, {
  name: 'InvoiceTrigger',
  valuesConfig: {
    ORDERS_PAID: { description: 'Invoice an order once Shopify reports it paid.' },
    ORDERS_CREATE: { description: 'Invoice an order as soon as it is placed.' },
  },
});

@ObjectType({ description: 'One line of an invoice or credit note, as built for the platform.' })
export class AccountingDocumentLine {
  @Field()
  description!: string;

  @Field(() => String, { nullable: true, description: 'As Shopify sent it; null when blank.' })
  sku!: string | null;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Money, { nullable: true, description: 'Price of one unit.' })
  unitAmount!: Money | null;

  @Field(() => Money, { nullable: true })
  discount!: Money | null;

  @Field(() => Money, {
    nullable: true,
    description: 'Quantity times unit amount less discount; includes tax when the prices do.',
  })
  lineTotal!: Money | null;

  @Field(() => Money, { nullable: true, description: "Shopify's tax on the line." })
  tax!: Money | null;

  @Field()
  accountCode!: string;

  @Field()
  taxType!: string;
}

@ObjectType({ description: 'Something to look at although the document is complete.' })
export class AccountingAlert {
  @Field({ description: 'ROUNDING_LINE_ADDED, PLATFORM_TOTAL_DIFFERS, ...' })
  code!: string;

  @Field()
  message!: string;

  @Field(() => Money, { nullable: true })
  amount!: Money | null;
}

@ObjectType({ description: 'An invoice for a confirmed order or a credit note for a refund.' })
export class AccountingDocument {
  @Field(() => ID)
  id!: string;

  @Field(() => AccountingDocumentKind)
  kind!: AccountingDocumentKind;

  @Field(() => String, { nullable: true, description: 'Null until the document is built.' })
  number!: string | null;

  @Field(() => AccountingDocumentStatus)
  status!: AccountingDocumentStatus;

  /** The order's row, when the order itself has arrived; the `order` field reads it. */
  orderId!: string | null;

  @Field(() => String, { nullable: true, description: 'As the shop shows it, e.g. #1041.' })
  orderName!: string | null;

  @Field(() => ID)
  shopifyOrderId!: string;

  @Field(() => ID, { nullable: true, description: 'Credit notes only.' })
  shopifyRefundId!: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217; the currency paid in.' })
  currency!: string | null;

  @Field(() => Money, { nullable: true, description: 'Net of tax.' })
  subtotal!: Money | null;

  @Field(() => Money, { nullable: true })
  tax!: Money | null;

  @Field(() => Money, { nullable: true })
  total!: Money | null;

  @Field(() => String, {
    nullable: true,
    description: "YYYY-MM-DD in the shop's time zone: the order's or the refund's day.",
  })
  documentDate!: string | null;

  @Field(() => PushedPlatform, { nullable: true })
  platform!: PushedPlatform | null;

  @Field(() => String, { nullable: true, description: "The platform's id of the document." })
  platformId!: string | null;

  @Field(() => String, { nullable: true, description: 'The number the platform shows.' })
  platformNumber!: string | null;

  @Field(() => Date, { nullable: true })
  pushedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'What a person must fix, when failed.' })
  failureReason!: string | null;

  @Field(() => Int, { description: 'Pushes tried since it was made or last retried.' })
  attempts!: number;

  @Field(() => AllocationStatus, { nullable: true, description: 'Credit notes only.' })
  allocationStatus!: AllocationStatus | null;

  @Field(() => [AccountingDocumentLine], {
    nullable: true,
    description: 'Null until the document could be built.',
  })
  lines!: AccountingDocumentLine[] | null;

  @Field(() => [AccountingAlert])
  alerts!: AccountingAlert[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class AccountingDocumentEdge {
  @Field()
  cursor!: string;

  @Field(() => AccountingDocument)
  node!: AccountingDocument;
}

@ObjectType()
export class AccountingDocumentConnection {
  @Field(() => [AccountingDocumentEdge])
  edges!: AccountingDocumentEdge[];

  @Field(() => [AccountingDocument])
  nodes!: AccountingDocument[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'How many documents are in one status, whatever the other filters.' })
export class AccountingStatusCount {
  @Field(() => AccountingDocumentStatus)
  status!: AccountingDocumentStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "How orders and refunds become documents in the shop's books." })
export class AccountingSettings {
  @Field(() => AccountingPlatformName, { description: 'Where documents are pushed.' })
  platform!: AccountingPlatformName;

  @Field(() => Date, {
    nullable: true,
    description: 'Pushing waits until then, after the platform refused more calls today.',
  })
  parkedUntil!: Date | null;

  @Field(() => String, { nullable: true })
  parkedReason!: string | null;

  @Field(() => InvoiceTrigger)
  invoiceTrigger!: InvoiceTrigger;

  @Field({ description: 'Placeholders: {order_number}, {order_name}, {order_id}.' })
  invoiceNumberPattern!: string;

  @Field({ description: 'Adds {refund_number} and {refund_id} to the invoice placeholders.' })
  creditNoteNumberPattern!: string;

  @Field()
  salesAccount!: string;

  @Field()
  shippingAccount!: string;

  @Field({ description: 'Takes the difference when line arithmetic cannot meet the total.' })
  roundingAccount!: string;

  @Field({ description: 'Money refunded beyond the lines.' })
  refundAdjustmentAccount!: string;

  @Field()
  restockingFeeAccount!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Gift cards are a liability; without it, an order selling one is refused.',
  })
  giftCardAccount!: string | null;

  @Field()
  taxedTaxType!: string;

  @Field()
  untaxedTaxType!: string;

  @Field()
  outOfScopeTaxType!: string;

  @Field(() => String, { nullable: true, description: 'QuickBooks id; null: found by name.' })
  quickbooksTaxedTaxCode!: string | null;

  @Field(() => String, { nullable: true, description: 'QuickBooks id; null: found by name.' })
  quickbooksUntaxedTaxCode!: string | null;

  @Field(() => String, { nullable: true, description: 'QuickBooks id; null: found by name.' })
  quickbooksShippingItem!: string | null;

  @Field(() => String, { nullable: true, description: 'QuickBooks id; null: found by name.' })
  quickbooksOtherItem!: string | null;

  @Field()
  updatedAt!: Date;

  @Field(() => String, { nullable: true, description: 'user:<id>, token:<id> or cli:<user>.' })
  updatedBy!: string | null;
}
