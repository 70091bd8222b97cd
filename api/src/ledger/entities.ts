/**
 * Ledger rows as the API reads them. Nothing writes through these entities: movements and
 * balances are only ever written by the ledger's database functions.
 */
import {
  BigIntType,
  Entity,
  Enum,
  Formula,
  ManyToOne,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

import { Location, Sku } from '../catalogue/entities.ts';

export enum MovementKind {
  OPENING_BALANCE = 'opening_balance',
  RECEIPT = 'receipt',
  RESERVATION = 'reservation',
  RELEASE = 'release',
  SHIPMENT = 'shipment',
  RETURN = 'return',
  ADJUSTMENT = 'adjustment',
  COUNT = 'count',
  TRANSFER_OUT = 'transfer_out',
  TRANSFER_IN = 'transfer_in',
}
registerEnumType(MovementKind, { name: 'MovementKind' });

@ObjectType({ description: 'Stock of one SKU at one location.' })
@Entity({ tableName: 'stock_balances' })
export class StockLevel {
  @ManyToOne(() => Sku, { primary: true, fieldName: 'sku_id' })
  skuRef!: Sku;

  @Field(() => Location)
  @ManyToOne(() => Location, { primary: true, fieldName: 'location_id' })
  location!: Location;

  @Field(() => Int, { description: 'Units physically at the location.' })
  @Property()
  onHand!: number;

  @Field(() => Int, { description: 'Units promised to open orders.' })
  @Property()
  reserved!: number;

  @Field(() => Int, { description: 'On hand less reserved: what can still be sold.' })
  get available(): number {
    return this.onHand - this.reserved;
  }

  @Field(() => String, { nullable: true, description: "The SKU's code; null while unnamed." })
  get sku(): string | null {
    return this.skuRef.code;
  }

  @Field(() => ID)
  get skuId(): string {
    return this.skuRef.id;
  }

  @Field()
  @Property()
  updatedAt!: Date;
}

@ObjectType({ description: 'One change to stock. Movements are never changed or removed.' })
@Entity({ tableName: 'stock_movements' })
export class StockMovement {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field(() => MovementKind)
  @Enum({ items: () => MovementKind, nativeEnumName: 'movement_kind' })
  kind!: MovementKind;

  @ManyToOne(() => Sku, { fieldName: 'sku_id' })
  skuRef!: Sku;

  @Field(() => String, { nullable: true, description: "The SKU's code; null while unnamed." })
  get sku(): string | null {
    return this.skuRef.code;
  }

  @Field(() => ID)
  get skuId(): string {
    return this.skuRef.id;
  }

  @Field(() => Location)
  @ManyToOne(() => Location, { fieldName: 'location_id' })
  location!: Location;

  @Field(() => Int)
  @Property()
  onHandDelta!: number;

  @Field(() => Int)
  @Property()
  reservedDelta!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  reason!: string | null;

  @Field({ description: 'What caused it: shopify_order_line, user_request and so on.' })
  @Property()
  sourceType!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  sourceId!: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  sourceLineId!: string | null;

  @Field({ description: 'Unique per source event: the same event never applies twice.' })
  @Property()
  sourceKey!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: new BigIntType('string'), nullable: true })
  orderId!: string | null;

  @Field({ description: 'Who made it: user:…, token:…, shopify, system.' })
  @Property()
  actor!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The audit record of the request that made it; null for webhooks and jobs.',
  })
  @Property({ type: new BigIntType('string'), nullable: true })
  auditEventId!: string | null;

  /**
   * Read with the movement in the same query (a subquery on the audit record's primary key),
   * so a page of movements costs no query per row.
   */
  @Field({
    description:
      "Who made it, as a person reads it: the user's email or the token's name from its audit " +
      'record; the actor for a movement without one (shopify, system).',
  })
  @Formula(
    (table) =>
      `coalesce((SELECT a.actor_label FROM audit_events a WHERE a.id = ${table.alias}` +
      `.audit_event_id), ${table.alias}.actor)`,
  )
  madeBy!: string;

  @Field({ description: 'When it happened at its source.' })
  @Property()
  occurredAt!: Date;

  @Field({ description: 'When the ledger recorded it.' })
  @Property()
  recordedAt!: Date;
}

@ObjectType({ description: 'Something refused or undecided, open until a person resolves it.' })
@Entity({ tableName: 'stock_exceptions' })
export class StockException {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field()
  @Property()
  kind!: string;

  @Field()
  @Property()
  status!: string;

  @Field()
  @Property()
  message!: string;

  @ManyToOne(() => Sku, { fieldName: 'sku_id', nullable: true })
  skuRef!: Sku | null;

  @Field(() => String, { nullable: true })
  get sku(): string | null {
    return this.skuRef?.code ?? null;
  }

  @Field(() => Location, { nullable: true })
  @ManyToOne(() => Location, { fieldName: 'location_id', nullable: true })
  location!: Location | null;

  @Field(() => ID, { nullable: true })
  @Property({ type: new BigIntType('string'), nullable: true })
  orderId!: string | null;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'json' })
  details!: Record<string, unknown>;

  @Field()
  @Property()
  raisedAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  resolvedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  resolvedBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The audit record of the resolving request.' })
  @Property({ type: new BigIntType('string'), nullable: true })
  resolvedAuditEventId!: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  resolutionNote!: string | null;
}
