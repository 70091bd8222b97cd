/**
 * `POST /webhooks/shopify`: verify, store, acknowledge. The HMAC is checked over the raw body
 * bytes by the official library; every delivery is stored with its headers and bytes whatever
 * the verdict; an accepted one is queued for processing in the same transaction, and the
 * answer goes back before any processing, well inside Shopify's five seconds.
 *
 * Processing is not here: see webhook-processing.ts.
 */
import '@shopify/shopify-api/adapters/node';

import { createHash } from 'node:crypto';

import { shopifyApi, type Shopify } from '@shopify/shopify-api';
import express, { type Request, type Response, type Router } from 'express';
import type pg from 'pg';

import type { Logger } from '../platform/logger.ts';

export const processWebhooksTask = 'shopify.process_webhooks';

/** How much of a body whose signature failed is kept for inspection. */
const unverifiedBodyKeptBytes = 64 * 1024;

/** Wake-ups spread over this many job keys, so concurrent acknowledgements rarely wait. */
const inboxShards = 8;

const requiredHeaders = [
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-webhook-id',
  'x-shopify-api-version',
] as const;

export interface WebhookIntakeOptions {
  pool: pg.Pool;
  logger: Logger;
  shop: string;
  clientSecret: string;
  apiVersion: string;
}

type Verdict =
  | { status: 'accepted' | 'duplicate'; httpStatus: 200; reason: null }
  | { status: 'rejected'; httpStatus: 400 | 401; reason: string };

export function shopifyWebhookRouter(options: WebhookIntakeOptions): Router {
  const shopify = shopifyApi({
    apiKey: 'quartermaster',
    apiSecretKey: options.clientSecret,
    apiVersion: options.apiVersion as never,
    isCustomStoreApp: true,
    adminApiAccessToken: 'unused-for-webhook-validation',
    isEmbeddedApp: false,
    hostName: 'localhost',
    logger: { level: 0, log: () => Promise.resolve() },
  });

  const router = express.Router();
  router.post(
    '/webhooks/shopify',
    express.raw({ type: () => true, limit: '5mb' }),
    (request: Request, response: Response) => {
      receive(shopify, options, request, response).catch((error: unknown) => {
        options.logger.error({ err: error }, 'webhook intake failed');
        if (!response.headersSent) {
          response.status(500).json({ error: 'could not store the delivery' });
        }
      });
    },
  );
  return router;
}

async function receive(
  shopify: Shopify,
  options: WebhookIntakeOptions,
  request: Request,
  response: Response,
): Promise<void> {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const verdict = await judge(shopify, options, request, body);
  const header = (name: string) => request.header(name) ?? null;

  const stored = await store(options, request, body, verdict);

  const logFields = {
    deliveryId: stored.deliveryId,
    webhookId: header('x-shopify-webhook-id'),
    topic: header('x-shopify-topic'),
    status: stored.status,
  };
  if (verdict.status === 'rejected') {
    options.logger.warn({ ...logFields, reason: verdict.reason }, 'webhook rejected');
    response.status(verdict.httpStatus).json({ error: verdict.reason });
    return;
  }

  options.logger.debug(logFields, 'webhook received');
  response.status(200).json({ status: stored.status });
}

