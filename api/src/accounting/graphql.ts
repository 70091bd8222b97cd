/**
 * Accounting in the GraphQL API: invoices and credit notes to list, filter and read, an order's
 * own documents, the open exceptions about a document or an order, a retry for a failed push,
 * the settings to read and change, and a subscription to every change of a document's status.
 * Refusals of a retry or of settings come back in the payload's `errors`, each naming the field
 * at fault. Pushing itself is the queue's work; this module only reads the tables and sets a
 * failed document back to pending.
 */
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
  Subscription,
  type SubscriptionHandlerData,
} from 'type-graphql';

import { BadArgumentError, pageSize, rowId } from '../app/arguments.ts';
import type { RequestContext } from '../app/context.ts';
import { StockException } from '../ledger/entities.ts';
import { accountingExceptionKinds } from '../ledger/exceptions.ts';
import { Order } from '../orders/entities.ts';
import type { EventPayloads } from '../platform/events.ts';
import { withTransaction } from '../platform/transaction.ts';
import {
  countDocuments,
  documentsOfOrders,
  findDocument,
  listDocuments,
  readSettings,
} from './document-reads.ts';
import {
  AccountingDocument,
  AccountingDocumentConnection,
  AccountingDocumentKind,
  AccountingDocumentStatus,
  AccountingPlatformName,
  AccountingSettings,
  AccountingStatusCount,
  InvoiceTrigger,
} from './graphql-types.ts';
import { loadInBatch } from './request-batch.ts';
import { retryAccountingDocument } from './push.ts';
import { accountingSettingsErrorCodes, updateAccountingSettings } from './settings.ts';

enum AccountingErrorCode {
  DOCUMENT_NOT_FOUND = 'DOCUMENT_NOT_FOUND',
  NOT_FAILED = 'NOT_FAILED',
  REQUIRED = 'REQUIRED',
  TOO_LONG = 'TOO_LONG',
  INVALID = 'INVALID',
  PATTERN_INVALID = 'PATTERN_INVALID',
}
registerEnumType(AccountingErrorCode, { name: 'AccountingErrorCode' });
// The settings checks' codes must all exist in the GraphQL enum.
accountingSettingsErrorCodes.forEach((code) => AccountingErrorCode[code]);

@ObjectType()
class AccountingError {
  @Field({ description: 'The argument or input field at fault.' })
  field!: string;

  @Field(() => AccountingErrorCode)
  code!: AccountingErrorCode;

  @Field()
  message!: string;
}

@ObjectType()
class RetryAccountingDocumentPayload {
  @Field(() => AccountingDocument, { nullable: true, description: 'As it stands after.' })
  document!: AccountingDocument | null;

  @Field(() => [AccountingError])
  errors!: AccountingError[];
}

@ObjectType()
class UpdateAccountingSettingsPayload {
  @Field(() => AccountingSettings, { nullable: true, description: 'Null when refused.' })
  settings!: AccountingSettings | null;

  @Field(() => [AccountingError])
  errors!: AccountingError[];
}

@InputType()
class AccountingDocumentFilter {
  @Field(() => AccountingDocumentStatus, { nullable: true })
  status?: AccountingDocumentStatus | null;

  @Field(() => AccountingDocumentKind, { nullable: true })
  kind?: AccountingDocumentKind | null;

  @Field(() => String, {
    nullable: true,
    description: "Part of the document's number or of the order's name (#1041), any case.",
  })
  search?: string | null;
}

@InputType({ description: 'Only the fields given change; a blank optional field clears it.' })
class AccountingSettingsInput {
  @Field(() => InvoiceTrigger, { nullable: true })
  invoiceTrigger?: InvoiceTrigger | null;

  @Field(() => String, { nullable: true })
  invoiceNumberPattern?: string | null;

  @Field(() => String, { nullable: true })
  creditNoteNumberPattern?: string | null;

  @Field(() => String, { nullable: true })
  salesAccount?: string | null;

