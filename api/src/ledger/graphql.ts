/**
 * The stock side of the GraphQL API: levels, movements and exceptions to read; receiving,
 * adjusting, transferring, counting and resolving to write; live level changes and new
 * exceptions to subscribe to. Business refusals come back in each payload's `errors`, never
 * as top-level GraphQL errors. Exceptions are read and resolved by area, as the access policy's
 * exceptionAreaRules say: accounting exceptions are finance's (exception-access.ts).
 */
import type { FilterQuery } from '@mikro-orm/core';
import {
  Arg,
  Ctx,
  Field,
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
import { Sku } from '../catalogue/entities.ts';
import type { EventPayloads } from '../platform/events.ts';
import { MovementKind, StockException, StockLevel, StockMovement } from './entities.ts';
import { areaRefusal, areasFor, kindsFor, resolveRefusalMessage } from './exception-access.ts';
import {
  areaOfKind,
  exceptionKinds,
  kindsOfAreas,
  resolveException,
  type ExceptionArea,
} from './exceptions.ts';
import {
  adjustmentReasons,
  adjustStock,
  canonicalSkuCode,
  receiveStock,
  recordCount,
  stockErrorCodes,
  storableText,
  transferStock,
  type StockOperationResult,
} from './operations.ts';

enum StockErrorCode {
  SKU_NOT_FOUND = 'SKU_NOT_FOUND',
  LOCATION_NOT_FOUND = 'LOCATION_NOT_FOUND',
  INVALID_QUANTITY = 'INVALID_QUANTITY',
  REASON_REQUIRED = 'REASON_REQUIRED',
  SAME_LOCATION = 'SAME_LOCATION',
  INSUFFICIENT_AVAILABLE = 'INSUFFICIENT_AVAILABLE',
  REQUEST_REUSED = 'REQUEST_REUSED',
  TOO_LONG = 'TOO_LONG',
  COUNT_BELOW_RESERVED = 'COUNT_BELOW_RESERVED',
  REASON_CONTRADICTS_CHANGE = 'REASON_CONTRADICTS_CHANGE',
  EXCEPTION_NOT_FOUND = 'EXCEPTION_NOT_FOUND',
  ALREADY_RESOLVED = 'ALREADY_RESOLVED',
  FORBIDDEN = 'FORBIDDEN',
}
registerEnumType(StockErrorCode, { name: 'StockErrorCode' });
// The operations' codes must all exist in the GraphQL enum.
stockErrorCodes.forEach((code) => StockErrorCode[code]);

enum AdjustmentReasonCode {
  DAMAGED = 'DAMAGED',
  LOST = 'LOST',
  FOUND = 'FOUND',
  THEFT = 'THEFT',
  EXPIRED = 'EXPIRED',
  SAMPLE = 'SAMPLE',
  CORRECTION = 'CORRECTION',
}
registerEnumType(AdjustmentReasonCode, { name: 'AdjustmentReason' });
adjustmentReasons.forEach((reason) => AdjustmentReasonCode[reason]);

export enum ExceptionAreaValue {
  STOCK = 'stock',
  ACCOUNTING = 'accounting',
}
registerEnumType(ExceptionAreaValue, {
  name: 'ExceptionArea',
  valuesConfig: {
    STOCK: { description: 'Stock, orders and the shop: the warehouse reads them (stock:read).' },
    ACCOUNTING: {
      description: 'Invoices, credit notes and their pushing: finance reads them (finance:read).',
    },
  },
});

@ObjectType()
class StockError {
  @Field({ description: 'The input field at fault.' })
  field!: string;

  @Field(() => StockErrorCode)
  code!: StockErrorCode;

  @Field()
  message!: string;
}

@ObjectType()
class StockOperationPayload {
  @Field(() => [StockMovement], { description: 'The movements made; empty when refused.' })
  movements!: StockMovement[];

  @Field(() => [StockLevel], { description: 'The levels touched, after the change.' })
  levels!: StockLevel[];

  @Field(() => [StockError])
  errors!: StockError[];
}

@ObjectType()
class ResolveExceptionPayload {
  @Field(() => StockException, { nullable: true })
  exception!: StockException | null;

  @Field(() => [StockError])
  errors!: StockError[];
}

@ObjectType()
class MovementEdge {
  @Field()
  cursor!: string;

  @Field(() => StockMovement)
  node!: StockMovement;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
class MovementConnection {
  @Field(() => [MovementEdge])
  edges!: MovementEdge[];

  @Field(() => [StockMovement])
  nodes!: StockMovement[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
class MovementFilter {
  @Field(() => String, { nullable: true, description: 'SKU code, compared in canonical form.' })
  sku?: string | null;

  @Field(() => ID, { nullable: true, description: 'SKU id; works for unnamed SKUs too.' })
  skuId?: string | null;

  @Field(() => ID, { nullable: true })
  locationId?: string | null;

  @Field(() => [MovementKind], { nullable: true })
  kinds?: MovementKind[] | null;

  @Field(() => Date, { nullable: true, description: 'Recorded at or after.' })
  recordedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Recorded before.' })
  recordedBefore?: Date | null;

  @Field(() => ID, { nullable: true })
  orderId?: string | null;
}

@InputType()
class ReceiveStockInput {
  @Field()
  sku!: string;

  @Field(() => ID)
  locationId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => String, { nullable: true, description: 'A note, e.g. the delivery reference.' })
  note?: string | null;

  @Field(() => String, { nullable: true, description: 'Retrying with the same id does nothing.' })
  requestId?: string | null;
}

@InputType()
class AdjustStockInput {
  @Field()
  sku!: string;

  @Field(() => ID)
  locationId!: string;

  @Field(() => Int, { description: 'Positive adds stock, negative removes it.' })
  quantityChange!: number;

  @Field(() => AdjustmentReasonCode)
  reason!: AdjustmentReasonCode;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  requestId?: string | null;
}

@InputType()
class TransferStockInput {
  @Field()
  sku!: string;

  @Field(() => ID)
  fromLocationId!: string;

  @Field(() => ID)
  toLocationId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  requestId?: string | null;
}

@InputType()
class RecordCountInput {
  @Field()
  sku!: string;

  @Field(() => ID)
  locationId!: string;

  @Field(() => Int, { description: 'Units found on hand.' })
  countedQuantity!: number;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  requestId?: string | null;
}

@Resolver()
export class StockResolver {
  @Query(() => [StockLevel], { description: 'Stock per SKU and location, optionally narrowed.' })
  async stockLevels(
    @Ctx() { em }: RequestContext,
    @Arg('sku', () => String, { nullable: true }) sku: string | null | undefined,
    @Arg('locationId', () => ID, { nullable: true }) locationId: string | null | undefined,
  ): Promise<StockLevel[]> {
    const where: FilterQuery<StockLevel> = {};
    if (sku != null) {
      where.skuRef = { code: canonicalSkuCode(sku) };
    }
    if (locationId != null) {
      where.location = rowId(locationId, 'locationId');
    }
    return em.find(StockLevel, where, {
      populate: ['skuRef', 'location'],
      orderBy: { skuRef: { code: 'asc' }, location: { id: 'asc' } },
    });
  }

  @Query(() => MovementConnection, { description: 'Movements, newest first.' })
  async movements(
    @Ctx() { em }: RequestContext,
    @Arg('filter', () => MovementFilter, { nullable: true }) filter: MovementFilter | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
  ): Promise<MovementConnection> {
    const limit = pageSize(first);
    const where: FilterQuery<StockMovement> = {};
    if (filter?.sku) {
      where.skuRef = { code: canonicalSkuCode(filter.sku) };
    }
    if (filter?.skuId) {
      where.skuRef = rowId(filter.skuId, 'filter.skuId');
    }
    if (filter?.locationId) {
      where.location = rowId(filter.locationId, 'filter.locationId');
    }
    if (filter?.kinds && filter.kinds.length > 0) {
      where.kind = { $in: filter.kinds };
    }
    if (filter?.orderId) {
      where.orderId = rowId(filter.orderId, 'filter.orderId');
    }
    if (filter?.recordedFrom || filter?.recordedBefore) {
      where.recordedAt = {
        ...(filter.recordedFrom ? { $gte: filter.recordedFrom } : {}),
        ...(filter.recordedBefore ? { $lt: filter.recordedBefore } : {}),
      };
    }
    if (after != null) {
      where.id = { $lt: decodeCursor(after) };
    }

    const found = await em.find(StockMovement, where, {
      populate: ['skuRef', 'location'],
      orderBy: { id: 'desc' },
      limit: limit + 1,
    });
    const nodes = found.slice(0, limit);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      nodes,
      pageInfo: { hasNextPage: found.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => [Sku], { description: 'SKUs, optionally those whose code or title contains text.' })
  async skus(
    @Ctx() { em }: RequestContext,
    @Arg('search', () => String, { nullable: true }) search: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
  ): Promise<Sku[]> {
    const text = search?.trim();
    const where: FilterQuery<Sku> = text
      ? {
          $or: [
            { code: { $ilike: `%${escapeLike(text)}%` } },
            { title: { $ilike: `%${escapeLike(text)}%` } },
          ],
        }
      : {};
    return em.find(Sku, where, {
      orderBy: { code: 'asc' },
      limit: pageSize(first),
    });
  }

  @Query(() => [StockException], {
    description:
      'Open exceptions of the areas the caller may read, newest first; pass the last id seen ' +
      'as `before` for more.',
  })
  async openExceptions(
    @Ctx() { em, caller }: RequestContext,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('before', () => ID, { nullable: true }) before: string | null | undefined,
    @Arg('kind', () => String, { nullable: true }) kind: string | null | undefined,
    @Arg('area', () => ExceptionAreaValue, { nullable: true })
    area: ExceptionAreaValue | null | undefined,
  ): Promise<StockException[]> {
    const kinds = kindsToShow(caller, 'Query.openExceptions', kind ?? null, area ?? null);
    return em.find(
      StockException,
      {
        status: 'open',
        kind: { $in: kinds },
        ...(before == null ? {} : { id: { $lt: rowId(before, 'before') } }),
      },
      {
        populate: ['skuRef', 'location'],
        orderBy: { id: 'desc' },
        limit: pageSize(first),
      },
    );
  }

  @Query(() => Int, { description: 'How many exceptions are open, of the areas the caller reads.' })
  async openExceptionCount(
    @Ctx() { em, caller }: RequestContext,
    @Arg('area', () => ExceptionAreaValue, { nullable: true })
    area: ExceptionAreaValue | null | undefined,
  ): Promise<number> {
    const kinds = kindsToShow(caller, 'Query.openExceptionCount', null, area ?? null);
    return em.count(StockException, { status: 'open', kind: { $in: kinds } });
  }

  @Mutation(() => StockOperationPayload, { description: 'Goods arrived at a location.' })
  async receiveStock(
    @Ctx() context: RequestContext,
    @Arg('input', () => ReceiveStockInput) input: ReceiveStockInput,
  ): Promise<StockOperationPayload> {
    const result = await receiveStock(context.pool, input, requestOf(context, input));
    return payloadOf(context, result);
  }

  @Mutation(() => StockOperationPayload, { description: 'Stock changed for a stated reason.' })
  async adjustStock(
    @Ctx() context: RequestContext,
    @Arg('input', () => AdjustStockInput) input: AdjustStockInput,
  ): Promise<StockOperationPayload> {
    const result = await adjustStock(context.pool, input, requestOf(context, input));
    return payloadOf(context, result);
  }

  @Mutation(() => StockOperationPayload, { description: 'Stock moved between two locations.' })
  async transferStock(
    @Ctx() context: RequestContext,
    @Arg('input', () => TransferStockInput) input: TransferStockInput,
  ): Promise<StockOperationPayload> {
    const result = await transferStock(context.pool, input, requestOf(context, input));
    return payloadOf(context, result);
  }

  @Mutation(() => StockOperationPayload, { description: 'A physical count: sets on hand.' })
  async recordCount(
    @Ctx() context: RequestContext,
    @Arg('input', () => RecordCountInput) input: RecordCountInput,
  ): Promise<StockOperationPayload> {
    const result = await recordCount(context.pool, input, requestOf(context, input));
    return payloadOf(context, result);
  }

  @Mutation(() => ResolveExceptionPayload)
  async resolveException(
    @Ctx() { pool, em, caller, auditEventId }: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note: string | null | undefined,
  ): Promise<ResolveExceptionPayload> {
    if ((note ?? '').length > 500) {
      return {
        exception: null,
        errors: [stockError('note', 'TOO_LONG', 'Note is longer than 500 characters')],
      };
    }
    const outcome = await resolveException(pool, {
      exceptionId: id,
      actor: caller.actor,
      note: note == null ? null : storableText(note),
      resolvableKinds: kindsFor(caller, 'resolve'),
      auditEventId: auditEventId ?? null,
    });
    if (outcome === 'forbidden') {
      return {
        exception: null,
        errors: [stockError('id', 'FORBIDDEN', resolveRefusalMessage(caller))],
      };
    }
    const exception = /^\d+$/.test(id)
      ? await em.findOne(StockException, id, { populate: ['skuRef', 'location'] })
      : null;
    if (outcome === 'not_found') {
      return {
        exception: null,
        errors: [stockError('id', 'EXCEPTION_NOT_FOUND', `No exception ${id}`)],
      };
    }
    if (outcome === 'already_resolved') {
      const message = 'This exception was already resolved';
      return { exception, errors: [stockError('id', 'ALREADY_RESOLVED', message)] };
    }
    return { exception, errors: [] };
  }

  @Subscription(() => StockLevel, {
    topics: 'STOCK_LEVEL_CHANGED',
    description: 'A level changed; optionally only for one SKU or location.',
    filter: ({ payload, args }: { payload: LevelEvent; args: LevelFilterArgs }) =>
      (args.locationId == null || args.locationId === payload.locationId) &&
      (args.skuId == null || args.skuId === payload.skuId),
  })
  async stockLevelChanged(
    @Root() event: LevelEvent,
    @Ctx() { em }: RequestContext,
    @Arg('skuId', () => ID, { nullable: true }) _skuId: string | null | undefined,
    @Arg('locationId', () => ID, { nullable: true }) _locationId: string | null | undefined,
  ): Promise<StockLevel> {
    return em
      .fork()
      .findOneOrFail(
        StockLevel,
        { skuRef: event.skuId, location: event.locationId },
        { populate: ['skuRef', 'location'] },
      );
  }

  @Subscription(() => StockException, {
    topics: 'EXCEPTION_RAISED',
    description: 'An exception was raised, of an area the caller may read.',
    filter: ({
      payload,
      context,
    }: SubscriptionHandlerData<ExceptionEvent, Record<string, never>, RequestContext>) =>
      areasFor(context.caller, 'read').includes(areaOfKind(payload.kind)),
  })
  async exceptionRaised(
    @Root() event: ExceptionEvent,
    @Ctx() { em }: RequestContext,
  ): Promise<StockException> {
    return em.fork().findOneOrFail(StockException, event.exceptionId, {
      populate: ['skuRef', 'location'],
    });
  }
}

type LevelEvent = EventPayloads['STOCK_LEVEL_CHANGED'];
type ExceptionEvent = EventPayloads['EXCEPTION_RAISED'];

/**
 * The kinds a list of exceptions holds: those of the areas the caller may read, narrowed to
 * the area or kind asked for. Asking for an area the caller may not read is refused outright,
 * so that an empty answer always means there is nothing open.
 */
function kindsToShow(
  caller: RequestContext['caller'],
  at: string,
  kind: string | null,
  area: ExceptionAreaValue | null,
): string[] {
  if (kind !== null && !(exceptionKinds as readonly string[]).includes(kind)) {
    throw new BadArgumentError(
      'kind',
      `"${kind.slice(0, 40)}" is not a kind of exception; the kinds are ` +
        exceptionKinds.join(', '),
    );
  }

  const readable = areasFor(caller, 'read');
  const asked: ExceptionArea[] = [
    ...(area === null ? [] : [area]),
    ...(kind === null ? [] : [areaOfKind(kind)]),
  ];
  const refused = asked.find((each) => !readable.includes(each));
  if (refused !== undefined) {
    throw areaRefusal(caller, refused, 'read', `${at}(${refused} exceptions)`);
  }

  const areas = readable.filter((each) => asked.every((wanted) => wanted === each));
  const kinds: string[] = kindsOfAreas(areas);
  return kind === null ? kinds : kinds.filter((each) => each === kind);
}
interface LevelFilterArgs {
  skuId?: string | null;
  locationId?: string | null;
}

function requestOf(
  context: RequestContext,
  input: { note?: string | null; requestId?: string | null },
) {
  return {
    actor: context.caller.actor,
    auditEventId: context.auditEventId ?? null,
    note: input.note == null ? null : storableText(input.note),
    requestId: input.requestId == null ? null : storableText(input.requestId),
  };
}

async function payloadOf(
  { em }: RequestContext,
  result: StockOperationResult,
): Promise<StockOperationPayload> {
  const movements =
    result.movementIds.length === 0
      ? []
      : await em.find(
          StockMovement,
          { id: { $in: result.movementIds } },
          {
            populate: ['skuRef', 'location'],
            orderBy: { id: 'asc' },
          },
        );
  const levels =
    movements.length === 0
      ? []
      : await em.find(
          StockLevel,
          { $or: movements.map((m) => ({ skuRef: m.skuRef.id, location: m.location.id })) },
          { populate: ['skuRef', 'location'] },
        );
  return {
    movements,
    levels,
    errors: result.errors.map((error) => ({ ...error, code: StockErrorCode[error.code] })),
  };
}

function stockError(field: string, code: keyof typeof StockErrorCode, message: string): StockError {
  return { field, code: StockErrorCode[code], message };
}

function encodeCursor(id: string): string {
  return Buffer.from(`movement:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^movement:(\d{1,18})$/.exec(decoded);
  if (match?.[1] === undefined) {
    throw new BadArgumentError(
      'after',
      `"${cursor.slice(0, 40)}" is not a cursor this API gave out`,
    );
  }
  return match[1];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (match) => `\\${match}`);
}
