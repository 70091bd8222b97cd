/**
 * Processing of stored Shopify deliveries, in batch jobs. A batch runs in one transaction:
 * every body is first checked against its topic's shape, and one that can never be processed
 * is marked failed there, with the reason, and kept; then orders/create bodies are placed
 * together (one ledger call for all their reservations), the other topics one by one. If
 * anything else in the batch fails, each delivery is retried in a transaction of its own, so
 * one bad body cannot hold back the others.
 *
 * Every order body (`orders/create`, `orders/paid`, `orders/updated`, `orders/cancelled`) is the
 * whole order as the shop had it at its `updated_at`: it records the order if it is the first
 * word of it, and brings the order's financial status, total and cancellation up to date unless
 * a newer body came first. Orders, payments, cancellations and refunds also make their invoices
 * and credit notes, in the same transaction (accounting/intake.ts).
 */
import type { Task } from 'graphile-worker';
import type pg from 'pg';
import type { z } from 'zod';

import {
  recordOrderCancelled,
  recordOrderConfirmed,
  recordOrdersConfirmed,
  recordRefund,
} from '../accounting/intake.ts';
import { upsertProduct, type CatalogueProduct } from '../catalogue/catalogue.ts';
import { raiseException } from '../ledger/exceptions.ts';
import {
  applyLineEvents,
  cancelOrder,
  placeOrders,
  type AllocationContext,
  type LineEvent,
  type OrderInput,
} from '../orders/orders.ts';
import { addJob } from '../platform/jobs.ts';
import { storableText } from '../ledger/operations.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction, type Tx } from '../platform/transaction.ts';
import { toMinorUnits } from './money.ts';
import {
  fulfillmentSchema,
  inventoryLevelSchema,
  orderSchema,
  parsePayload,
  PayloadError,
  productSchema,
  refundSchema,
  type ShopifyLineItem,
  type ShopifyOrder,
  type ShopifyRefund,
} from './payloads.ts';
import { ensurePushState, sweepStockPush } from './push.ts';
import { processWebhooksTask } from './webhook-intake.ts';

interface Delivery {
  id: string;
  topic: string;
  webhookId: string | null;
  body: unknown;
  triggeredAt: Date | null;
  /** Set when the stored bytes are not JSON at all. */
  unreadable: PayloadError | null;
  /** The body as last validated, so that the check up front and the handler share it. */
  parsed?: { schema: z.ZodType; value: unknown };
}

/** A delivery that failed an attempt, to be logged once its transaction has committed. */
interface FailedAttempt {
  deliveryId: string;
  reason: string;
  permanent: boolean;
}

type Outcome = { status: 'processed' | 'ignored'; result: Record<string, unknown> };

/** Deliveries taken into one transaction at most. */
const batchSizeMax = 200;
/** After this many failed attempts a delivery is marked failed and left for a person. */
const attemptsMax = 10;

/**
 * The job is a wake-up call, not a list: it takes whatever accepted deliveries are due, a
 * batch at a time, skipping those another worker holds, until none are left. So a wake-up that
 * is lost or merged away can delay a delivery (until the sweeper's next look) but never lose it.
 */
export function processWebhooksTaskHandler(pool: pg.Pool, logger: Logger): Task {
  return async () => {
    for (;;) {
      const processed = await processDueBatch(pool, logger);
      if (processed === 0) {
        return;
      }
    }
  };
}

async function processDueBatch(pool: pg.Pool, logger: Logger): Promise<number> {
  let claimed: string[] = [];
  try {
    const failed = await withTransaction(pool, async (tx) => {
      const deliveries = await claimDue(tx, batchSizeMax);
      claimed = deliveries.map((delivery) => delivery.id);
      return processBatch(tx, deliveries);
    });
    logFailedAttempts(logger, failed);
    return claimed.length;
  } catch (error) {
    logger.warn({ err: error, deliveries: claimed.length }, 'batch failed; one by one');
  }

  for (const deliveryId of claimed) {
    await processAlone(pool, logger, deliveryId);
  }
  return claimed.length;
}

/** Locks up to `limit` due deliveries for this transaction, oldest first. */
async function claimDue(tx: Tx, limit: number): Promise<Delivery[]> {
  const due = await tx.query<DeliveryRow>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries
     WHERE status = 'accepted' AND next_attempt_at <= now()
     ORDER BY webhook_deliveries.id LIMIT $1
     FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return inEventOrder(due.rows);
}

