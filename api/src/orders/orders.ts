/**
 * Orders and their allocation: reserving stock when an order is placed, releasing it when the
 * order or a line is cancelled, turning it into a shipment when goods leave, and taking
 * returns back into stock.
 *
 * Events about one order may arrive in any order and more than once. Each line keeps counters
 * of what was ordered, cancelled, shipped and returned; every handler records its source key
 * (in order_events, and on each movement), and the reservation an order makes is always what
 * the counters say is still to ship. So a fulfilment before its order, a cancel before its
 * create, or a re-sent refund all end in the same state.
 */
import { raiseException, raiseExceptions, type RaiseException } from '../ledger/exceptions.ts';
import { postMovements, type Posting } from '../ledger/ledger.ts';
import { publishMany } from '../platform/events.ts';
import type { Tx } from '../platform/transaction.ts';

export interface OrderLineInput {
  shopifyLineItemId: string;
  shopifyVariantId: string | null;
  /** Null when the line has no product (gift wrap) or its variant is not in the catalogue. */
  skuId: string | null;
  /** False for lines that move no stock: no product, or an untracked inventory item. */
  requiresStock: boolean;
  title: string;
  skuText: string | null;
  quantity: number;
  unitPriceMinor: number | null;
}

export interface OrderInput {
  shopifyOrderId: string;
  name: string;
  orderNumber: number | null;
  /** The currency the customer paid in. */
  currency: string;
  shopCurrency: string;
  totalPriceMinor: number | null;
  financialStatus: string | null;
  placedAt: Date;
  cancelledAt: Date | null;
  /**
   * When the shop last changed the order, as this body says; null when it does not say. The
   * order's own fields are taken from a body only when it is newer than the one last applied.
   */
  shopUpdatedAt: Date | null;
  lines: OrderLineInput[];
}

export interface AllocationContext {
  /** Where orders are reserved: the shop's fulfilling location. */
  fulfillingLocationId: string;
  actor: string;
}

interface LineRow {
  id: string;
  order_id: string;
  shopify_line_item_id: string;
  sku_id: string | null;
  requires_stock: boolean;
  quantity: number | null;
  reserved_quantity: number;
  short_quantity: number;
  shipped_quantity: number;
  cancelled_quantity: number;
  returned_quantity: number;
  location_id: string | null;
}

const lineColumns = `id::text, order_id::text, shopify_line_item_id::text, sku_id::text,
  requires_stock, quantity, reserved_quantity, short_quantity, shipped_quantity,
  cancelled_quantity, returned_quantity, location_id::text`;

/**
 * Records orders and reserves their stock lines, many orders in one transaction: the orders
 * and lines are written first, then every reservation is posted in one ledger call, so the
 * balance rows stay locked only for the end of the transaction.
 */
export async function placeOrders(
  tx: Tx,
  orders: OrderInput[],
  context: AllocationContext,
): Promise<void> {
  if (orders.length === 0) {
    return;
  }

  const sorted = newestPerOrder(orders).sort((a, b) =>
    compareIds(a.shopifyOrderId, b.shopifyOrderId),
  );
  const orderRows = await upsertOrders(tx, sorted);
  const lines = await upsertLines(tx, sorted, orderRows);

  const postings: Posting[] = [];
  for (const line of lines) {
    const order = orderRows.get(line.order_id);
    const toReserve = quantityToReserve(line, order?.cancelled);
    if (toReserve > 0 && line.sku_id !== null) {
      postings.push({
        kind: 'reservation',
        skuId: line.sku_id,
        locationId: context.fulfillingLocationId,
        onHandDelta: 0,
        reservedDelta: toReserve,
        sourceKey:
          `shopify:order:${order?.shopifyOrderId}` +
          `:line:${line.shopify_line_item_id}:reservation`,
        sourceType: 'shopify_order_line',
        sourceId: order?.shopifyOrderId ?? null,
        sourceLineId: line.shopify_line_item_id,
        orderId: line.order_id,
        actor: context.actor,
        occurredAt: order?.placedAt ?? new Date(),
      });
    }
  }

  const results = await postMovements(tx, postings);
  const lineIdByShopifyId = new Map(lines.map((line) => [line.shopify_line_item_id, line.id]));
  const updates: { id: string; reserved: number; short: number; location: string }[] = [];
  const shortages: RaiseException[] = [];
  for (const result of results) {
    const lineId = lineIdByShopifyId.get(result.posting.sourceLineId ?? '');
    const quantity = result.posting.reservedDelta;
    const location = context.fulfillingLocationId;
    if (lineId === undefined) {
      continue;
    }
    if (result.outcome === 'posted') {
      updates.push({ id: lineId, reserved: quantity, short: 0, location });
    } else if (result.outcome === 'insufficient_available') {
      updates.push({ id: lineId, reserved: 0, short: quantity, location });
      shortages.push(shortage(result.posting, result.onHand - result.reserved));
    }
  }

  await raiseExceptions(tx, shortages);
  await tx.query(
    `UPDATE order_lines l
     SET reserved_quantity = l.reserved_quantity + u.reserved, short_quantity = u.short,
         location_id = u.location
     FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, reserved int, short int, location bigint)
     WHERE l.id = u.id`,
    [JSON.stringify(updates)],
  );
  await refreshAllocation(tx, [...orderRows.keys()]);
}

