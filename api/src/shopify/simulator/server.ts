// A local HTTP server speaking the part of Shopify's Admin GraphQL API the system uses, so the
// real `@shopify/shopify-api` client runs against it with only the URL differing. It checks the
// access token, charges a leaky bucket by calculated query cost (THROTTLED answers as Shopify
// gives them: HTTP 200, no data), runs the query with graphql-js, injects faults on demand, and
// sends signed webhooks.
// Leaves out: REST endpoints, OAuth, bulk operations, API version sunsetting (any `YYYY-MM` or
// `unstable` is served), and the 429 Shopify answers when too many calls are in flight at once.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  Kind,
  OperationTypeNode,
  execute,
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  parse,
  validate,
} from 'graphql';
import type { Logger } from 'pino';

import { readRequestText } from '../../platform/http-request.ts';
import { defaultCataloguePath, loadCatalogue } from './catalogue.ts';
import { LeakyBucket, type ThrottleStatus, actualQueryCost, requestedQueryCost } from './cost.ts';
import type { SetQuantitiesOutcome } from './inventory.ts';
import {
  type SetQuantitiesCallContext,
  type SimulatorContext,
  makeRootValue,
} from './resolvers.ts';
import { buildSimulatorSchema } from './schema.ts';
import { type ChangeRecord, type UserErrorRecord, SimulatorStore } from './store.ts';
import { type WebhookDelivery, deliverWebhook } from './webhooks.ts';

export const simulatorAccessTokenDefault = 'shpat_simulator';
export const simulatorClientSecretDefault = 'hl_test_client_secret_4f1d9c0b7e2a';

export interface ShopifySimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 by default. */
  host?: string;
  /** The `X-Shopify-Access-Token` every call must carry. */
  accessToken?: string;
  /** The app's client secret, which signs webhooks. */
  clientSecret?: string;
  /** Catalogue fixture to load; the copy beside this module by default. */
  cataloguePath?: string;
  /** Bucket size in cost points; 1000 by default (Shopify's standard plan). */
  maximumAvailable?: number;
  /** Points restored a second; 100 by default (Shopify's standard plan). */
  restoreRate?: number;
  /** The `X-Shopify-API-Version` webhooks carry; 2026-01 by default. */
  webhookApiVersion?: string;
  logger?: Logger;
  /** Clock for timestamps the simulator writes (adjustment groups, level updates). */
  now?: () => Date;
}

/** A misbehaviour to show for the next `count` GraphQL calls. */
export interface SimulatorFault {
  kind: 'throttled' | 'throttled-without-status' | 'http-500' | 'delay';
  /** For `delay`: how long to hold the answer after running the call. */
  delayMs?: number;
  count: number;
}

/** How an `inventorySetQuantities` call ended, including calls that never ran. */
export type SetQuantityCallOutcome = SetQuantitiesOutcome | 'throttled' | 'http-500';

/** One `inventorySetQuantities` call the simulator received. */
export interface SetQuantityCall {
  apiVersion: string;
  idempotencyKey: string | null;
  /** The `input` argument as received (after variable substitution). */
  input: unknown;
  outcome: SetQuantityCallOutcome;
  userErrors: UserErrorRecord[];
  /** Changes applied by this call; empty unless `outcome` is `applied`. */
  changes: ChangeRecord[];
  /** For `error`: the top-level error message. */
  errorMessage: string | null;
}

/** One inventory level as the simulator holds it. */
export interface SimulatorLevel {
  inventoryItemGid: string;
  locationGid: string;
  sku: string | null;
  available: number;
  onHand: number;
  committed: number;
}

