/** Every MikroORM entity, from every module, for the one ORM instance. */
import { Location, Shop, Sku } from '../catalogue/entities.ts';
import { StockException, StockLevel, StockMovement } from '../ledger/entities.ts';
import { Order, OrderLine } from '../orders/entities.ts';

export const entities = [
  Location,
  Shop,
  Sku,
  StockLevel,
  StockMovement,
  StockException,
  Order,
  OrderLine,
];