/**
 * Financial statuses in the order an order's life passes through them. The shop's times are to
 * the second, so two bodies can bear the same time (orders/create pending, orders/paid paid);
 * of those, the one further along is the newer, whatever the order they arrive in. Voided ends
 * an order never paid, so it follows pending and authorized; an order that took money is
 * refunded rather than voided, so any status that took money follows it. A status not listed
 * (or none) comes before them all.
 */
const financialStatusesInOrder = [
  'pending',
  'authorized',
  'voided',
  'partially_paid',
  'paid',
  'partially_refunded',
  'refunded',
] as const;

function financialStatusRank(status: string | null): number {
  return (financialStatusesInOrder as readonly (string | null)[]).indexOf(status);
}

/**
 * One body per order (a batch can hold a re-sent body beside the first): the newest by the
 * shop's time, on a tie the one further along in the order's life, and then the later in the
 * list.
 */
function newestPerOrder(orders: OrderInput[]): OrderInput[] {
  const newest = new Map<string, OrderInput>();
  for (const order of orders) {
    const kept = newest.get(order.shopifyOrderId);
    const keptAt = kept?.shopUpdatedAt?.getTime() ?? -Infinity;
    const orderAt = order.shopUpdatedAt?.getTime() ?? -Infinity;
    const furtherAlong =
      orderAt === keptAt &&
      financialStatusRank(order.financialStatus) >=
        financialStatusRank(kept?.financialStatus ?? null);
    if (kept === undefined || orderAt > keptAt || furtherAlong) {
      newest.set(order.shopifyOrderId, order);
    }
  }
  return [...newest.values()];
}

function quantityToReserve(line: LineRow, orderCancelled: boolean | undefined): number {
  if (!line.requires_stock || line.sku_id === null || line.quantity === null || orderCancelled) {
    return 0;
  }
  if (line.reserved_quantity > 0 || line.short_quantity > 0) {
    return 0;
  }
  return Math.max(0, line.quantity - line.cancelled_quantity - line.shipped_quantity);
}

function shortage(posting: Posting, available: number): RaiseException {
  const quantity = posting.reservedDelta;
  return {
    kind: 'SHORT_RESERVATION',
    message: `Order line wants ${quantity} but only ${available} available: line is short`,
    skuId: posting.skuId,
    locationId: posting.locationId,
    orderId: posting.orderId ?? null,
    sourceKey: posting.sourceKey.replace(/:reservation$/, ':short'),
    details: { quantity, available, shopifyOrderId: posting.sourceId },
  };
}

interface OrderRow {
  shopifyOrderId: string;
  cancelled: boolean;
  placedAt: Date;
}

/**
 * The order's own fields that a newer body replaces. A body is newer when the stored row has
 * no body yet (a placeholder made by an event that came first) or no shop time, when its shop
 * time is later, or when its shop time is the same and its financial status further along
 * (financialStatusesInOrder, passed as $2); an older body, or an equally old one no further
 * along, changes none of them. Cancellation is not among them: once the shop has cancelled an
 * order, it stays cancelled.
 */
const replacedByNewerBody = [
  'name',
  'order_number',
  'currency',
  'shop_currency',
  'total_price_minor',
  'financial_status',
  'placed_at',
  'shop_updated_at',
]
  .map(
    (column) =>
      `${column} = CASE WHEN NOT orders.has_details OR orders.shop_updated_at IS NULL
         OR excluded.shop_updated_at > orders.shop_updated_at
         OR (excluded.shop_updated_at = orders.shop_updated_at
           AND coalesce(array_position($2::text[], excluded.financial_status), 0)
             > coalesce(array_position($2::text[], orders.financial_status), 0))
       THEN excluded.${column} ELSE orders.${column} END`,
  )
  .join(',\n');

