// An order stream for the system's dev mode: every `intervalMs` the simulated shop sells 1–3
// active, in-stock variants (1–2 of each) from the warehouse, commits the stock on its own side
// as Shopify does, and sends a signed `orders/create`, then `orders/paid` (every order is paid
// at checkout, so the shop's accounting sees it confirmed). Now and then it fulfils an earlier
// order (`fulfillments/create`; committed and on hand go down) or cancels one
// (`orders/cancelled` and `refunds/create` with one event id; the stock is restocked).
// Everything random comes from `random`, so a seed gives the same orders every run.
// Leaves out: discounts, other currencies, partial fulfilment, returns after fulfilment, and
// redelivery of webhooks the receiver refused (they are logged and counted, not retried).
import type { Logger } from 'pino';

import {
  type InventedOrder,
  type OrderLine,
  cancellationRefundJson,
  customers,
  fulfilmentJson,
  orderJson,
} from './order-payloads.ts';
import { pick, randomInt, randomUuid, seededRandom } from './random.ts';
import type { ShopifySimulator } from './server.ts';
import type { LocationRecord, SimulatorStore, VariantRecord } from './store.ts';

export interface OrderStreamOptions {
  /** Where webhooks go, e.g. `http://127.0.0.1:4000/webhooks/shopify`. */
  targetUrl: string;
  /** Time between orders. */
  intervalMs: number;
  /** Uniform in [0, 1); a seeded source makes the stream repeatable. Seed 1 by default. */
  random?: () => number;
  /** Clock for order timestamps; the real clock by default. */
  now?: () => Date;
  /** Number of the first order; 1101 by default (the fixtures use 1041–1043). */
  orderNumberFirst?: number;
  /**
   * Added to every id the stream makes (orders, lines, fulfilments, refunds), so that a stream
   * started again against the same system does not repeat the ids of an earlier run. 0 by
   * default.
   */
  idOffset?: number;
  /** Chance per tick of fulfilling an earlier open order; 0.2 by default. */
  fulfilmentChance?: number;
  /** Chance per tick of cancelling an earlier open order; 0.05 by default. */
  cancellationChance?: number;
  logger?: Logger;
}

/** One webhook the stream sent. */
export interface StreamDelivery {
  topic: string;
  webhookId: string;
  eventId: string;
  /** The exact bytes that were signed and sent. */
  body: string;
  /** The receiver's HTTP status; 0 when it could not be reached. */
  status: number;
}

export interface OrderStream {
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
  /** Runs one tick now (tests, or a dev-mode "sell something" button). */
  tick(): Promise<void>;
  /** Recent deliveries, oldest first (the last 500). */
  readonly deliveries: readonly StreamDelivery[];
}

interface OpenOrder {
  order: InventedOrder;
  location: LocationRecord;
}

const deliveriesKept = 500;

function sellingLocation(store: SimulatorStore): LocationRecord {
  const location =
    store.locations.find((record) => record.isActive && record.fulfillsOnlineOrders) ??
    store.locations.find((record) => record.isActive);
  if (!location) {
    throw new Error('the simulated shop has no active location to sell from');
  }
  return location;
}

/** Variants of active products that have stock to sell at `location`. */
function sellableVariants(store: SimulatorStore, location: LocationRecord): VariantRecord[] {
  return store.products
    .filter((product) => product.status === 'ACTIVE')
    .flatMap((product) => product.variantGids)
    .map((gid) => store.variants.get(gid))
    .filter((variant): variant is VariantRecord => {
      if (!variant) {
        return false;
      }
      const item = store.inventoryItems.get(variant.inventoryItemGid);
      const available = store.level(variant.inventoryItemGid, location.gid)?.quantities.available;
      return item?.tracked === true && (available ?? 0) > 0;
    });
}

function gramsOf(store: SimulatorStore, variant: VariantRecord): number {
  const item = store.inventoryItems.get(variant.inventoryItemGid);
  if (!item?.weightValue) {
    return 0;
  }
  const perUnit: Record<string, number> = {
    GRAMS: 1,
    KILOGRAMS: 1000,
    OUNCES: 28.35,
    POUNDS: 453.6,
  };
  return Math.round(item.weightValue * (perUnit[item.weightUnit ?? 'GRAMS'] ?? 1));
}