  @Field(() => String, { nullable: true })
  shippingAccount?: string | null;

  @Field(() => String, { nullable: true })
  roundingAccount?: string | null;

  @Field(() => String, { nullable: true })
  refundAdjustmentAccount?: string | null;

  @Field(() => String, { nullable: true })
  restockingFeeAccount?: string | null;

  @Field(() => String, { nullable: true })
  giftCardAccount?: string | null;

  @Field(() => String, { nullable: true })
  taxedTaxType?: string | null;

  @Field(() => String, { nullable: true })
  untaxedTaxType?: string | null;

  @Field(() => String, { nullable: true })
  outOfScopeTaxType?: string | null;

  @Field(() => String, { nullable: true })
  quickbooksTaxedTaxCode?: string | null;

  @Field(() => String, { nullable: true })
  quickbooksUntaxedTaxCode?: string | null;

  @Field(() => String, { nullable: true })
  quickbooksShippingItem?: string | null;

  @Field(() => String, { nullable: true })
  quickbooksOtherItem?: string | null;
}

type DocumentEvent = EventPayloads['ACCOUNTING_DOCUMENT_CHANGED'];

@Resolver()
export class AccountingResolver {
  @Query(() => AccountingDocumentConnection, {
    description: 'Invoices and credit notes, newest first.',
  })
  async accountingDocuments(
    @Ctx() { pool }: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Arg('filter', () => AccountingDocumentFilter, { nullable: true })
    filter: AccountingDocumentFilter | null | undefined,
  ): Promise<AccountingDocumentConnection> {
    const limit = pageSize(first);
    const beforeId = after == null ? null : decodeCursor(after);

    const found = await listDocuments(pool, filter ?? {}, { limit: limit + 1, beforeId });
    const nodes = found.slice(0, limit);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      nodes,
      pageInfo: { hasNextPage: found.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => [AccountingStatusCount], {
    description: 'How many documents are in each status, for the kind and search given.',
  })
  async accountingDocumentCounts(
    @Ctx() { pool }: RequestContext,
    @Arg('filter', () => AccountingDocumentFilter, { nullable: true })
    filter: AccountingDocumentFilter | null | undefined,
  ): Promise<AccountingStatusCount[]> {
    return countDocuments(pool, filter ?? {});
  }

  @Query(() => AccountingDocument, { nullable: true })
  async accountingDocument(
    @Ctx() { pool }: RequestContext,
    @Arg('id', () => ID) id: string,
  ): Promise<AccountingDocument | null> {
    return findDocument(pool, rowId(id, 'id'));
  }

  @Query(() => AccountingSettings)
  async accountingSettings(@Ctx() context: RequestContext): Promise<AccountingSettings> {
    return readSettings(context.pool, platformOf(context));
  }

  @Mutation(() => RetryAccountingDocumentPayload, {
    description: 'Sends a failed document to the push queue again, as if it were new.',
  })
  async retryAccountingDocument(
    @Ctx() { pool, caller, auditEventId }: RequestContext,
    @Arg('id', () => ID) id: string,
  ): Promise<RetryAccountingDocumentPayload> {
    const outcome = await withTransaction(
      pool,
      (tx) => retryAccountingDocument(tx, rowId(id, 'id'), caller.actor),
      { auditEventId },
    );
    const document = outcome === 'not_found' ? null : await findDocument(pool, id);
    if (document === null) {
      const message = `No accounting document ${id.slice(0, 40)}`;
      return { document: null, errors: [{ field: 'id', code: notFound, message }] };
    }
    if (outcome === 'not_failed') {
      const message =
        `Only a failed document can be retried; ${document.number ?? 'this one'} is ` +
        `${document.status}`;
      return { document, errors: [{ field: 'id', code: AccountingErrorCode.NOT_FAILED, message }] };
    }
    return { document, errors: [] };
  }

  @Mutation(() => UpdateAccountingSettingsPayload, {
    description: 'Changes the fields given; refuses all of them if any one is not acceptable.',
  })
  async updateAccountingSettings(
    @Ctx() context: RequestContext,
    @Arg('input', () => AccountingSettingsInput) input: AccountingSettingsInput,
  ): Promise<UpdateAccountingSettingsPayload> {
    const { pool, caller, auditEventId } = context;
    const result = await withTransaction(
      pool,
      (tx) => updateAccountingSettings(tx, input, caller.actor),
      { auditEventId },
    );
    if (result.settings === null) {
      const errors = result.errors.map((problem) => ({
        ...problem,
        code: AccountingErrorCode[problem.code],
      }));
      return { settings: null, errors };
    }
    return { settings: await readSettings(pool, platformOf(context)), errors: [] };
  }

  @Subscription(() => AccountingDocument, {
    topics: 'ACCOUNTING_DOCUMENT_CHANGED',
    description: "A document was made or its status changed; optionally only one order's.",
    filter: ({
      payload,
      args,
      context,
    }: SubscriptionHandlerData<DocumentEvent, SubscriptionArgs, RequestContext>) =>
      args.orderId == null ? true : isOfOrder(context, payload, args.orderId),
  })
  async accountingDocumentChanged(
    @Root() event: DocumentEvent,
    @Ctx() { pool }: RequestContext,
    @Arg('orderId', () => ID, { nullable: true }) _orderId: string | null | undefined,
  ): Promise<AccountingDocument> {
    const document = await findDocument(pool, event.documentId);
    if (document === null) {
      throw new Error(`accounting document ${event.documentId} was announced but is not stored`);
    }
    return document;
  }
}

const notFound = AccountingErrorCode.DOCUMENT_NOT_FOUND;

interface SubscriptionArgs {
  orderId?: string | null;
}

async function isOfOrder(
  { pool }: RequestContext,
  event: DocumentEvent,
  orderId: string,
): Promise<boolean> {
  if (!/^\d{1,18}$/.test(orderId)) {
    return false;
  }
  const found = await pool.query('SELECT 1 FROM orders WHERE id = $1 AND shopify_order_id = $2', [
    orderId,
    event.shopifyOrderId,
  ]);
  return found.rowCount === 1;
}

/** The order of a document, and the documents of an order. */
@Resolver(() => AccountingDocument)
export class AccountingDocumentFieldsResolver {
  @FieldResolver(() => Order, { nullable: true, description: 'Null until the order arrives.' })
  async order(
    @Root() document: AccountingDocument,
    @Ctx() context: RequestContext,
  ): Promise<Order | null> {
    const { em } = context;
    if (document.orderId === null) {
      return null;
    }
    const loadMany = async (ids: string[]) => {
      const orders = await em.find(
        Order,
        { id: { $in: ids } },
        { populate: ['lines', 'lines.skuRef', 'lines.location'] },
      );
      return new Map(orders.map((order) => [order.id, order]));
    };
    return loadInBatch<Order | null>(context, 'orders', document.orderId, loadMany, null);
  }