async function upsertOrders(tx: Tx, orders: OrderInput[]): Promise<Map<string, OrderRow>> {
  const saved = await tx.query<{
    id: string;
    shopify_order_id: string;
    cancelled: boolean;
    placed_at: Date;
  }>(
    `INSERT INTO orders (shopify_order_id, name, order_number, currency, shop_currency,
       total_price_minor, financial_status, placed_at, cancelled_at, shop_updated_at,
       has_details)
     SELECT o.shopify_order_id, o.name, o.order_number, o.currency, o.shop_currency,
       o.total_price_minor, o.financial_status, o.placed_at, o.cancelled_at,
       o.shop_updated_at, true
     FROM jsonb_to_recordset($1::jsonb) AS o(shopify_order_id bigint, name text,
       order_number int, currency text, shop_currency text, total_price_minor bigint,
       financial_status text, placed_at timestamptz, cancelled_at timestamptz,
       shop_updated_at timestamptz)
     ON CONFLICT (shopify_order_id) DO UPDATE
     SET ${replacedByNewerBody},
         cancelled_at = coalesce(orders.cancelled_at, excluded.cancelled_at),
         has_details = true, updated_at = now()
     RETURNING id::text, shopify_order_id::text, cancelled_at IS NOT NULL AS cancelled, placed_at`,
    [
      JSON.stringify(
        orders.map((order) => ({
          shopify_order_id: order.shopifyOrderId,
          name: order.name,
          order_number: order.orderNumber,
          currency: order.currency,
          shop_currency: order.shopCurrency,
          total_price_minor: order.totalPriceMinor,
          financial_status: order.financialStatus,
          placed_at: order.placedAt.toISOString(),
          cancelled_at: order.cancelledAt?.toISOString() ?? null,
          shop_updated_at: order.shopUpdatedAt?.toISOString() ?? null,
        })),
      ),
      financialStatusesInOrder,
    ],
  );
  return new Map(
    saved.rows.map((row) => [
      row.id,
      { shopifyOrderId: row.shopify_order_id, cancelled: row.cancelled, placedAt: row.placed_at },
    ]),
  );
}

async function upsertLines(
  tx: Tx,
  orders: OrderInput[],
  orderRows: Map<string, OrderRow>,
): Promise<LineRow[]> {
  const orderIdByShopifyId = new Map(
    [...orderRows.entries()].map(([id, row]) => [row.shopifyOrderId, id]),
  );
  const lines = orders.flatMap((order) =>
    order.lines.map((line) => ({
      order_id: orderIdByShopifyId.get(order.shopifyOrderId),
      shopify_line_item_id: line.shopifyLineItemId,
      shopify_variant_id: line.shopifyVariantId,
      sku_id: line.skuId,
      title: line.title,
      sku_text: line.skuText,
      quantity: line.quantity,
      unit_price_minor: line.unitPriceMinor,
      requires_stock: line.requiresStock,
    })),
  );
  lines.sort((a, b) => compareIds(a.shopify_line_item_id, b.shopify_line_item_id));

  const saved = await tx.query<LineRow>(
    `INSERT INTO order_lines (order_id, shopify_line_item_id, shopify_variant_id, sku_id, title,
       sku_text, quantity, unit_price_minor, requires_stock)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS l(order_id bigint,
       shopify_line_item_id bigint, shopify_variant_id bigint, sku_id bigint, title text,
       sku_text text, quantity int, unit_price_minor bigint, requires_stock boolean)
     ON CONFLICT (shopify_line_item_id) DO UPDATE
     SET shopify_variant_id = excluded.shopify_variant_id,
         sku_id = coalesce(order_lines.sku_id, excluded.sku_id), title = excluded.title,
         sku_text = excluded.sku_text, quantity = excluded.quantity,
         unit_price_minor = excluded.unit_price_minor, requires_stock = excluded.requires_stock
     RETURNING ${lineColumns}`,
    [JSON.stringify(lines)],
  );
  return saved.rows;
}

