// Webhook deliveries as Shopify makes them: the exact body bytes, signed with HMAC-SHA256 keyed
// with the app's client secret (base64), and Shopify's headers.
// Leaves out: Shopify's retry schedule (one attempt per call; the caller decides to resend) and
// subscription management.
import { Buffer } from 'node:buffer';
import { createHmac, randomUUID } from 'node:crypto';

/** One delivery to make. */
export interface WebhookDelivery {
  targetUrl: string;
  /** e.g. `orders/create`. */
  topic: string;
  /** Sent byte for byte; an object is serialised once with JSON.stringify. */
  body: string | Uint8Array | object;
  /** The same on every retry of one delivery; a new UUID when absent. */
  webhookId?: string;
  /** Shared by every topic one merchant action produced; a new UUID when absent. */
  eventId?: string;
  /** When Shopify says the event happened; now when absent. */
  triggeredAt?: Date | string;
}

export interface WebhookSigner {
  shopDomain: string;
  apiVersion: string;
  clientSecret: string;
  /** Milliseconds to wait for the receiver's answer before giving up; Shopify waits 5 s. */
  timeoutMs?: number;
}

/** base64 HMAC-SHA256 of the raw body bytes, which is what `X-Shopify-Hmac-Sha256` carries. */
export function signWebhookBody(body: string | Uint8Array, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(body).digest('base64');
}

function bodyBytes(body: WebhookDelivery['body']): string | Buffer<ArrayBuffer> {
  if (typeof body === 'string') {
    return body;
  }
  if (body instanceof Uint8Array) {
    return Buffer.from(body);
  }
  return JSON.stringify(body);
}

/** Posts one signed delivery and answers the receiver's HTTP status. */
export async function deliverWebhook(
  signer: WebhookSigner,
  delivery: WebhookDelivery,
): Promise<number> {
  const body = bodyBytes(delivery.body);
  const triggeredAt = delivery.triggeredAt ?? new Date();

  const headers = {
    'Content-Type': 'application/json',
    'X-Shopify-Topic': delivery.topic,
    'X-Shopify-Hmac-Sha256': signWebhookBody(body, signer.clientSecret),
    'X-Shopify-Shop-Domain': signer.shopDomain,
    'X-Shopify-API-Version': signer.apiVersion,
    'X-Shopify-Webhook-Id': delivery.webhookId ?? randomUUID(),
    'X-Shopify-Event-Id': delivery.eventId ?? randomUUID(),
    'X-Shopify-Triggered-At':
      typeof triggeredAt === 'string' ? triggeredAt : triggeredAt.toISOString(),
  };

  const response = await fetch(delivery.targetUrl, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(signer.timeoutMs ?? 5000),
  });

  await response.arrayBuffer();
  return response.status;
}
