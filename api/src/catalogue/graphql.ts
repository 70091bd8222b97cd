/**
 * The catalogue in the GraphQL API: locations, and each SKU's stock levels.
 */
import { Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';

import type { RequestContext } from '../app/context.ts';
import { StockLevel } from '../ledger/entities.ts';
import { Location, Sku } from './entities.ts';

@Resolver(() => Sku)
export class CatalogueResolver {
  @Authorized('stock:read')
  @Query(() => [Location])
  async locations(@Ctx() { em }: RequestContext): Promise<Location[]> {
    return em.find(Location, {}, { orderBy: { id: 'asc' } });
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
