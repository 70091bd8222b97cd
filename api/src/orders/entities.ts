/**
 * Orders and lines as the API reads them. Writes go through orders.ts.
 */
import {
  BigIntType,
  Collection,
  Entity,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';

import { Location, Sku } from '../catalogue/entities.ts';
import { Money, moneyOf } from '../finance/money.ts';

@ObjectType({ description: 'An order from a sales channel and where its stock stands.' })
@Entity({ tableName: 'orders' })
export class Order {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @Field()
  @Property()
  channel!: string;

  @Field(() => String, { nullable: true })
  @Property({ fieldName: 'shopify_order_id', type: new BigIntType('string'), nullable: true })
  shopifyId!: string | null;

  @Field(() => String, { nullable: true, description: 'As the shop shows it, e.g. #1041.' })
  @Property({ type: 'text', nullable: true })
  name!: string | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  orderNumber!: number | null;

  @Field(() => String, { nullable: true, description: 'The currency the customer paid in.' })
  @Property({ type: 'text', nullable: true })
  currency!: string | null;

  /** In the currency the customer paid in (`currency`), not the shop's. */
  @Property({ type: new BigIntType('number'), nullable: true })
  totalPriceMinor!: number | null;

  @Field(() => Money, {
    nullable: true,
    description:
      'What the customer was charged, in the currency they paid in (an order is invoiced in ' +
      'it); null until the order itself has arrived.',
  })
  get total(): Money | null {
    return moneyOf(this.totalPriceMinor, this.currency);
  }

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  financialStatus!: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  placedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  cancelledAt!: Date | null;

  @Field({
    description:
      'pending, reserved, short, partially_shipped, shipped or cancelled, from its lines.',
  })
  @Property()
  allocationState!: string;

  @Field({ description: 'False while only later events (a fulfilment) have arrived.' })
  @Property()
  hasDetails!: boolean;

  @Field()
  @Property()
  updatedAt!: Date;

  @Field(() => [OrderLine])
  @OneToMany(() => OrderLine, (line) => line.order, { orderBy: { id: 'asc' } })
  lines = new Collection<OrderLine>(this);
}

@ObjectType({ description: 'A line of an order with what has been reserved, shipped and so on.' })
@Entity({ tableName: 'order_lines' })
export class OrderLine {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint' })
  id!: string;

  @ManyToOne(() => Order, { fieldName: 'order_id' })
  order!: Order;

  @Field(() => String, { nullable: true })
  @Property({ fieldName: 'shopify_line_item_id', type: new BigIntType('string'), nullable: true })
  shopifyId!: string | null;

  @ManyToOne(() => Sku, { fieldName: 'sku_id', nullable: true })
  skuRef!: Sku | null;

  @Field(() => String, { nullable: true, description: "The SKU's code in the catalogue." })
  get sku(): string | null {
    return this.skuRef?.code ?? null;
  }

  @Field()
  @Property()
  title!: string;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  quantity!: number | null;

  /** In the order's currency, the one the customer paid in. */
  @Property({ type: new BigIntType('number'), nullable: true })
  unitPriceMinor!: number | null;

  @Field(() => Money, {
    nullable: true,
    description: "Price of one unit before discounts, in the order's currency.",
  })
  get unitPrice(): Money | null {
    return moneyOf(this.unitPriceMinor, this.order.currency);
  }

  @Field({ description: 'False for lines that move no stock (gift wrap, untracked items).' })
  @Property()
  requiresStock!: boolean;

  @Field(() => Location, { nullable: true })
  @ManyToOne(() => Location, { fieldName: 'location_id', nullable: true })
  location!: Location | null;

  @Field(() => Int)
  @Property()
  reservedQuantity!: number;

  @Field(() => Int)
  @Property()
  shortQuantity!: number;

  @Field(() => Int)
  @Property()
  shippedQuantity!: number;

  @Field(() => Int)
  @Property()
  cancelledQuantity!: number;

  @Field(() => Int)
  @Property()
  returnedQuantity!: number;

  @Field()
  @Property()
  allocationState!: string;
}