export interface ShopifySimulator {
  /** Base URL, e.g. `http://127.0.0.1:7001`; the Admin API lives under `/admin/api/`. */
  url: string;
  shopDomain: string;
  accessToken: string;
  clientSecret: string;
  /** The simulator's state, for the order stream and for tests that need more than levels. */
  store: SimulatorStore;
  close(): Promise<void>;
  levels(): SimulatorLevel[];
  /** Current `available`, or undefined when the item is not stocked at the location. */
  available(inventoryItemGid: string, locationGid: string): number | undefined;
  /** Changes `available` behind the system's back, as a merchant editing in the admin would. */
  setAvailable(inventoryItemGid: string, locationGid: string, quantity: number): void;
  /** Every `inventorySetQuantities` call received, oldest first. */
  readonly setQuantityCalls: readonly SetQuantityCall[];
  injectFault(fault: SimulatorFault): void;
  throttleStatus(): ThrottleStatus;
  /** Posts a signed webhook; answers the receiver's HTTP status. */
  sendWebhook(delivery: WebhookDelivery): Promise<number>;
}

const throttledDocumentation = 'https://shopify.dev/api/usage/rate-limits';
const invalidTokenBody = {
  errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
};

interface GraphqlRequestBody {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

interface JsonAnswer {
  status: number;
  body: unknown;
  delayMs: number;
}

function readGraphqlBody(text: string): GraphqlRequestBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }

  if (!parsed || typeof parsed !== 'object' || !('query' in parsed)) {
    return undefined;
  }

  const { query } = parsed;
  const variables = 'variables' in parsed ? parsed.variables : undefined;
  const operationName = 'operationName' in parsed ? parsed.operationName : undefined;
  if (typeof query !== 'string') {
    return undefined;
  }

  return {
    query,
    variables:
      variables && typeof variables === 'object'
        ? Object.fromEntries(Object.entries(variables))
        : {},
    operationName: typeof operationName === 'string' ? operationName : undefined,
  };
}

function send(response: ServerResponse, status: number, body: unknown, apiVersion?: string): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('X-Request-Id', randomUUID());
  if (apiVersion) {
    response.setHeader('X-Shopify-API-Version', apiVersion);
  }
  response.end(text);
}

function errorsBody(errors: readonly GraphQLError[]): { errors: unknown[] } {
  return { errors: errors.map((error) => error.toJSON()) };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

/** `inventorySetQuantities` fields in a mutation, with their input, for recording refusals. */
function setQuantitiesFieldsOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variableValues: Record<string, unknown>,
): { input: unknown; idempotencyKey: string | null }[] {
  const definition = schema.getMutationType()?.getFields()['inventorySetQuantities'];
  const directive = schema.getDirective('idempotent');
  if (operation.operation !== OperationTypeNode.MUTATION || !definition || !directive) {
    return [];
  }

  return operation.selectionSet.selections.flatMap((selection) => {
    if (selection.kind !== Kind.FIELD || selection.name.value !== definition.name) {
      return [];
    }

    const args = getArgumentValues(definition, selection, variableValues);
    const key = getDirectiveValues(directive, selection, variableValues)?.['key'];
    return [{ input: args['input'], idempotencyKey: typeof key === 'string' ? key : null }];
  });
}

class SimulatorEngine {
  readonly schema: GraphQLSchema = buildSimulatorSchema();
  readonly bucket: LeakyBucket;
  readonly calls: SetQuantityCall[] = [];
  readonly faults: SimulatorFault[] = [];
  private readonly rootValue: ReturnType<typeof makeRootValue>;

  constructor(
    readonly store: SimulatorStore,
    readonly accessToken: string,
    maximumAvailable: number,
    restoreRate: number,
    private readonly logger: Logger | undefined,
  ) {
    this.bucket = new LeakyBucket(maximumAvailable, restoreRate);
    this.rootValue = makeRootValue(store);
  }

  private takeFault(): SimulatorFault | undefined {
    const fault = this.faults[0];
    if (!fault) {
      return undefined;
    }

    fault.count -= 1;
    if (fault.count <= 0) {
      this.faults.shift();
    }
    return fault;
  }

  private recordUnrun(
    apiVersion: string,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    outcome: 'throttled' | 'http-500',
  ): void {
    const fields = setQuantitiesFieldsOf(this.schema, operation, variables);
    for (const { input, idempotencyKey } of fields) {
      const call = { apiVersion, idempotencyKey, input, outcome, userErrors: [], changes: [] };
      this.calls.push({ ...call, errorMessage: null });
    }
  }