  @FieldResolver(() => [StockException], {
    description: 'Open exceptions about this document, newest first.',
  })
  async exceptions(
    @Root() document: AccountingDocument,
    @Ctx() context: RequestContext,
  ): Promise<StockException[]> {
    const loadMany = async (documentIds: string[]) => {
      const found = await context.pool.query<{ id: string; key: string }>(
        `SELECT id::text, details->>'documentId' AS key FROM stock_exceptions
         WHERE status = 'open' AND kind = ANY($2::text[])
           AND details->>'documentId' = ANY($1::text[])`,
        [documentIds, accountingExceptionKinds],
      );
      const exceptions = await openExceptionsById(context, found.rows);
      return groupBy(found.rows, exceptions);
    };
    return loadInBatch(context, 'exceptions-of-documents', document.id, loadMany, []);
  }
}

@Resolver(() => Order)
export class OrderAccountingResolver {
  @FieldResolver(() => AccountingDocument, {
    nullable: true,
    description: 'The invoice of the order, once one is made.',
  })
  async invoice(
    @Root() order: Order,
    @Ctx() context: RequestContext,
  ): Promise<AccountingDocument | null> {
    const documents = await documentsOf(context, order);
    return documents.find((document) => document.kind === AccountingDocumentKind.INVOICE) ?? null;
  }

