/**
 * The load generator's thread: signs each prepared body as Shopify does (HMAC-SHA256 of the
 * raw bytes with the client secret, base64), posts it to the webhook endpoint over keep-alive
 * connections, and posts the timings back to the thread that started it.
 *
 * Leaves out: retries (an answer other than 200 is counted, not sent again), HTTPS, and
 * Shopify's own five-second timeout; a delivery waits for its answer however long it takes.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

import type { LoadRequest, LoadResult, PreparedDelivery } from './load.ts';
import { clockMs } from './statistics.ts';

/** Keep-alive sockets for an open loop; a stalled server may have this many requests open. */
const pacedSocketsMax = 256;

interface SignedDelivery {
  body: Buffer;
  headers: Record<string, string>;
}

type Send = (delivery: SignedDelivery) => Promise<number>;

async function main(): Promise<void> {
  const request = workerData as LoadRequest;
  const signed = request.deliveries.map((delivery) => sign(request, delivery));
  const socketsMax =
    request.plan.kind === 'concurrent' ? request.plan.concurrency : pacedSocketsMax;
  const agent = new http.Agent({ keepAlive: true, maxSockets: socketsMax });
  const target = new URL(request.targetUrl);
  const send: Send = (delivery) => post(agent, target, delivery);

  const ackLatenciesMs = new Array<number>(signed.length).fill(0);
  const statuses = new Array<number>(signed.length).fill(0);
  const firstSentAtMs = clockMs();
  if (request.plan.kind === 'concurrent') {
    await sendConcurrently(signed, request.plan.concurrency, send, ackLatenciesMs, statuses);
  } else {
    await sendPaced(signed, request.plan.ratePerSecond, send, ackLatenciesMs, statuses);
  }
  const lastAnsweredAtMs = clockMs();
  agent.destroy();

  const statusCounts: Record<string, number> = {};
  for (const status of statuses) {
    statusCounts[String(status)] = (statusCounts[String(status)] ?? 0) + 1;
  }
  const result: LoadResult = { firstSentAtMs, lastAnsweredAtMs, ackLatenciesMs, statusCounts };
  parentPort?.postMessage(result);
}

function sign(request: LoadRequest, delivery: PreparedDelivery): SignedDelivery {
  const body = Buffer.from(delivery.body);
  const signature = createHmac('sha256', request.clientSecret).update(body).digest('base64');

  return {
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'x-shopify-topic': request.topic,
      'x-shopify-hmac-sha256': signature,
      'x-shopify-shop-domain': request.shopDomain,
      'x-shopify-api-version': '2026-04',
      'x-shopify-webhook-id': delivery.webhookId,
      'x-shopify-triggered-at': new Date().toISOString(),
    },
  };
}

async function sendConcurrently(
  deliveries: SignedDelivery[],
  concurrency: number,
  send: Send,
  ackLatenciesMs: number[],
  statuses: number[],
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const index = next;
      next += 1;
      const delivery = deliveries[index] as SignedDelivery;

      const sentAtMs = clockMs();
      statuses[index] = await send(delivery);
      ackLatenciesMs[index] = clockMs() - sentAtMs;
    }
  };

  const laneCount = Math.min(concurrency, deliveries.length);
  await Promise.all(Array.from({ length: laneCount }, lane));
}

async function sendPaced(
  deliveries: SignedDelivery[],
  ratePerSecond: number,
  send: Send,
  ackLatenciesMs: number[],
  statuses: number[],
): Promise<void> {
  const intervalMs = 1000 / ratePerSecond;
  const startedAtMs = clockMs();
  const inFlight: Promise<void>[] = [];

  for (const [index, delivery] of deliveries.entries()) {
    const dueAtMs = startedAtMs + index * intervalMs;
    const waitMs = dueAtMs - clockMs();
    if (waitMs > 0) {
      await sleep(waitMs);
    }

    inFlight.push(
      send(delivery).then((status) => {
        statuses[index] = status;
        ackLatenciesMs[index] = clockMs() - dueAtMs;
      }),
    );
  }

  await Promise.all(inFlight);
}

/** Posts one delivery; answers the HTTP status once the whole answer is read, 0 on error. */
function post(agent: http.Agent, target: URL, delivery: SignedDelivery): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: delivery.headers,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(delivery.body);
  });
}

await main();
