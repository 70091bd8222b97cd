/**
 * The catalogue in the GraphQL API: locations, and each SKU's stock levels.
 */
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';

import { rowId } from '../app/arguments.ts';
import type { RequestContext } from '../app/context.ts';
import { StockLevel } from '../ledger/entities.ts';
import { Location, Shop, Sku } from './entities.ts';

@Resolver(() => Sku)
export class CatalogueResolver {
  @Query(() => [Location])
  async locations(@Ctx() { em }: RequestContext): Promise<Location[]> {
    return em.find(Location, {}, { orderBy: { id: 'asc' } });
  }

  @Query(() => Shop, { description: "The shop's currency, time zone and fulfilling location." })
  async shop(@Ctx() { em }: RequestContext): Promise<Shop> {
    return em.findOneOrFail(Shop, 1, { populate: ['fulfillingLocation'] });
  }

  @Query(() => Sku, { nullable: true })
  async sku(@Ctx() { em }: RequestContext, @Arg('id', () => ID) id: string): Promise<Sku | null> {
    return em.findOne(Sku, rowId(id, 'id'));
  }

  @FieldResolver(() => [StockLevel], { description: 'Stock of this SKU at each location.' })
  async levels(@Root() sku: Sku, @Ctx() { em }: RequestContext): Promise<StockLevel[]> {
    return em.find(
      StockLevel,
      { skuRef: sku.id },
      { populate: ['skuRef', 'location'], orderBy: { location: { id: 'asc' } } },
    );
  }
}
