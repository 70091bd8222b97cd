// How Admin API failures are told apart and retried. THROTTLED (HTTP 200, no data) waits until
// the bucket holds the call's cost, as `throttleStatus` says, or a fixed time when it is absent;
// 5xx answers, network errors and timeouts back off exponentially with jitter; everything else
// is a ShopifyRequestError at once. After `attemptsMax` attempts a ShopifyTransientError is
// thrown, which `isTransient` recognises so a job queue can try again later.
// Leaves out: business refusals (`userErrors`), which are outcomes, not errors, and belong to the
// caller (see admin-client.ts).
import {
  GraphqlQueryError,
  HttpInternalError,
  HttpRequestError,
  HttpResponseError,
  HttpThrottlingError,
} from '@shopify/shopify-api';
import type { Logger } from 'pino';
import { z } from 'zod';

/** Why a call that may succeed later failed. */
export type TransientReason =
  'throttled' | 'server-error' | 'network' | 'timeout' | 'concurrent-request';

/** The shop could not answer now; the same call may succeed later. */
export class ShopifyTransientError extends Error {
  override readonly name = 'ShopifyTransientError';

  constructor(
    message: string,
    readonly reason: TransientReason,
    /** Attempts made before giving up. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One top-level GraphQL error as Shopify gave it. */
export interface ShopifyGraphqlError {
  message: string;
  code: string | undefined;
}

/** The shop refused the call itself (bad token, bad query, too costly): retrying will not help. */
export class ShopifyRequestError extends Error {
  override readonly name = 'ShopifyRequestError';

  constructor(
    message: string,
    /** HTTP status, when the failure was an HTTP one. */
    readonly status: number | undefined,
    readonly graphqlErrors: ShopifyGraphqlError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for failures worth trying again later (the shop was busy, down or unreachable). */
export function isTransient(error: unknown): boolean {
  return error instanceof ShopifyTransientError;
}

export interface RetryPolicy {
  attemptsMax: number;
  /** Wait after THROTTLED when the answer carries no `throttleStatus`. */
  backoffMs: number;
  /** First backoff after a 5xx or network failure; doubles each attempt, with jitter. */
  retryDelayBaseMs: number;
  retryDelayMaxMs: number;
  sleep: (delayMs: number) => Promise<void>;
  /** Uniform in [0, 1); used for jitter. */
  random: () => number;
  logger: Logger | undefined;
  shop: string;
}

type Failure =
  | { kind: 'retry'; reason: TransientReason; waitMs: number | undefined }
  | { kind: 'fatal'; error: ShopifyRequestError };

const graphqlErrorsSchema = z.array(
  z.object({
    message: z.string(),
    extensions: z.object({ code: z.string().optional() }).loose().optional(),
  }),
);

const throttledBodySchema = z.object({
  errors: z.object({ graphQLErrors: graphqlErrorsSchema.optional() }).loose().optional(),
  extensions: z
    .object({
      cost: z
        .object({
          requestedQueryCost: z.number().nullable().optional(),
          throttleStatus: z
            .object({
              maximumAvailable: z.number(),
              currentlyAvailable: z.number(),
              restoreRate: z.number(),
            })
            .nullable()
            .optional(),
        })
        .optional(),
    })
    .loose()
    .optional(),
});

const httpResponseSchema = z.object({ code: z.number(), statusText: z.string() });

function graphqlErrorsOf(error: GraphqlQueryError): ShopifyGraphqlError[] {
  const body: unknown = error.body;
  const parsed = throttledBodySchema.safeParse(body);
  const errors = parsed.success ? (parsed.data.errors?.graphQLErrors ?? []) : [];
  return errors.map((entry) => ({ message: entry.message, code: entry.extensions?.code }));
}

/** Milliseconds until the bucket holds the call's cost, plus up to 10% jitter. */
function throttleWaitMs(error: GraphqlQueryError, policy: RetryPolicy): number {
  const body: unknown = error.body;
  const parsed = throttledBodySchema.safeParse(body);
  const cost = parsed.success ? parsed.data.extensions?.cost : undefined;
  const status = cost?.throttleStatus;

  if (!status || status.restoreRate <= 0) {
    return policy.backoffMs;
  }

  // At least one point short, so a status that looks full still waits a little.
  const requested = cost.requestedQueryCost ?? status.maximumAvailable;
  const missingPoints = Math.max(1, requested - status.currentlyAvailable);
  const waitMs = (missingPoints / status.restoreRate) * 1000;

  return Math.ceil(waitMs * (1 + 0.1 * policy.random()));
}

function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceilingMs = Math.min(policy.retryDelayMaxMs, policy.retryDelayBaseMs * 2 ** (attempt - 1));
  return Math.ceil(ceilingMs / 2 + (ceilingMs / 2) * policy.random());
}

function classify(error: unknown, policy: RetryPolicy): Failure {
  if (error instanceof ShopifyTransientError) {
    return { kind: 'retry', reason: error.reason, waitMs: undefined };
  }

  if (error instanceof ShopifyRequestError) {
    return { kind: 'fatal', error };
  }

  if (error instanceof GraphqlQueryError) {
    const graphqlErrors = graphqlErrorsOf(error);
    const codes = graphqlErrors.map((entry) => entry.code);

    if (codes.includes('THROTTLED')) {
      return { kind: 'retry', reason: 'throttled', waitMs: throttleWaitMs(error, policy) };
    }
    if (codes.includes('INTERNAL_SERVER_ERROR')) {
      return { kind: 'retry', reason: 'server-error', waitMs: undefined };
    }

    const message = graphqlErrors.map((entry) => entry.message).join('; ') || error.message;
    const fatal = new ShopifyRequestError(message, 200, graphqlErrors, { cause: error });
    return { kind: 'fatal', error: fatal };
  }

  if (error instanceof HttpThrottlingError) {
    const retryAfterSeconds = error.response.retryAfter;
    const waitMs = retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000;
    return { kind: 'retry', reason: 'throttled', waitMs };
  }

  if (error instanceof HttpInternalError) {
    return { kind: 'retry', reason: 'server-error', waitMs: undefined };
  }

  if (error instanceof HttpRequestError) {
    const reason = /timeout|timed out/i.test(error.message) ? 'timeout' : 'network';
    return { kind: 'retry', reason, waitMs: undefined };
  }

  if (error instanceof HttpResponseError) {
    const response = httpResponseSchema.safeParse(error.response).data;
    const message = `Shopify answered HTTP ${response?.code} ${response?.statusText ?? ''}`.trim();
    const fatal = new ShopifyRequestError(message, response?.code, [], { cause: error });
    return { kind: 'fatal', error: fatal };
  }

  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'fatal',
    error: new ShopifyRequestError(message, undefined, [], { cause: error }),
  };
}

/**
 * Runs `call` until it succeeds, a failure is not worth retrying, or `attemptsMax` attempts
 * were made. `operation` names the call in logs.
 */
export async function withRetries<Result>(
  call: () => Promise<Result>,
  policy: RetryPolicy,
  operation: string,
): Promise<Result> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const failure = classify(error, policy);
      if (failure.kind === 'fatal') {
        throw failure.error;
      }

      const { shop } = policy;
      if (attempt >= policy.attemptsMax) {
        const message = `Shopify ${operation} failed ${attempt} times (${failure.reason})`;
        throw new ShopifyTransientError(message, failure.reason, attempt, { cause: error });
      }

      const waitMs = failure.waitMs ?? backoffMs(attempt, policy);
      if (failure.reason === 'throttled') {
        policy.logger?.warn({ attempt, waitMs, shop, operation }, 'shopify throttled');
      } else {
        const reason = failure.reason;
        policy.logger?.warn({ attempt, waitMs, shop, operation, reason }, 'shopify call failed');
      }

      await policy.sleep(waitMs);
    }
  }
}
