/**
 * Catalogue rows as the API reads them: MikroORM entities that are also GraphQL object types.
 * Writes go through catalogue.ts, not through these.
 */
import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

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
}