/** Stores the delivery and, when it is new and verified, wakes the processing job. */
async function store(
  options: WebhookIntakeOptions,
  request: Request,
  body: Buffer,
  verdict: Verdict,
): Promise<{ status: Verdict['status'] | 'duplicate'; deliveryId: string | null }> {
  const header = (name: string) => request.header(name) ?? null;
  const sha256 = createHash('sha256').update(body).digest('hex');
  const kept = verdict.status === 'rejected' ? body.subarray(0, unverifiedBodyKeptBytes) : body;

  const firstSeen = verdict.status === 'accepted';
  const wakeKey = `shopify-inbox-${Math.floor(Math.random() * inboxShards)}`;
  const insert = (status: Verdict['status'] | 'duplicate', isFirst: boolean) =>
    options.pool.query<{ id: string | null }>(
      // One statement, so one round trip and no lock held between statements. The wake-up job
      // is added only when none is waiting under its key: a waiting job takes every due
      // delivery when it runs, and the sweeper covers the moment it has just finished.
      `WITH inserted AS (
         INSERT INTO webhook_deliveries (webhook_id, topic, shop_domain, api_version, event_id,
           triggered_at, headers, body, body_size_bytes, body_sha256, status, rejection_reason,
           first_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (channel, webhook_id) WHERE first_seen DO NOTHING
         RETURNING id),
       woken AS (
         SELECT graphile_worker.add_job($14, '{}'::json, job_key := $15,
           job_key_mode := 'preserve_run_at')
         FROM inserted
         WHERE $13 AND NOT EXISTS (
           SELECT 1 FROM graphile_worker._private_jobs job
           WHERE job.key = $15 AND job.locked_at IS NULL))
       SELECT (SELECT id::text FROM inserted) AS id, (SELECT count(*) FROM woken) AS woken`,
      [
        header('x-shopify-webhook-id'),
        header('x-shopify-topic'),
        header('x-shopify-shop-domain'),
        header('x-shopify-api-version'),
        header('x-shopify-event-id'),
        parseTime(header('x-shopify-triggered-at')),
        JSON.stringify(request.headers),
        kept,
        body.length,
        sha256,
        status,
        verdict.reason,
        isFirst,
        processWebhooksTask,
        wakeKey,
      ],
    );

  const deliveryId = (await insert(verdict.status, firstSeen)).rows[0]?.id ?? null;
  if (deliveryId === null) {
    // Seen before under this webhook id: kept for inspection, processed never again.
    const repeat = await insert('duplicate', false);
    return { status: 'duplicate', deliveryId: repeat.rows[0]?.id ?? null };
  }
  return { status: verdict.status, deliveryId };
}

async function judge(
  shopify: Shopify,
  options: WebhookIntakeOptions,
  request: Request,
  body: Buffer,
): Promise<Verdict> {
  if (!request.header('x-shopify-hmac-sha256')) {
    return rejected(401, 'missing X-Shopify-Hmac-Sha256 signature header');
  }
  const missing = requiredHeaders.filter((name) => !request.header(name));
  if (missing.length > 0) {
    return rejected(400, `missing headers: ${missing.join(', ')}`);
  }
  if (body.length === 0) {
    return rejected(400, 'empty body');
  }

  // The library hashes the string it is given as UTF-8; decoding valid UTF-8 and encoding it
  // again gives back the same bytes, so this is a hash of the raw body.
  const validation = await shopify.webhooks.validate({
    rawBody: body.toString('utf8'),
    rawRequest: request,
  });
  if (!validation.valid) {
    return validation.reason === 'missing_headers'
      ? rejected(400, `missing headers: ${missingHeadersOf(validation)}`)
      : rejected(401, 'HMAC signature does not match the body');
  }

  const shopDomain = request.header('x-shopify-shop-domain')?.toLowerCase();
  if (shopDomain !== options.shop.toLowerCase()) {
    return rejected(400, `X-Shopify-Shop-Domain ${shopDomain ?? ''} is not ${options.shop}`);
  }
  try {
    JSON.parse(body.toString('utf8'));
  } catch (error) {
    return rejected(400, `body is not JSON: ${(error as Error).message}`);
  }
  return { status: 'accepted', httpStatus: 200, reason: null };
}

function missingHeadersOf(validation: object): string {
  return (validation as { missingHeaders?: string[] }).missingHeaders?.join(', ') ?? '';
}

function rejected(httpStatus: 400 | 401, reason: string): Verdict {
  return { status: 'rejected', httpStatus, reason };
}

function parseTime(value: string | null): string | null {
  if (value === null || Number.isNaN(Date.parse(value))) {
    return null;
  }
  return new Date(value).toISOString();
}
