/**
 * The load generator, as its caller sees it: hand it prepared deliveries and a way to send
 * them (so many in flight, or so many a second), get back when the first left, when the last
 * was answered, and how long each took to be acknowledged.
 *
 * The sending happens in a thread of its own (load-thread.ts), so that the generator's work
 * does not run on the event loop that answers the webhooks, and its clock is not stalled by
 * it. Leaves out: several client machines; everything runs on loopback.
 */
import { Worker } from 'node:worker_threads';

/** One signed delivery to send: the body as it goes on the wire and its webhook id. */
export interface PreparedDelivery {
  webhookId: string;
  body: string;
}

export type SendPlan =
  /** A closed loop: each of `concurrency` lanes sends its next delivery when answered. */
  | { kind: 'concurrent'; concurrency: number }
  /**
   * An open loop: delivery i is due at start + i / rate, whatever is still unanswered.
   * Latency counts from when it was due, so a stalled server cannot hide its stalls.
   */
  | { kind: 'paced'; ratePerSecond: number };

export interface LoadRequest {
  /** The webhook endpoint, e.g. `http://127.0.0.1:4000/webhooks/shopify`. */
  targetUrl: string;
  shopDomain: string;
  clientSecret: string;
  topic: string;
  deliveries: PreparedDelivery[];
  plan: SendPlan;
}

export interface LoadResult {
  /** Wall-clock time (clockMs) the first delivery left. */
  firstSentAtMs: number;
  /** Wall-clock time (clockMs) the last answer arrived. */
  lastAnsweredAtMs: number;
  /** Time to the full answer, per delivery, in the order sent. */
  ackLatenciesMs: number[];
  /** Answers by HTTP status; 0 counts a delivery that got no answer (connection error). */
  statusCounts: Record<string, number>;
}

/** Sends every delivery from a thread of its own and answers when all have been answered. */
export function runLoad(request: LoadRequest): Promise<LoadResult> {
  const thread = new Worker(new URL('./load-thread.ts', import.meta.url), {
    workerData: request,
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    thread.once('message', (result: LoadResult) => {
      settled = true;
      resolve(result);
    });
    thread.once('error', (error) => {
      settled = true;
      reject(error);
    });
    thread.once('exit', (code) => {
      if (!settled) {
        reject(new Error(`load thread stopped with code ${code} before answering`));
      }
    });
  });
}