/**
 * One delivery in a transaction of its own. A failure is rolled back to a savepoint and counted
 * in the same transaction, so the delivery stays locked until its attempt is recorded: a second
 * worker retrying the same batch skips it rather than trying it, and counting it, again.
 */
async function processAlone(pool: pg.Pool, logger: Logger, deliveryId: string): Promise<void> {
  const failed = await withTransaction(pool, async (tx) => {
    const deliveries = await loadDeliveries(tx, [deliveryId]);
    if (deliveries.length === 0) {
      return [];
    }
    await tx.query('SAVEPOINT delivery');
    try {
      return await processBatch(tx, deliveries);
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT delivery');
      return [await recordFailedAttempt(tx, deliveryId, error)];
    }
  });
  logFailedAttempts(logger, failed);
}

function logFailedAttempts(logger: Logger, failed: FailedAttempt[]): void {
  for (const attempt of failed) {
    logger.error(attempt, 'webhook delivery could not be processed');
  }
}

/**
 * A body that cannot be read never will be; anything else is tried again later, with growing
 * pauses, and marked failed after attemptsMax tries. A delivery given up on is shown to a
 * person.
 */
async function recordFailedAttempt(
  tx: Tx,
  deliveryId: string,
  error: unknown,
): Promise<FailedAttempt> {
  const permanent = isPermanent(error);
  const reason = error instanceof Error ? error.message : String(error);
  const updated = await tx.query<{ status: string; topic: string; webhook_id: string | null }>(
    `UPDATE webhook_deliveries
     SET attempts = attempts + 1, error = $2,
         status = CASE WHEN $3 OR attempts + 1 >= $4 THEN 'failed' ELSE status END,
         processed_at = CASE WHEN $3 OR attempts + 1 >= $4 THEN now() END,
         next_attempt_at = now() + make_interval(secs => least(600, 2 ^ (attempts + 1)))
     WHERE id = $1
     RETURNING status, topic, webhook_id`,
    [deliveryId, reason, permanent, attemptsMax],
  );
  const delivery = updated.rows[0];
  if (delivery?.status === 'failed') {
    await raiseUnprocessable(tx, {
      deliveryId,
      topic: delivery.topic,
      webhookId: delivery.webhook_id,
      reason,
    });
  }
  return { deliveryId, reason, permanent };
}

/**
 * A body that cannot be read, or whose figures no column can hold, fails the same way every
 * time; retrying it only delays the others.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof PayloadError || error instanceof RangeError) {
    return true;
  }
  // SQLSTATE class 22 is "data exception": a value out of range, a malformed number.
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}

async function raiseUnprocessable(
  tx: Tx,
  delivery: { deliveryId: string; topic: string; webhookId: string | null; reason: string },
): Promise<void> {
  await raiseException(tx, {
    kind: 'WEBHOOK_UNPROCESSABLE',
    message:
      `Shopify ${delivery.topic} delivery ${delivery.deliveryId} could not be processed: ` +
      delivery.reason,
    sourceKey: `shopify:delivery:${delivery.deliveryId}:failed`,
    details: {
      deliveryId: delivery.deliveryId,
      webhookId: delivery.webhookId,
      topic: delivery.topic,
    },
  });
}

/** The shape each topic's body must have; a topic not named here is ignored. */
const schemaByTopic: Record<string, z.ZodType> = {
  'orders/create': orderSchema,
  'orders/paid': orderSchema,
  'orders/updated': orderSchema,
  'orders/cancelled': orderSchema,
  'refunds/create': refundSchema,
  'fulfillments/create': fulfillmentSchema,
  'inventory_levels/update': inventoryLevelSchema,
  'products/create': productSchema,
  'products/update': productSchema,
};

/** The body checked against `schema`, once per delivery in a batch. */
function read<T>(delivery: Delivery, schema: z.ZodType<T>): T {
  if (delivery.unreadable !== null) {
    throw delivery.unreadable;
  }
  if (delivery.parsed?.schema !== schema) {
    delivery.parsed = { schema, value: parsePayload(schema, delivery.body, delivery.topic) };
  }
  return delivery.parsed.value as T;
}

/**
 * Marks failed, in the batch's transaction, each delivery whose body does not have its topic's
 * shape: it never will, so it is given up on at its first attempt and the others go on.
 */
