/**
 * Events for live subscribers, carried between processes by PostgreSQL NOTIFY.
 *
 * An event is published inside the transaction that caused it, so PostgreSQL delivers it only
 * on commit; every API process listens and hands it to its own GraphQL subscribers. NOTIFY
 * payloads are limited to 8000 bytes, so events carry ids and small figures, not documents.
 */
import { createPubSub } from '@graphql-yoga/subscription';
import pg from 'pg';

import type { Logger } from './logger.ts';
import type { Queryable } from './transaction.ts';

const channel = 'qm_events';

/** Every event a subscriber can hear, by topic. */
export interface EventPayloads {
  STOCK_LEVEL_CHANGED: { skuId: string; locationId: string };
  ORDER_CHANGED: { orderId: string };
  /** `kind` lets a subscriber be told only of the kinds it may read. */
  EXCEPTION_RAISED: { exceptionId: string; kind: string };
  /** An invoice or credit note was made, or its push status changed. */
  ACCOUNTING_DOCUMENT_CHANGED: { documentId: string; shopifyOrderId: string; status: string };
}
export type EventTopic = keyof EventPayloads;

export async function publish<T extends EventTopic>(
  db: Queryable,
  topic: T,
  payload: EventPayloads[T],
): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ topic, payload })]);
}

/** Publishes many events in one round trip. */
export async function publishMany(
  db: Queryable,
  events: { topic: EventTopic; payload: EventPayloads[EventTopic] }[],
): Promise<void> {
  if (events.length === 0) {
    return;
  }
  await db.query('SELECT pg_notify($1, message) FROM unnest($2::text[]) AS message', [
    channel,
    events.map((event) => JSON.stringify(event)),
  ]);
}

type PubSubChannels = { [T in EventTopic]: [EventPayloads[T]] };

export type EventPubSub = ReturnType<typeof createPubSub<PubSubChannels>>;

export interface EventListener {
  pubSub: EventPubSub;
  close(): Promise<void>;
}

/** Another channel heard on the same connection, e.g. the end of someone's access. */
export interface ChannelHandler {
  channel: string;
  /** Called with each raw payload; must not throw. */
  hear(payload: string): void;
}

/**
 * Listens on a connection of its own and republishes every event to local subscribers, and
 * hands the payloads of any other channels named to their handlers. Notifications sent while
 * the connection is down are lost; a listener that cannot afford that re-reads the state
 * itself (open connections are re-authenticated on a timer for this reason).
 */
export async function listenForEvents(
  url: string,
  logger: Logger,
  handlers: ChannelHandler[] = [],
): Promise<EventListener> {
  const pubSub = createPubSub<PubSubChannels>();
  const handlerOf = new Map(handlers.map((handler) => [handler.channel, handler]));
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.payload === undefined) {
        return;
      }
      const handler = handlerOf.get(message.channel);
      if (handler !== undefined) {
        handler.hear(message.payload);
        return;
      }
      const event = JSON.parse(message.payload) as { topic: EventTopic; payload: never };
      pubSub.publish(event.topic, event.payload);
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'event listener lost its connection; reconnecting');
      setTimeout(() => {
        if (!closed) {
          connect().catch((reason: unknown) => logger.error({ err: reason }, 'reconnect failed'));
        }
      }, 1000);
    });
    await next.connect();
    for (const name of [channel, ...handlerOf.keys()]) {
      await next.query(`LISTEN ${pg.escapeIdentifier(name)}`);
    }
    client = next;
  };

  await connect();
  return {
    pubSub,
    close: async () => {
      closed = true;
      await client?.end();
    },
  };
}