/** What an event says happened to one line; the source key makes it apply once. */
export interface LineEvent {
  kind: 'ship' | 'cancel' | 'return';
  sourceKey: string;
  sourceType: string;
  sourceId: string;
  sourceLineId: string;
  shopifyLineItemId: string;
  quantity: number;
  /** Where it happened (shipped from, returned to); defaults to the fulfilling location. */
  locationId: string | null;
  occurredAt: Date;
  /** Used when the line is not known yet (its order has not arrived). */
  fallback: { shopifyVariantId: string | null; skuId: string | null; title: string };
}

export interface OrderReference {
  shopifyOrderId: string;
}

/** Applies line events of one order (a fulfilment's lines, a refund's lines) in turn. */
export async function applyLineEvents(
  tx: Tx,
  order: OrderReference,
  events: LineEvent[],
  context: AllocationContext,
): Promise<void> {
  const orderId = await ensureOrder(tx, order.shopifyOrderId);
  for (const event of events) {
    const isNew = await recordOrderEvent(tx, orderId, event.kind, event.sourceKey);
    if (!isNew) {
      continue;
    }
    const line = await lockLine(tx, orderId, event);
    if (event.kind === 'ship') {
      await shipLine(tx, line, event, context);
    } else if (event.kind === 'cancel') {
      await cancelLine(tx, line, event, context);
    } else {
      await returnLine(tx, line, event, context);
    }
  }
  await refreshAllocation(tx, [orderId]);
}

/** Marks the order cancelled and releases whatever its lines still hold. */
export async function cancelOrder(
  tx: Tx,
  order: OrderReference & { cancelledAt: Date },
  context: AllocationContext,
): Promise<void> {
  const orderId = await ensureOrder(tx, order.shopifyOrderId);
  await tx.query('UPDATE orders SET cancelled_at = coalesce(cancelled_at, $2) WHERE id = $1', [
    orderId,
    order.cancelledAt,
  ]);

  const lines = await tx.query<LineRow>(
    `SELECT ${lineColumns} FROM order_lines WHERE order_id = $1 ORDER BY id FOR UPDATE`,
    [orderId],
  );
  const postings: Posting[] = [];
  for (const line of lines.rows) {
    if (line.reserved_quantity > 0 && line.sku_id !== null && line.location_id !== null) {
      postings.push({
        kind: 'release',
        skuId: line.sku_id,
        locationId: line.location_id,
        onHandDelta: 0,
        reservedDelta: -line.reserved_quantity,
        sourceKey: `shopify:order:${order.shopifyOrderId}:line:${line.shopify_line_item_id}:cancel`,
        sourceType: 'shopify_order_cancel',
        sourceId: order.shopifyOrderId,
        sourceLineId: line.shopify_line_item_id,
        orderId,
        reason: 'order cancelled',
        actor: context.actor,
        occurredAt: order.cancelledAt,
      });
    }
  }

  await postMovements(tx, postings);
  await tx.query(
    'UPDATE order_lines SET reserved_quantity = 0, short_quantity = 0 WHERE order_id = $1',
    [orderId],
  );
  // Its shortages no longer matter: nothing is owed to a cancelled order.
  await tx.query(
    `UPDATE stock_exceptions SET status = 'resolved', resolved_at = now(), resolved_by = 'system',
       resolution_note = 'order cancelled'
     WHERE order_id = $1 AND kind = 'SHORT_RESERVATION' AND status = 'open'`,
    [orderId],
  );
  await refreshAllocation(tx, [orderId]);
}