  @FieldResolver(() => [AccountingDocument], {
    nullable: true,
    description: 'A credit note per refund, oldest first.',
  })
  async creditNotes(
    @Root() order: Order,
    @Ctx() context: RequestContext,
  ): Promise<AccountingDocument[]> {
    const documents = await documentsOf(context, order);
    return documents.filter((document) => document.kind === AccountingDocumentKind.CREDIT_NOTE);
  }

  @FieldResolver(() => [StockException], {
    nullable: true,
    description: 'Open accounting exceptions about the order or its documents, newest first.',
  })
  async accountingExceptions(
    @Root() order: Order,
    @Ctx() context: RequestContext,
  ): Promise<StockException[]> {
    const loadMany = async (orderIds: string[]) => {
      // An exception names its order, or only its document when raised before the order came.
      const found = await context.pool.query<{ id: string; key: string }>(
        `SELECT e.id::text, coalesce(e.order_id, d.order_id)::text AS key
         FROM stock_exceptions e
         LEFT JOIN accounting_documents d ON d.id::text = e.details->>'documentId'
         WHERE e.status = 'open' AND e.kind = ANY($2::text[])
           AND coalesce(e.order_id, d.order_id) = ANY($1::bigint[])`,
        [orderIds, accountingExceptionKinds],
      );
      const exceptions = await openExceptionsById(context, found.rows);
      return groupBy(found.rows, exceptions);
    };
    return loadInBatch(context, 'accounting-exceptions-of-orders', order.id, loadMany, []);
  }
}

/** Open exceptions by id, newest first, read for every document or order of the request. */
async function openExceptionsById(
  { em }: RequestContext,
  rows: { id: string }[],
): Promise<StockException[]> {
  if (rows.length === 0) {
    return [];
  }
  return em.find(
    StockException,
    { id: { $in: rows.map((row) => row.id) } },
    { populate: ['skuRef', 'location'], orderBy: { id: 'desc' } },
  );
}

/** The exceptions found, grouped by the key (document or order) each row was found under. */
function groupBy(
  rows: { id: string; key: string }[],
  exceptions: StockException[],
): Map<string, StockException[]> {
  const keyById = new Map(rows.map((row) => [row.id, row.key]));
  const grouped = new Map<string, StockException[]>();
  for (const exception of exceptions) {
    const key = keyById.get(exception.id) ?? '';
    grouped.set(key, [...(grouped.get(key) ?? []), exception]);
  }
  return grouped;
}

/** The documents of one order, read with those of every other order of the same request. */
async function documentsOf(context: RequestContext, order: Order): Promise<AccountingDocument[]> {
  if (order.shopifyId === null) {
    return [];
  }
  const loadMany = (shopifyIds: string[]) => documentsOfOrders(context.pool, shopifyIds);
  return loadInBatch(context, 'documents-of-orders', order.shopifyId, loadMany, []);
}

function platformOf(context: RequestContext): AccountingPlatformName {
  switch (context.accountingPlatform) {
    case 'xero':
      return AccountingPlatformName.XERO;
    case 'quickbooks':
      return AccountingPlatformName.QUICKBOOKS;
    case undefined:
      return AccountingPlatformName.XERO_SIMULATOR;
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(`accounting-document:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^accounting-document:(\d{1,18})$/.exec(decoded);
  if (match?.[1] === undefined) {
    throw new BadArgumentError(
      'after',
      `"${cursor.slice(0, 40)}" is not a cursor this API gave out`,
    );
  }
  return match[1];
}
