/**
 * Orders in the GraphQL API: recent orders with their lines and allocation, one order, and a
 * subscription that fires whenever an order's allocation changes.
 */
import type { FilterQuery } from '@mikro-orm/core';
import { Arg, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';

import { BadArgumentError, pageSize, rowId } from '../app/arguments.ts';
import type { RequestContext } from '../app/context.ts';
import type { EventPayloads } from '../platform/events.ts';
import { Order } from './entities.ts';

const linePopulate = ['lines', 'lines.skuRef', 'lines.location'] as const;

@Resolver()
export class OrderResolver {
  @Query(() => [Order], { description: 'Orders, most recently changed first.' })
  async orders(
    @Ctx() { em }: RequestContext,
    @Arg('allocationState', () => String, { nullable: true })
    allocationState: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
  ): Promise<Order[]> {
    const where: FilterQuery<Order> = allocationState == null ? {} : { allocationState };
    return em.find(Order, where, {
      populate: linePopulate,
      orderBy: { updatedAt: 'desc', id: 'desc' },
      limit: pageSize(first),
    });
  }

  @Query(() => Order, { nullable: true })
  async order(
    @Ctx() { em }: RequestContext,
    @Arg('id', () => ID, { nullable: true }) id: string | null | undefined,
    @Arg('shopifyId', () => String, { nullable: true }) shopifyId: string | null | undefined,
  ): Promise<Order | null> {
    if (id != null) {
      return em.findOne(Order, rowId(id, 'id'), { populate: linePopulate });
    }
    if (shopifyId != null) {
      return em.findOne(
        Order,
        { shopifyId: rowId(shopifyId, 'shopifyId') },
        { populate: linePopulate },
      );
    }
    throw new BadArgumentError('id', 'give the order id or its shopifyId');
  }

  @Subscription(() => Order, { topics: 'ORDER_CHANGED' })
  async orderChanged(
    @Root() event: EventPayloads['ORDER_CHANGED'],
    @Ctx() { em }: RequestContext,
  ): Promise<Order> {
    return em.fork().findOneOrFail(Order, event.orderId, { populate: linePopulate });
  }
}