async function shipLine(tx: Tx, line: LineRow, event: LineEvent, context: AllocationContext) {
  const shipFrom = event.locationId ?? line.location_id ?? context.fulfillingLocationId;
  const fromReservation = Math.min(event.quantity, line.reserved_quantity);
  const postings: Posting[] = [];

  // Reserved at one location and shipped from another: the reservation is released where it
  // was held, and the goods leave from where they were.
  const reservedElsewhere = line.location_id !== null && line.location_id !== shipFrom;
  if (reservedElsewhere && fromReservation > 0 && line.location_id !== null) {
    postings.push(
      lineMovement(line, event, 'release', line.location_id, 0, -fromReservation, ':release'),
    );
  }
  const reservedHere = reservedElsewhere ? 0 : fromReservation;
  const shipment = lineMovement(
    line,
    event,
    'shipment',
    shipFrom,
    -event.quantity,
    -reservedHere,
    '',
  );
  postings.push(shipment);

  const results = await postMovements(tx, postings);
  const shipped = results.find((result) => result.posting.kind === 'shipment');
  if (shipped?.outcome === 'insufficient_available') {
    // More left than we thought was there. What was reserved still ships; the rest is raised
    // for a count rather than taking available below zero.
    const partial =
      reservedHere > 0
        ? [
            lineMovement(
              line,
              event,
              'shipment',
              shipFrom,
              -reservedHere,
              -reservedHere,
              ':reserved',
            ),
          ]
        : [];
    await postMovements(tx, partial);
    await raiseException(tx, {
      kind: 'SHIPMENT_EXCEEDS_STOCK',
      message:
        `Shipped ${event.quantity} but only ` +
        `${reservedHere + shipped.onHand - shipped.reserved} were in stock; count this SKU`,
      skuId: line.sku_id,
      locationId: shipFrom,
      orderId: line.order_id,
      sourceKey: `${event.sourceKey}:exceeds-stock`,
      details: { shipped: event.quantity, onHand: shipped.onHand, reserved: shipped.reserved },
    });
  }

  await tx.query(
    `UPDATE order_lines SET shipped_quantity = shipped_quantity + $2,
       reserved_quantity = reserved_quantity - $3 WHERE id = $1`,
    [line.id, event.quantity, line.sku_id === null ? 0 : fromReservation],
  );
}

/**
 * Cancels what the line can still cancel, never more: a refund that cancels more (a mistyped
 * quantity, units already shipped) cancels what the line allows and is raised for a person,
 * naming the refund, the line and the quantities.
 */
async function cancelLine(tx: Tx, line: LineRow, event: LineEvent, context: AllocationContext) {
  const cancellable = cancellableQuantity(line);
  const cancelled = cancellable === null ? event.quantity : Math.min(event.quantity, cancellable);
  const released = Math.min(cancelled, line.reserved_quantity);
  const location = line.location_id ?? context.fulfillingLocationId;
  if (released > 0) {
    await postMovements(tx, [lineMovement(line, event, 'release', location, 0, -released, '')]);
  }

  if (cancelled < event.quantity) {
    await raiseException(tx, {
      kind: 'CANCEL_EXCEEDS_LINE',
      message:
        `Refund ${event.sourceId} cancels ${event.quantity} of line ${event.shopifyLineItemId}, ` +
        `which can cancel only ${cancellable ?? 0} (ordered ${line.quantity ?? 0}, ` +
        `cancelled before ${line.cancelled_quantity}, shipped ${line.shipped_quantity}): ` +
        `${cancelled} cancelled`,
      skuId: line.sku_id,
      locationId: line.sku_id === null ? null : location,
      orderId: line.order_id,
      sourceKey: `${event.sourceKey}:exceeds-line`,
      details: {
        refundId: event.sourceId,
        refundLineId: event.sourceLineId,
        shopifyLineItemId: event.shopifyLineItemId,
        quantity: event.quantity,
        cancelled,
        ordered: line.quantity,
        cancelledBefore: line.cancelled_quantity,
        shipped: line.shipped_quantity,
      },
    });
  }

  await tx.query(
    `UPDATE order_lines SET cancelled_quantity = cancelled_quantity + $2,
       reserved_quantity = reserved_quantity - $3,
       short_quantity = greatest(0, short_quantity - ($2 - $3)) WHERE id = $1`,
    [line.id, cancelled, released],
  );
}

/**
 * What can still be cancelled on a line: what was ordered, less what was cancelled or shipped
 * already. Null while the line's order has not arrived: its quantity is not known yet, so such
 * a cancel is taken as stated, and the order arriving later reserves none of it.
 */
function cancellableQuantity(line: LineRow): number | null {
  if (line.quantity === null) {
    return null;
  }
  return Math.max(0, line.quantity - line.cancelled_quantity - line.shipped_quantity);
}

/**
 * Takes goods back into stock, never more than the line can return: a refund that says more
 * (a mistyped quantity, a refund on the wrong line) restocks what the line allows and is raised
 * for a person, naming the refund, the line and the quantities.
 */