async function failUnreadable(tx: Tx, deliveries: Delivery[]): Promise<FailedAttempt[]> {
  const failed: FailedAttempt[] = [];
  for (const delivery of deliveries) {
    const schema = schemaByTopic[delivery.topic];
    try {
      if (schema !== undefined) {
        read(delivery, schema);
      } else if (delivery.unreadable !== null) {
        throw delivery.unreadable;
      }
    } catch (error) {
      if (!(error instanceof PayloadError)) {
        throw error;
      }
      failed.push(await recordFailedAttempt(tx, delivery.id, error));
    }
  }
  return failed;
}

/**
 * Wakes the processing job for deliveries that are due but have no job looking at them: a
 * wake-up lost to a race in the queue, or a delivery waiting out its retry pause; and the push
 * job for figures left dirty. Runs in each worker process; a look costs two indexed queries.
 */
export function startInboxSweeper(pool: pg.Pool, logger: Logger, intervalMs = 2000) {
  const timer = setInterval(() => {
    Promise.all([sweep(pool), sweepStockPush(pool)]).catch((error: unknown) =>
      logger.warn({ err: error }, 'inbox sweep failed'),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function sweep(pool: pg.Pool): Promise<void> {
  const due = await pool.query(
    `SELECT 1 FROM webhook_deliveries
     WHERE status = 'accepted' AND next_attempt_at <= now() - interval '1 second' LIMIT 1`,
  );
  if (due.rowCount === 0) {
    return;
  }
  await addJob(
    pool,
    processWebhooksTask,
    {},
    {
      jobKey: 'shopify-inbox-sweep',
      jobKeyMode: 'preserve_run_at',
    },
  );
}

/** Processes the deliveries; answers those found unreadable, already marked failed. */
async function processBatch(tx: Tx, claimed: Delivery[]): Promise<FailedAttempt[]> {
  if (claimed.length === 0) {
    return [];
  }
  const failed = await failUnreadable(tx, claimed);
  const failedIds = new Set(failed.map((attempt) => attempt.deliveryId));
  const deliveries = claimed.filter((delivery) => !failedIds.has(delivery.id));
  if (deliveries.length === 0) {
    return failed;
  }
  const context = await allocationContext(tx);
  const outcomes = new Map<string, Outcome>();

  const creates = deliveries.filter((delivery) => delivery.topic === 'orders/create');
  if (creates.length > 0) {
    const orders = creates.map((delivery) => read(delivery, orderSchema));
    const inputs = await toOrderInputs(
      tx,
      orders.map((order, index) => ({ order, triggeredAt: creates[index]?.triggeredAt ?? null })),
    );
    await placeOrders(tx, inputs, context);
    const accounting = await recordOrdersConfirmed(
      tx,
      'orders/create',
      creates.map((delivery) => delivery.body),
    );
    creates.forEach((delivery, index) => {
      const order = orders[index];
      outcomes.set(delivery.id, {
        status: 'processed',
        result: {
          order: order?.name,
          lines: order?.line_items.length,
          accounting: accounting[index],
        },
      });
    });
  }

  for (const delivery of deliveries) {
    if (delivery.topic !== 'orders/create') {
      outcomes.set(delivery.id, await processOne(tx, delivery, context));
    }
  }

  await tx.query(
    `UPDATE webhook_deliveries d SET status = o.status, result = o.result, processed_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS o(id bigint, status text, result jsonb)
     WHERE d.id = o.id`,
    [JSON.stringify([...outcomes].map(([id, outcome]) => ({ id, ...outcome })))],
  );
  return failed;
}

/** A NUL or half a character in a name must not stop an order from reserving its stock. */
function storableStrings(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? storableText(value) : value;
}

interface DeliveryRow {
  id: string;
  topic: string;
  webhook_id: string | null;
  body: Buffer;
  triggered_at: Date | null;
}

const deliveryColumns = 'id::text, topic, webhook_id, body, triggered_at';

/** Locks the deliveries still waiting and due; those another worker holds are skipped. */
async function loadDeliveries(tx: Tx, deliveryIds: string[]): Promise<Delivery[]> {
  const rows = await tx.query<DeliveryRow>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries
     WHERE id = ANY($1::bigint[]) AND status = 'accepted' AND next_attempt_at <= now()
     FOR UPDATE SKIP LOCKED`,
    [deliveryIds],
  );
  return inEventOrder(rows.rows);
}

/** Parsed, in the order the shop says things happened (its trigger time), then arrival. */
function inEventOrder(rows: DeliveryRow[]): Delivery[] {
  const time = (row: DeliveryRow) => row.triggered_at?.getTime() ?? Number.MAX_SAFE_INTEGER;
  return [...rows]
    .sort((a, b) => time(a) - time(b) || Number(a.id) - Number(b.id))
    .map((row) => ({
      id: row.id,
      topic: row.topic,
      webhookId: row.webhook_id,
      triggeredAt: row.triggered_at,
      ...parseBody(row),
    }));
}

function parseBody(row: DeliveryRow): { body: unknown; unreadable: PayloadError | null } {
  try {
    const body = JSON.parse(row.body.toString('utf8'), storableStrings) as unknown;
    return { body, unreadable: null };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { body: null, unreadable: new PayloadError(`${row.topic} body is not JSON: ${reason}`) };
  }
}

async function processOne(
  tx: Tx,
  delivery: Delivery,
  context: AllocationContext,
): Promise<Outcome> {
  switch (delivery.topic) {
    case 'orders/paid':
      return orderPaid(tx, delivery, context);
    case 'orders/updated':
      return orderChanged(tx, delivery, context);
    case 'orders/cancelled': {
      const outcome = await orderChanged(tx, delivery, context);
      const accounting = await recordOrderCancelled(tx, delivery.body);
      return { ...outcome, result: { ...outcome.result, accounting } };
    }
    case 'refunds/create': {
      const refund = read(delivery, refundSchema);
      const outcome = await refundCreated(tx, refund, context);
      const accounting = await recordRefund(tx, delivery.body);
      return { ...outcome, result: { ...outcome.result, accounting } };
    }
    case 'fulfillments/create':
      return fulfillmentCreated(tx, delivery, context);
    case 'inventory_levels/update':
      return inventoryLevelUpdated(tx, delivery);
    case 'products/create':
    case 'products/update':
      return productChanged(tx, delivery);
    default:
      return { status: 'ignored', result: { reason: `topic ${delivery.topic} moves no stock` } };
  }
}

/**
 * Payment moves no stock; it brings the order's status up to date and confirms the order for
 * accounting, whatever the shop's invoice trigger: a paid order has its invoice.
 */
async function orderPaid(tx: Tx, delivery: Delivery, context: AllocationContext): Promise<Outcome> {
  const outcome = await orderChanged(tx, delivery, context);
  const accounting = await recordOrderConfirmed(tx, 'orders/paid', delivery.body);
  return { ...outcome, result: { ...outcome.result, accounting } };
}

/**
 * An order body other than orders/create: recorded like one (it may arrive before its create,
 * and its lines are reserved once whichever comes first), and, when it says the order was
 * cancelled, the cancellation applied.
 */
async function orderChanged(
  tx: Tx,
  delivery: Delivery,
  context: AllocationContext,
): Promise<Outcome> {
  const order = read(delivery, orderSchema);
  const cancelled = delivery.topic === 'orders/cancelled' || order.cancelled_at != null;
  const [input] = await toOrderInputs(tx, [{ order, triggeredAt: delivery.triggeredAt }]);
  if (input !== undefined) {
    const cancelledAt = cancelled ? (input.cancelledAt ?? new Date()) : input.cancelledAt;
    await placeOrders(tx, [{ ...input, cancelledAt }], context);
  }
  if (!cancelled) {
    return { status: 'processed', result: { order: order.name } };
  }

  // Apply the cancellation's own refund lines by their keys (its refunds/create will then do
  // nothing), and release what the lines still hold.
  for (const refund of order.refunds ?? []) {
    const parsed = refundSchema.safeParse(refund);
    if (parsed.success) {
      await refundCreated(tx, parsed.data, context);
    }
  }
  await cancelOrder(
    tx,
    { shopifyOrderId: order.id, cancelledAt: new Date(order.cancelled_at ?? Date.now()) },
    context,
  );
  return { status: 'processed', result: { order: order.name, cancelled: true } };
}

async function refundCreated(
  tx: Tx,
  refund: ShopifyRefund,
  context: AllocationContext,
): Promise<Outcome> {
  const variants = await skusByVariant(
    tx,
    refund.refund_line_items.map((line) => line.line_item?.variant_id ?? null),
  );
  const locations = await locationIdsByShopifyId(
    tx,
    refund.refund_line_items.map((line) => line.location_id),
  );

  const events: LineEvent[] = [];
  const held: string[] = [];
  for (const line of refund.refund_line_items) {
    const restockType = line.restock_type ?? 'no_restock';
    const kind = restockKind(restockType);
    if (kind === 'none') {
      continue;
    }
    const variantId = line.line_item?.variant_id ?? null;
    if (kind === 'hold') {
      held.push(line.id);
      await raiseException(tx, {
        kind: 'UNKNOWN_RESTOCK_TYPE',
        message: `Refund line has restock_type "${restockType}", which is not understood`,
        skuId: variants.get(variantId ?? '')?.skuId ?? null,
        sourceKey: `shopify:refund:${refund.id}:line:${line.id}:restock-type`,
        details: {
          refundId: refund.id,
          refundLineId: line.id,
          restockType,
          quantity: line.quantity,
        },
      });
      continue;
    }
    events.push({
      kind,
      sourceKey: `shopify:refund:${refund.id}:line:${line.id}:${kind}`,
      sourceType: 'shopify_refund_line',
      sourceId: refund.id,
      sourceLineId: line.id,
      shopifyLineItemId: line.line_item_id,
      quantity: line.quantity,
      locationId: line.location_id === null ? null : (locations.get(line.location_id) ?? null),
      occurredAt: new Date(refund.created_at),
      fallback: {
        shopifyVariantId: variantId,
        skuId: variants.get(variantId ?? '')?.skuId ?? null,
        title: line.line_item?.name ?? line.line_item?.title ?? '',
      },
    });
  }

  await applyLineEvents(tx, { shopifyOrderId: refund.order_id }, events, context);
  return { status: 'processed', result: { refund: refund.id, lines: events.length, held } };
}

/** `legacy_restock` is what older refunds said for goods put back. */
function restockKind(restockType: string): 'return' | 'cancel' | 'none' | 'hold' {
  switch (restockType) {
    case 'return':
    case 'legacy_restock':
      return 'return';
    case 'cancel':
      return 'cancel';
    case 'no_restock':
      return 'none';
    default:
      return 'hold';
  }
}

async function fulfillmentCreated(
  tx: Tx,
  delivery: Delivery,
  context: AllocationContext,
): Promise<Outcome> {
  const fulfillment = read(delivery, fulfillmentSchema);
  if (
    fulfillment.status !== null &&
    fulfillment.status !== undefined &&
    !['success', 'open', 'pending'].includes(fulfillment.status)
  ) {
    return { status: 'ignored', result: { reason: `fulfilment status ${fulfillment.status}` } };
  }

  const variants = await skusByVariant(
    tx,
    fulfillment.line_items.map((line) => line.variant_id),
  );
  const locations = await locationIdsByShopifyId(tx, [fulfillment.location_id]);
  const shipFrom =
    fulfillment.location_id === null ? null : (locations.get(fulfillment.location_id) ?? null);

  const events: LineEvent[] = fulfillment.line_items.map((line) => ({
    kind: 'ship',
    sourceKey: `shopify:fulfillment:${fulfillment.id}:line:${line.id}:shipment`,
    sourceType: 'shopify_fulfillment_line',
    sourceId: fulfillment.id,
    sourceLineId: line.id,
    shopifyLineItemId: line.id,
    quantity: line.quantity,
    locationId: shipFrom,
    occurredAt: new Date(fulfillment.created_at),
    fallback: {
      shopifyVariantId: line.variant_id,
      skuId: variants.get(line.variant_id ?? '')?.skuId ?? null,
      title: line.name ?? line.title ?? '',
    },
  }));

  await applyLineEvents(tx, { shopifyOrderId: fulfillment.order_id }, events, context);
  return { status: 'processed', result: { fulfillment: fulfillment.id, lines: events.length } };
}

/**
 * The shop's figure for an item at a location. It is compared with ours as of the moment the
 * shop stamped it (movements that happened later are not in its figure) and with ours now:
 * equal to either is a confirmation (usually the echo of our own push); otherwise a drift
 * exception for a person. It never moves stock.
 */
async function inventoryLevelUpdated(tx: Tx, delivery: Delivery): Promise<Outcome> {
  const level = read(delivery, inventoryLevelSchema);
  const found = await tx.query<{
    item_id: string;
    sku_id: string;
    location_id: string;
    available_now: number;
    available_then: number;
  }>(
    `SELECT i.id::text AS item_id, i.sku_id::text, l.id::text AS location_id,
       coalesce((SELECT available FROM stock_balances b
                 WHERE b.sku_id = i.sku_id AND b.location_id = l.id), 0) AS available_now,
       coalesce((SELECT sum(on_hand_delta - reserved_delta) FROM stock_movements m
                 WHERE m.sku_id = i.sku_id AND m.location_id = l.id
                   AND (m.kind = 'opening_balance' OR m.occurred_at <= $3)), 0)::int
         AS available_then
     FROM inventory_items i, locations l
     WHERE i.shopify_inventory_item_id = $1 AND l.shopify_location_id = $2`,
    [level.inventory_item_id, level.location_id, level.updated_at],
  );
  const ours = found.rows[0];
  if (ours === undefined) {
    return { status: 'ignored', result: { reason: 'inventory item or location not in catalogue' } };
  }
  if (level.available === null) {
    return { status: 'ignored', result: { reason: 'no available figure' } };
  }

  // Whatever it says, this is now the last figure we know the shop holds.
  await tx.query(
    `UPDATE shopify_push_state SET shop_available = $3
     WHERE inventory_item_id = $1 AND location_id = $2`,
    [ours.item_id, ours.location_id, level.available],
  );

  const confirmed =
    level.available === ours.available_then || level.available === ours.available_now;
  const result = {
    shopAvailable: level.available,
    availableThen: ours.available_then,
    availableNow: ours.available_now,
  };
  if (confirmed) {
    return { status: 'processed', result: { verdict: 'confirmation', ...result } };
  }

  await raiseException(tx, {
    kind: 'INVENTORY_DRIFT',
    message: `Shop shows ${level.available} available; the ledger has ${ours.available_now}`,
    skuId: ours.sku_id,
    locationId: ours.location_id,
    sourceKey:
      `shopify:inventory-level:${level.inventory_item_id}:${level.location_id}` +
      `:${level.updated_at}`,
    details: { ...result, shopifyInventoryItemId: level.inventory_item_id },
  });
  return { status: 'processed', result: { verdict: 'drift', ...result } };
}

async function productChanged(tx: Tx, delivery: Delivery): Promise<Outcome> {
  const product = read(delivery, productSchema);
  const catalogueProduct: CatalogueProduct = {
    shopifyProductId: product.id,
    title: product.title,
    handle: product.handle ?? null,
    status: product.status.toUpperCase(),
    variants: product.variants.map((variant) => ({
      shopifyVariantId: variant.id,
      title: variant.title ?? '',
      rawSku: variant.sku ?? null,
      inventoryPolicy: (variant.inventory_policy ?? 'deny').toUpperCase(),
      inventoryItem:
        variant.inventory_item_id === null
          ? null
          : {
              shopifyInventoryItemId: variant.inventory_item_id,
              tracked: variant.inventory_management !== null,
            },
    })),
  };
  await upsertProduct(tx, catalogueProduct);
  await ensurePushState(tx);
  return {
    status: 'processed',
    result: { product: product.id, variants: product.variants.length },
  };
}

/** Where orders are reserved, from the shop settings. */
async function allocationContext(tx: Tx): Promise<AllocationContext> {
  const found = await tx.query<{ id: string | null }>(
    'SELECT fulfilling_location_id::text AS id FROM shop_settings WHERE id = 1',
  );
  const locationId = found.rows[0]?.id;
  if (locationId == null) {
    throw new Error('no fulfilling location: import the catalogue first');
  }
  return { fulfillingLocationId: locationId, actor: 'shopify' };
}

/**
 * Order bodies as the order module takes them. The shop's time of a body is its `updated_at`;
 * a body without one is dated by its delivery's X-Shopify-Triggered-At.
 */
async function toOrderInputs(
  tx: Tx,
  bodies: { order: ShopifyOrder; triggeredAt: Date | null }[],
): Promise<OrderInput[]> {
  const variants = await skusByVariant(
    tx,
    bodies.flatMap(({ order }) => order.line_items.map((line) => line.variant_id)),
  );
  const inputs: OrderInput[] = [];
  for (const { order, triggeredAt } of bodies) {
    const currency = order.presentment_currency ?? order.currency;
    const lines = [];
    for (const [index, line] of order.line_items.entries()) {
      lines.push(await toLineInput(tx, order, index, line, variants));
    }
    const total = presentmentAmount(order.total_price_set, order.total_price, order);
    inputs.push({
      shopifyOrderId: order.id,
      name: order.name ?? `#${order.order_number ?? order.id}`,
      orderNumber: order.order_number ?? null,
      currency,
      shopCurrency: order.currency,
      totalPriceMinor:
        total === undefined
          ? null
          : minorUnitsOf(order, order.total_price_set ? 'total_price_set' : 'total_price', total),
      financialStatus: order.financial_status ?? null,
      placedAt: new Date(order.created_at),
      cancelledAt: order.cancelled_at ? new Date(order.cancelled_at) : null,
      shopUpdatedAt: order.updated_at ? new Date(order.updated_at) : triggeredAt,
      lines,
    });
  }
  return inputs;
}

async function toLineInput(
  tx: Tx,
  order: ShopifyOrder,
  index: number,
  line: ShopifyLineItem,
  variants: Map<string, { skuId: string; tracked: boolean }>,
) {
  const mapped = line.variant_id === null ? undefined : variants.get(line.variant_id);
  // A line without a product or variant (gift wrap, a custom item) moves no stock, nor does a
  // gift card: Shopify issues it, nothing leaves the warehouse, and it need not be stocked.
  const isGiftCard = line.gift_card === true;
  const hasProduct = line.product_id !== null && line.variant_id !== null && !isGiftCard;
  if (hasProduct && mapped === undefined) {
    await raiseException(tx, {
      kind: 'UNMAPPED_VARIANT',
      message:
        `Order ${order.name ?? order.id} has variant ${line.variant_id}, ` +
        'which is not in the catalogue',
      sourceKey: `shopify:order:${order.id}:line:${line.id}:unmapped`,
      details: { shopifyVariantId: line.variant_id, sku: line.sku ?? null },
    });
  }
  const price = presentmentAmount(line.price_set, line.price, order);
  return {
    shopifyLineItemId: line.id,
    shopifyVariantId: line.variant_id,
    skuId: mapped?.skuId ?? null,
    requiresStock: hasProduct && (mapped?.tracked ?? true),
    title: line.name ?? line.title ?? '',
    skuText: line.sku ?? null,
    quantity: line.quantity,
    unitPriceMinor:
      price === undefined
        ? null
        : minorUnitsOf(
            order,
            `line_items.${index}.${line.price_set ? 'price_set' : 'price'}`,
            price,
          ),
  };
}

/** An amount of the order in minor units; one that cannot be read names where it was. */
function minorUnitsOf(order: ShopifyOrder, field: string, amount: string | number): number {
  try {
    return toMinorUnits(amount, order.presentment_currency ?? order.currency);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RangeError(`order ${order.name ?? order.id} ${field}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * An amount in the currency the customer paid in. The plain field (`total_price`, `price`) is in
 * the shop's currency, so it stands in for a missing `*_set` only when the two currencies are
 * the same; otherwise the amount is unknown (null) rather than a shop-currency figure labelled
 * with the customer's currency.
 */
function presentmentAmount(
  set: { presentment_money: { amount: string | number } } | null | undefined,
  shopAmount: string | number | undefined,
  order: ShopifyOrder,
): string | number | undefined {
  if (set != null) {
    return set.presentment_money.amount;
  }
  const paidIn = order.presentment_currency ?? order.currency;
  return paidIn === order.currency ? shopAmount : undefined;
}

async function skusByVariant(
  tx: Tx,
  variantIds: (string | null)[],
): Promise<Map<string, { skuId: string; tracked: boolean }>> {
  const ids = [...new Set(variantIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) {
    return new Map();
  }
  const found = await tx.query<{ variant: string; sku_id: string; tracked: boolean | null }>(
    `SELECT v.shopify_variant_id::text AS variant, v.sku_id::text, i.tracked
     FROM variants v LEFT JOIN inventory_items i ON i.id = v.inventory_item_id
     WHERE v.shopify_variant_id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(
    found.rows.map((row) => [row.variant, { skuId: row.sku_id, tracked: row.tracked ?? false }]),
  );
}

async function locationIdsByShopifyId(
  tx: Tx,
  shopifyIds: (string | null)[],
): Promise<Map<string, string>> {
  const ids = [...new Set(shopifyIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) {
    return new Map();
  }
  const found = await tx.query<{ shopify: string; id: string }>(
    `SELECT shopify_location_id::text AS shopify, id::text FROM locations
     WHERE shopify_location_id = ANY($1::bigint[])`,
    [ids],
  );
  return new Map(found.rows.map((row) => [row.shopify, row.id]));
}