  private recordRun(apiVersion: string, call: SetQuantitiesCallContext): void {
    const payload = call.result?.payload;
    const outcome = call.result?.outcome ?? 'error';
    this.calls.push({
      apiVersion,
      idempotencyKey: call.idempotencyKey,
      input: call.input,
      outcome,
      userErrors: payload?.userErrors ?? [],
      changes: outcome === 'applied' ? (payload?.inventoryAdjustmentGroup?.changes ?? []) : [],
      errorMessage: call.error?.message ?? null,
    });
  }

  private throttled(requestedCost: number, withStatus: boolean): JsonAnswer {
    const cost = withStatus
      ? {
          requestedQueryCost: requestedCost,
          actualQueryCost: null,
          throttleStatus: this.bucket.status(),
        }
      : { requestedQueryCost: requestedCost, actualQueryCost: null };
    const error = {
      message: 'Throttled',
      extensions: { code: 'THROTTLED', documentation: throttledDocumentation },
    };
    return { status: 200, body: { errors: [error], extensions: { cost } }, delayMs: 0 };
  }

  private tooExpensive(requestedCost: number): JsonAnswer {
    const maxCost = this.bucket.maximumAvailable;
    const message =
      `Query cost is ${requestedCost}, which exceeds the single query max cost limit ` +
      `(${maxCost}).`;
    const extensions = { code: 'MAX_COST_EXCEEDED', cost: requestedCost, maxCost };
    return { status: 200, body: { errors: [{ message, extensions }] }, delayMs: 0 };
  }

  /** Answers one GraphQL call; the HTTP layer has already checked path and token. */
  async answer(apiVersion: string, text: string): Promise<JsonAnswer> {
    const request = readGraphqlBody(text);
    if (!request) {
      const body = { errors: { query: 'Required parameter missing or invalid' } };
      return { status: 400, body, delayMs: 0 };
    }

    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 200, body: { errors: [{ message }] }, delayMs: 0 };
    }

    const validationErrors = validate(this.schema, document);
    const operation = getOperationAST(document, request.operationName);
    if (validationErrors.length > 0 || !operation) {
      const noOperation = { errors: [{ message: 'No operation given' }] };
      const body = validationErrors.length > 0 ? errorsBody(validationErrors) : noOperation;
      return { status: 200, body, delayMs: 0 };
    }

    const coerced = getVariableValues(
      this.schema,
      operation.variableDefinitions ?? [],
      request.variables,
    );
    if (coerced.errors) {
      return { status: 200, body: errorsBody(coerced.errors), delayMs: 0 };
    }

    return this.run(apiVersion, document, operation, request, coerced.coerced);
  }

  private async run(
    apiVersion: string,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    request: GraphqlRequestBody,
    variableValues: Record<string, unknown>,
  ): Promise<JsonAnswer> {
    const fragments = fragmentsOf(document);
    const requestedCost = requestedQueryCost(this.schema, operation, fragments, variableValues);
    const fault = this.takeFault();

    if (fault?.kind === 'http-500') {
      this.recordUnrun(apiVersion, operation, variableValues, 'http-500');
      return { status: 500, body: { errors: 'Internal Server Error' }, delayMs: 0 };
    }

    if (fault?.kind === 'throttled' || fault?.kind === 'throttled-without-status') {
      this.recordUnrun(apiVersion, operation, variableValues, 'throttled');
      if (fault.kind === 'throttled') {
        this.bucket.drain();
      }
      return this.throttled(requestedCost, fault.kind === 'throttled');
    }

    if (requestedCost > this.bucket.maximumAvailable) {
      return this.tooExpensive(requestedCost);
    }

    if (!this.bucket.tryTake(requestedCost)) {
      this.recordUnrun(apiVersion, operation, variableValues, 'throttled');
      this.logger?.debug({ requestedCost, apiVersion }, 'shopify simulator throttled a call');
      return this.throttled(requestedCost, true);
    }

    const contextValue: SimulatorContext = {
      store: this.store,
      apiVersion,
      onSetQuantities: (call) => this.recordRun(apiVersion, call),
    };

    const result = await execute({
      schema: this.schema,
      document,
      rootValue: this.rootValue,
      contextValue,
      variableValues: request.variables,
      operationName: request.operationName,
    });

    const data = result.data ?? null;
    const actualCost = actualQueryCost(this.schema, operation, fragments, variableValues, data);
    this.bucket.refund(Math.max(0, requestedCost - actualCost));

    const cost = {
      requestedQueryCost: requestedCost,
      actualQueryCost: actualCost,
      throttleStatus: this.bucket.status(),
    };
    const body = {
      ...(result.errors ? errorsBody(result.errors) : {}),
      data,
      extensions: { cost },
    };
    const delayMs = fault?.kind === 'delay' ? (fault.delayMs ?? 1000) : 0;

    return { status: 200, body, delayMs };
  }
}