/** Starts selling; the first order comes after one interval. */
export function startOrderStream(sim: ShopifySimulator, options: OrderStreamOptions): OrderStream {
  const store = sim.store;
  const random = options.random ?? seededRandom(1);
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  const fulfilmentChance = options.fulfilmentChance ?? 0.2;
  const cancellationChance = options.cancellationChance ?? 0.05;
  const deliveries: StreamDelivery[] = [];
  const open: OpenOrder[] = [];

  let orderNumber = (options.orderNumberFirst ?? 1101) - 1;
  let idSequence = options.idOffset ?? 0;
  const nextId = (base: number): number => {
    idSequence += 1;
    return base + idSequence;
  };

  const send = async (topic: string, bodyObject: object, eventId: string): Promise<void> => {
    const body = JSON.stringify(bodyObject);
    const webhookId = randomUuid(random);
    let status = 0;

    try {
      status = await sim.sendWebhook({
        targetUrl: options.targetUrl,
        topic,
        body,
        webhookId,
        eventId,
        triggeredAt: now(),
      });
    } catch (error) {
      logger?.warn({ err: error, topic, webhookId }, 'order stream could not deliver a webhook');
    }

    if (status !== 0 && (status < 200 || status >= 300)) {
      logger?.warn({ topic, webhookId, status }, 'order stream webhook was not accepted');
    }

    deliveries.push({ topic, webhookId, eventId, body, status });
    if (deliveries.length > deliveriesKept) {
      deliveries.shift();
    }
  };

  const placeOrder = async (location: LocationRecord): Promise<void> => {
    const candidates = sellableVariants(store, location);
    if (candidates.length === 0) {
      logger?.info({ location: location.name }, 'order stream has nothing left to sell');
      return;
    }

    const lineCount = Math.min(candidates.length, randomInt(random, 1, 3));
    const lines: OrderLine[] = [];
    const remaining = [...candidates];

    for (let index = 0; index < lineCount; index += 1) {
      const variant = pick(random, remaining);
      remaining.splice(remaining.indexOf(variant), 1);

      const product = store.product(variant.productGid);
      const available = store.level(variant.inventoryItemGid, location.gid)?.quantities.available;
      if (!product || available === undefined) {
        continue;
      }

      const quantity = Math.min(available, randomInt(random, 1, 2));
      const grams = gramsOf(store, variant);
      lines.push({ lineItemId: nextId(14_700_000_100_000), product, variant, quantity, grams });
    }

    orderNumber += 1;
    const order: InventedOrder = {
      orderId: nextId(5_912_345_700_000),
      orderNumber,
      transactionId: nextId(8_012_345_700_000),
      shippingLineId: nextId(8_912_345_700_000),
      customerIndex: randomInt(random, 0, customers.length - 1),
      lines,
      createdAt: now(),
    };

    // Shopify commits stock when the order is placed: available down, committed up.
    for (const line of lines) {
      const { inventoryItemGid } = line.variant;
      const quantity = line.quantity;
      store.adjust(inventoryItemGid, location.gid, { available: -quantity, committed: quantity });
    }

    open.push({ order, location });
    const body = orderJson(store.shop, order, {
      updatedAt: order.createdAt,
      fulfilled: false,
      cancelledAt: null,
    });
    await send('orders/create', body, randomUuid(random));
    await send('orders/paid', body, randomUuid(random));
  };

  const fulfilEarlierOrder = async (): Promise<void> => {
    const earlier = open.slice(0, -1);
    const chosen = earlier[0];
    if (!chosen) {
      return;
    }
    open.splice(open.indexOf(chosen), 1);

    for (const line of chosen.order.lines) {
      const { inventoryItemGid } = line.variant;
      const quantity = line.quantity;
      store.adjust(inventoryItemGid, chosen.location.gid, {
        committed: -quantity,
        on_hand: -quantity,
      });
    }

    const trackingDigits = String(randomInt(random, 100_000_000, 999_999_999));
    const body = fulfilmentJson(store.shop, chosen.order, {
      id: nextId(5_512_345_700_000),
      createdAt: now(),
      trackingNumber: `QF${trackingDigits}GB`,
      location: chosen.location,
    });
    await send('fulfillments/create', body, randomUuid(random));
  };

  const cancelEarlierOrder = async (): Promise<void> => {
    const earlier = open.slice(0, -1);
    if (earlier.length === 0) {
      return;
    }
    const chosen = pick(random, earlier);
    open.splice(open.indexOf(chosen), 1);

    for (const line of chosen.order.lines) {
      const { inventoryItemGid } = line.variant;
      const quantity = line.quantity;
      store.adjust(inventoryItemGid, chosen.location.gid, {
        committed: -quantity,
        available: quantity,
      });
    }

    const cancelledAt = now();
    const refund = cancellationRefundJson(store.shop, chosen.order, {
      id: nextId(1_012_345_700_000),
      firstLineId: nextId(1_111_111_200_000) * 10,
      createdAt: cancelledAt,
      location: chosen.location,
    });
    const body = orderJson(store.shop, chosen.order, {
      updatedAt: cancelledAt,
      fulfilled: false,
      cancelledAt,
      refunds: [refund],
    });

    // One merchant action, two topics: they share the event id.
    const eventId = randomUuid(random);
    await send('orders/cancelled', body, eventId);
    await send('refunds/create', refund, eventId);
  };

  const tick = async (): Promise<void> => {
    const location = sellingLocation(store);
    await placeOrder(location);

    if (random() < fulfilmentChance) {
      await fulfilEarlierOrder();
    }
    if (random() < cancellationChance) {
      await cancelEarlierOrder();
    }
  };

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  /** Runs a tick after any tick in progress; a failed tick never blocks the next. */
  const enqueueTick = (): Promise<void> => {
    const next = running.then(tick);
    running = next.catch((error: unknown) => {
      logger?.error({ err: error }, 'order stream tick failed');
    });
    return next;
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      enqueueTick()
        .catch(() => undefined)
        .finally(() => {
          if (!stopped) {
            schedule();
          }
        });
    }, options.intervalMs);
  };
  schedule();

  return {
    deliveries,
    tick: enqueueTick,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
