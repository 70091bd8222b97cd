/**
 * Catalogue rows as the API reads them: MikroORM entities that are also GraphQL object types.
 * Writes go through catalogue.ts, not through these.
 */
import { BigIntType, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

import { Money, moneyOf } from '../finance/money.ts';

@ObjectType({ description: 'A place that holds stock: a warehouse, a shop floor.' })
@Entity({ tableName: 'locations' })
export class Location {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field()
  @Property()
  name!: string;

  @Field(() => String, { nullable: true, description: "The shop's own id for the location." })
  @Property({ fieldName: 'shopify_location_id', type: new BigIntType('string'), nullable: true })
  shopifyId!: string | null;

  @Field()
  @Property()
  isActive!: boolean;

  @Field()
  @Property()
  fulfillsOnlineOrders!: boolean;
}

@ObjectType({ description: 'One physical item, the key of the stock ledger.' })
@Entity({ tableName: 'skus' })
export class Sku {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Canonical code (trimmed, NFC, upper case); null until a person names it.',
  })
  @Property({ type: 'text', nullable: true })
  code!: string | null;

  @Field({ description: 'The code as the shop first spelled it.' })
  @Property()
  rawCode!: string;

  @Field()
  @Property()
  title!: string;

  @Field({ description: 'True when the variant had no SKU and a person must name it.' })
  @Property()
  needsName!: boolean;

  @Field()
  @Property()
  allowsBackorder!: boolean;

  @Property({ type: new BigIntType('number'), nullable: true })
  unitCostMinor!: number | null;

  @Property({ type: 'text', nullable: true })
  unitCostCurrency!: string | null;

  @Field(() => Money, {
    nullable: true,
    description: 'What one unit costs to buy; null until finance sets it.',
  })
  get unitCost(): Money | null {
    return moneyOf(this.unitCostMinor, this.unitCostCurrency);
  }
}

@ObjectType({ description: "The shop's settings, as imported from it." })
@Entity({ tableName: 'shop_settings' })
export class Shop {
  @PrimaryKey({ type: 'smallint' })
  id!: number;

  @Field(() => String, { nullable: true, description: 'The shop domain, e.g. x.myshopify.com.' })
  @Property({ fieldName: 'shop_domain', type: 'text', nullable: true })
  domain!: string | null;

  @Field(() => String, { nullable: true, description: "ISO 4217 code of the shop's currency." })
  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone; reporting periods and dates are in it.',
  })
  @Property({ type: 'text', nullable: true })
  timeZone!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether prices include tax.' })
  @Property({ type: 'boolean', nullable: true })
  taxesIncluded!: boolean | null;

  @Field(() => Location, { nullable: true, description: 'Where online orders are reserved.' })
  @ManyToOne(() => Location, { fieldName: 'fulfilling_location_id', nullable: true })
  fulfillingLocation!: Location | null;
}