function describeLevels(store: SimulatorStore): SimulatorLevel[] {
  return [...store.levels.values()].map((level) => {
    const item = store.inventoryItems.get(level.inventoryItemGid);
    const variant = item ? store.variants.get(item.variantGid) : undefined;
    return {
      inventoryItemGid: level.inventoryItemGid,
      locationGid: level.locationGid,
      sku: variant?.sku ?? null,
      available: level.quantities.available,
      onHand: level.quantities.on_hand,
      committed: level.quantities.committed,
    };
  });
}

/** Starts a simulator and resolves once it listens. */
export async function startShopifySimulator(
  options: ShopifySimulatorOptions = {},
): Promise<ShopifySimulator> {
  const catalogue = loadCatalogue(options.cataloguePath ?? defaultCataloguePath());
  const store = new SimulatorStore(catalogue, options.now);
  const accessToken = options.accessToken ?? simulatorAccessTokenDefault;
  const clientSecret = options.clientSecret ?? simulatorClientSecretDefault;
  const logger = options.logger;

  const engine = new SimulatorEngine(
    store,
    accessToken,
    options.maximumAvailable ?? 1000,
    options.restoreRate ?? 100,
    logger,
  );

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://simulator').pathname;
    const match = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.exec(path);
    const apiVersion = match?.[1];

    if (request.method !== 'POST' || !apiVersion) {
      send(response, 404, { errors: 'Not Found' });
      return;
    }

    if (request.headers['x-shopify-access-token'] !== accessToken) {
      send(response, 401, invalidTokenBody);
      return;
    }

    const answer = await engine.answer(apiVersion, await readRequestText(request));
    if (answer.delayMs > 0) {
      await sleep(answer.delayMs);
    }

    send(response, answer.status, answer.body, apiVersion);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger?.error({ err: error }, 'shopify simulator failed a request');
      if (!response.headersSent) {
        send(response, 500, { errors: 'Internal Server Error' });
      }
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  logger?.info({ url, shop: store.shop.myshopifyDomain }, 'shopify simulator listening');

  return {
    url,
    shopDomain: store.shop.myshopifyDomain,
    accessToken,
    clientSecret,
    store,
    setQuantityCalls: engine.calls,

    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),

    levels: () => describeLevels(store),

    available: (inventoryItemGid, locationGid) =>
      store.level(inventoryItemGid, locationGid)?.quantities.available,

    setAvailable: (inventoryItemGid, locationGid, quantity) => {
      const before = store.level(inventoryItemGid, locationGid)?.quantities.available ?? 0;
      const delta = quantity - before;
      store.adjust(inventoryItemGid, locationGid, { available: delta, on_hand: delta });
    },

    injectFault: (fault) => {
      engine.faults.push({ ...fault });
    },

    throttleStatus: () => engine.bucket.status(),

    sendWebhook: (delivery) =>
      deliverWebhook(
        {
          shopDomain: store.shop.myshopifyDomain,
          apiVersion: options.webhookApiVersion ?? '2026-01',
          clientSecret,
        },
        delivery,
      ),
  };
}