async function returnLine(tx: Tx, line: LineRow, event: LineEvent, context: AllocationContext) {
  const location = event.locationId ?? context.fulfillingLocationId;
  const returnable = returnableQuantity(line);
  const restocked = returnable === null ? event.quantity : Math.min(event.quantity, returnable);
  if (restocked > 0 && line.sku_id !== null && line.requires_stock) {
    await postMovements(tx, [lineMovement(line, event, 'return', location, restocked, 0, '')]);
  }

  if (restocked < event.quantity) {
    await raiseException(tx, {
      kind: 'RETURN_EXCEEDS_LINE',
      message:
        `Refund ${event.sourceId} returns ${event.quantity} of line ${event.shopifyLineItemId}, ` +
        `which can take back only ${returnable ?? 0} (ordered ${line.quantity ?? 0}, ` +
        `cancelled ${line.cancelled_quantity}, shipped ${line.shipped_quantity}, ` +
        `returned before ${line.returned_quantity}): ${restocked} restocked`,
      skuId: line.sku_id,
      locationId: line.sku_id === null ? null : location,
      orderId: line.order_id,
      sourceKey: `${event.sourceKey}:exceeds-line`,
      details: {
        refundId: event.sourceId,
        refundLineId: event.sourceLineId,
        shopifyLineItemId: event.shopifyLineItemId,
        quantity: event.quantity,
        restocked,
        ordered: line.quantity,
        cancelled: line.cancelled_quantity,
        shipped: line.shipped_quantity,
        returnedBefore: line.returned_quantity,
      },
    });
  }

  await tx.query(
    'UPDATE order_lines SET returned_quantity = returned_quantity + $2 WHERE id = $1',
    [line.id, restocked],
  );
}

/**
 * What can still come back on a line: what was ordered and not cancelled (a return may arrive
 * before its fulfilment), or what shipped if more did, less what came back already. Null while
 * the line's order has not arrived: its quantity is not known yet, so such a return is taken as
 * stated, and a later order showing it was too much does not undo it.
 */
function returnableQuantity(line: LineRow): number | null {
  if (line.quantity === null) {
    return null;
  }
  const leftOrOwed = Math.max(line.quantity - line.cancelled_quantity, line.shipped_quantity);
  return Math.max(0, leftOrOwed - line.returned_quantity);
}

function lineMovement(
  line: LineRow,
  event: LineEvent,
  kind: Posting['kind'],
  locationId: string,
  onHandDelta: number,
  reservedDelta: number,
  keySuffix: string,
): Posting {
  return {
    kind,
    skuId: line.sku_id ?? '',
    locationId,
    onHandDelta: line.sku_id === null || !line.requires_stock ? 0 : onHandDelta,
    reservedDelta: line.sku_id === null || !line.requires_stock ? 0 : reservedDelta,
    sourceKey: `${event.sourceKey}${keySuffix}`,
    sourceType: event.sourceType,
    sourceId: event.sourceId,
    sourceLineId: event.sourceLineId,
    orderId: line.order_id,
    actor: 'shopify',
    occurredAt: event.occurredAt,
  };
}

/** The order's row id, creating a placeholder when this event arrived before the order. */
async function ensureOrder(tx: Tx, shopifyOrderId: string): Promise<string> {
  const saved = await tx.query<{ id: string }>(
    `INSERT INTO orders (shopify_order_id) VALUES ($1)
     ON CONFLICT (shopify_order_id) DO UPDATE SET updated_at = now()
     RETURNING id::text`,
    [shopifyOrderId],
  );
  return saved.rows[0]?.id ?? '';
}

async function recordOrderEvent(tx: Tx, orderId: string, kind: string, sourceKey: string) {
  const inserted = await tx.query(
    `INSERT INTO order_events (source_key, order_id, kind) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [sourceKey, orderId, kind],
  );
  return inserted.rowCount === 1;
}

async function lockLine(tx: Tx, orderId: string, event: LineEvent): Promise<LineRow> {
  const found = await tx.query<LineRow>(
    `INSERT INTO order_lines (order_id, shopify_line_item_id, shopify_variant_id, sku_id, title,
       requires_stock)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (shopify_line_item_id) DO UPDATE SET order_id = order_lines.order_id
     RETURNING ${lineColumns}`,
    [
      orderId,
      event.shopifyLineItemId,
      event.fallback.shopifyVariantId,
      event.fallback.skuId,
      event.fallback.title,
      event.fallback.skuId !== null,
    ],
  );
  const line = found.rows[0];
  if (line === undefined) {
    throw new Error(`order line ${event.shopifyLineItemId} could not be locked`);
  }
  return line;
}

async function refreshAllocation(tx: Tx, orderIds: string[]): Promise<void> {
  await tx.query('SELECT refresh_order_allocation($1::bigint[])', [orderIds]);
  await publishMany(
    tx,
    orderIds.map((orderId) => ({ topic: 'ORDER_CHANGED' as const, payload: { orderId } })),
  );
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
