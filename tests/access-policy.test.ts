/**
 * The access policy, walked over the whole published schema: for every operation and every
 * field of every object type, as every role and as an anonymous caller, a real request over
 * HTTP (or a real subscription over WebSocket) reaches the field by a generated path, and what
 * the server answered is compared with the field's declared rule. A hand-written table of the
 * sensitive cases checks the same answers without asking the policy, and a focused test tries
 * every path by which the warehouse could read money.
 *
 * What it leaves out: a field behind a refused parent cannot be reached at all; it is recorded
 * as refused at that parent, which is what the caller experiences.
 */
import { readFileSync } from 'node:fs';

import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { authenticateCaller } from '../api/src/access/authenticate.ts';
import { anonymousCaller, type Caller } from '../api/src/access/callers.ts';
import { decide } from '../api/src/access/guard.ts';
import { roles, type Role } from '../api/src/access/permissions.ts';
import { describeRule, ruleFor } from '../api/src/access/policy.ts';
import { createToken } from '../api/src/access/tokens.ts';
import { createUser } from '../api/src/access/users.ts';
import { raiseException } from '../api/src/ledger/exceptions.ts';
import { publish } from '../api/src/platform/events.ts';
import { withTransaction } from '../api/src/platform/transaction.ts';
import { orderBody, variants } from '../api/src/shopify/simulator/webhook-bodies.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

type CallerName = Role | 'anonymous';

interface TestCaller {
  name: CallerName;
  /** Sent with every HTTP request. */
  headers: Record<string, string>;
  /** Sent with the WebSocket's upgrade request. */
  socketHeaders: Record<string, string>;
  /** The caller as the server resolves these credentials; what the policy decides against. */
  caller: Caller;
}

interface AnswerError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: AnswerError[];
}

const noOrigin = { address: null, userAgent: null };
const refusalCodes = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);
const printedSchema: GraphQLSchema = buildSchema(
  readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8'),
);
const rootTypes = ['Query', 'Mutation', 'Subscription'];

let system: TestSystem;
let callers: TestCaller[];

/** The password every role's person signs in with. */
const rolePassword = 'walking-the-policy-7c41';

/**
 * The one place a role becomes a caller: a person holding only that role, signed in through
 * `signIn` like the admin does, so requests carry the session cookie and the CSRF token, and
 * subscriptions authenticate by the cookie alone.
 */
async function callerFor(role: Role): Promise<TestCaller> {
  const email = `${role}@policy-walk.test`;
  const existing = await system.pool.query('SELECT 1 FROM users WHERE email = $1', [email]);
  if (existing.rowCount === 0) {
    const created = await createUser(system.pool, {
      email,
      name: `${role} person`,
      roles: [role],
      password: rolePassword,
      createdBy: 'test',
    });
    if (created.user === null) {
      throw new Error(`the ${role} person was refused: ${JSON.stringify(created.errors)}`);
    }
  }
  return signInAs(role, email);
}

async function signInAs(role: Role, email: string): Promise<TestCaller> {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($email: String!, $password: String!) {
        signIn(email: $email, password: $password) { viewer { csrfToken } errors { code } } }`,
      variables: { email, password: rolePassword },
    }),
  });
  const answer = (await response.json()) as {
    data?: { signIn: { viewer: { csrfToken: string } | null } };
  };
  const csrfToken = answer.data?.signIn.viewer?.csrfToken;
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (csrfToken === undefined || cookie === undefined) {
    throw new Error(`the ${role} person could not sign in: ${JSON.stringify(answer)}`);
  }

  const authentication = await authenticateCaller(system.pool, {
    authorization: undefined,
    cookie,
    origin: noOrigin,
  });
  if (authentication.outcome !== 'authenticated' || authentication.caller.kind !== 'user') {
    throw new Error(`the ${role} person's session was not accepted`);
  }
  return {
    name: role,
    headers: { cookie, 'x-csrf-token': csrfToken },
    socketHeaders: { cookie },
    caller: authentication.caller,
  };
}

const anonymous: TestCaller = {
  name: 'anonymous',
  headers: {},
  socketHeaders: {},
  caller: anonymousCaller(noOrigin),
};

async function post(caller: TestCaller, query: string): Promise<Answer> {
  const response = await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...caller.headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Answer;
}

function socketFor(caller: TestCaller): Client {
  return createClient({
    url: `${system.apiUrl?.replace('http', 'ws')}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: caller.socketHeaders });
      }
    },
    retryAttempts: 0,
  });
}

/** What the seeded data offers to reach every type. */
interface Seed {
  warehouseId: string;
  shopFloorId: string;
  costedSkuId: string;
  costedSkuCode: string;
  eurOrderId: string;
  resolvedExceptionId: string;
  /** A person and a token the walk's admin operations may change without harm to the walk. */
  bystanderUserId: string;
  bystanderTokenId: string;
  /** The EUR order's invoice, failed so that a retry has something to do, and its credit note. */
  failedInvoiceId: string;
  creditNoteId: string;
  /**
   * An open exception about the credit note, naming its totals: a total that differs on the
   * platform stays open after pushes, whatever the walk's retry does.
   */
  accountingExceptionId: string;
}

let seed: Seed;

beforeAll(async () => {
  // Walking signIn and changePassword with made-up values fails a few sign-ins on purpose.
  system = await startTestSystem({ signInThrottle: { delayFirstMs: 1, delayMaxMs: 1 } });
  callers = [...(await Promise.all(roles.map((role) => callerFor(role)))), anonymous];
  seed = await seedEveryType();
});

afterAll(async () => {
  await system.stopAll();
});

/**
 * Orders with money (one paid in EUR), an order that raises a shortage and one with a variant
 * the catalogue lacks (two open exceptions), a resolved exception, movements and a SKU with a
 * unit cost.
 */
async function seedEveryType(): Promise<Seed> {
  const locations = await system.graphql<{ locations: { id: string; name: string }[] }>(
    '{ locations { id name } }',
  );
  const warehouseId = locations.locations.find((l) => l.name.endsWith('Warehouse'))?.id ?? '';
  const shopFloorId = locations.locations.find((l) => l.name.endsWith('Shop'))?.id ?? '';

  const raw = readFixture('webhooks/D06-orders-create-1042-eur.json');
  await system.deliver('orders/create', null, { raw });
  await system.deliver('orders/create', null, {
    raw: readFixture('webhooks/D01-orders-create-1041.json'),
  });
  await system.deliver(
    'orders/create',
    orderBody(9400001, [
      { lineId: 9500001, ...variants.lamp, quantity: 100_000 },
      { lineId: 9500002, variantId: 47199999999999, sku: 'NOT-IN-CATALOGUE', quantity: 1 },
    ]),
  );
  await system.waitForProcessing();

  const skus = await system.graphql<{ skus: { id: string; code: string }[] }>(
    '{ skus(search: "HL-SPOON-ENML") { id code } }',
  );
  const costed = skus.skus[0];
  await system.graphql(
    `mutation { setUnitCost(input: { skuId: "${costed?.id}", amountMinor: 375 }) {
      errors { code } } }`,
  );
  await system.graphql(
    `mutation { receiveStock(input: {
      sku: "HL-SPOON-ENML", locationId: "${warehouseId}", quantity: 50 }) { errors { code } } }`,
  );

  const found = await system.graphql<{
    openExceptions: { id: string }[];
    order: { id: string } | null;
  }>('{ openExceptions { id } order(shopifyId: "5912345678902") { id } }');
  const resolvedExceptionId = found.openExceptions[0]?.id ?? '';
  await system.graphql(`mutation { resolveException(id: "${resolvedExceptionId}") {
    errors { code } } }`);

  const bystander = await createUser(system.pool, {
    email: 'bystander@policy-walk.test',
    roles: ['viewer'],
    createdBy: 'test',
  });
  // One failed sign-in, so that the bystander has a sign-in lock record to read.
  await fetch(`${system.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation { signIn(email: "bystander@policy-walk.test", password: "wrong") ' +
        '{ errors { code } } }',
    }),
  });
  const bystanderToken = await createToken(system.pool, {
    name: 'bystander',
    scopes: ['stock:read'],
  });
  const documents = await seedAccountingDocuments(found.order?.id ?? '');

  return {
    ...documents,
    bystanderUserId: bystander.user?.id ?? '',
    bystanderTokenId: bystanderToken.id,
    warehouseId,
    shopFloorId,
    costedSkuId: costed?.id ?? '',
    costedSkuCode: costed?.code ?? '',
    eurOrderId: found.order?.id ?? '',
    resolvedExceptionId,
  };
}

/**
 * An invoice of the EUR order that failed to push, with a line and an alert, and a credit note
 * of it already on the platform. Written as rows: making them is the push queue's work.
 */
async function seedAccountingDocuments(
  orderId: string,
): Promise<{ failedInvoiceId: string; creditNoteId: string; accountingExceptionId: string }> {
  const line = {
    kind: 'goods',
    description: 'Enamel spoon',
    sku: 'HL-SPOON-ENML',
    quantity: 2,
    unitAmountMinor: 650,
    discountAmountMinor: 0,
    lineTotalMinor: 1300,
    taxAmountMinor: 217,
    accountCode: '200',
    taxType: 'OUTPUT2',
  };
  const alert = { code: 'ROUNDING_LINE_ADDED', message: 'A rounding line of 0.01', amountMinor: 1 };
  const invoice = await system.pool.query<{ id: string }>(
    `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id, number,
       currency, subtotal_minor, tax_minor, total_minor, document_date, document, source, alerts,
       status, attempts, failure_reason)
     VALUES ('invoice', 'shopify:order:5912345678902:invoice', $1, 5912345678902, 'SHP-1042',
       'EUR', 1083, 217, 1300, '2026-12-01', $2, '{}', $3, 'failed', 3,
       'Account code 200 is archived in Xero')
     RETURNING id::text`,
    [orderId, { orderName: '#1042', lines: [line] }, JSON.stringify([alert])],
  );
  const creditNote = await system.pool.query<{ id: string }>(
    `INSERT INTO accounting_documents (kind, source_key, order_id, shopify_order_id,
       shopify_refund_id, invoice_id, number, currency, subtotal_minor, tax_minor, total_minor,
       document_date, document, source, status, platform, platform_id, platform_number,
       pushed_at, allocation_status)
     VALUES ('credit_note', 'shopify:refund:88001:credit_note', $1, 5912345678902, 88001, $2,
       'SHP-1042-R1', 'EUR', 542, 108, 650, '2026-12-02', $3, '{}', 'pushed', 'xero',
       'cn-walk-1', 'CN-0001', now(), 'allocated')
     RETURNING id::text`,
    [orderId, invoice.rows[0]?.id, { orderName: '#1042', lines: [{ ...line, quantity: 1 }] }],
  );
  const creditNoteId = creditNote.rows[0]?.id ?? '';
  const raised = await withTransaction(system.pool, (tx) =>
    raiseException(tx, {
      kind: 'ACCOUNTING_TOTAL_MISMATCH',
      message: 'credit note SHP-1042-R1 is 650 minor units of EUR here and 651 on xero',
      orderId,
      sourceKey: `accounting:document:${creditNoteId}:total-mismatch`,
      details: { documentId: creditNoteId, platform: 'xero', totalMinor: 650 },
    }),
  );
  return {
    failedInvoiceId: invoice.rows[0]?.id ?? '',
    creditNoteId,
    accountingExceptionId: raised ?? '',
  };
}

// ---------------------------------------------------------------------------------------------
// Generating requests from the schema

interface Selection {
  /** The response key: an alias or the field's name. */
  key: string;
  parentType: string;
  field: string;
  /** The named type of the field's value. */
  type: string;
  text: string;
  children: Selection[];
}

/**
 * Argument values that reach real data, by `Type.field.argument` or `InputType.field`. An
 * argument that is required and not named here gets a plain value of its type.
 */
function argumentValues(): Record<string, unknown> {
  return {
    'Query.sku.id': seed.costedSkuId,
    'Query.order.id': seed.eurOrderId,
    'Query.orders.first': 5,
    'Query.skus.first': 5,
    'Query.movements.first': 5,
    'Query.openExceptions.first': 5,
    // The two seeded documents; a page of five, each with its order, lines and exceptions,
    // would cost more than the API lets one request cost.
    'Query.accountingDocuments.first': 3,
    'Query.accountingDocument.id': seed.creditNoteId,
    'Mutation.retryAccountingDocument.id': seed.failedInvoiceId,
    'AccountingSettingsInput.salesAccount': '200',
    'AccountingSettingsInput.invoiceNumberPattern': 'SHP-{order_number}',
    'Mutation.resolveException.id': seed.resolvedExceptionId,
    'Mutation.resetPassword.userId': seed.bystanderUserId,
    'Mutation.endSessions.userId': seed.bystanderUserId,
    'Mutation.clearSignInLock.userId': seed.bystanderUserId,
    'UpdateUserInput.userId': seed.bystanderUserId,
    'Mutation.revokeApiToken.id': seed.bystanderTokenId,
    'SetUnitCostInput.skuId': seed.costedSkuId,
    'SetUnitCostInput.amountMinor': 375,
    'ReceiveStockInput.sku': seed.costedSkuCode,
    'ReceiveStockInput.locationId': seed.warehouseId,
    'ReceiveStockInput.quantity': 2,
    'AdjustStockInput.sku': seed.costedSkuCode,
    'AdjustStockInput.locationId': seed.warehouseId,
    'AdjustStockInput.quantityChange': 1,
    'AdjustStockInput.reason': 'FOUND',
    'TransferStockInput.sku': seed.costedSkuCode,
    'TransferStockInput.fromLocationId': seed.warehouseId,
    'TransferStockInput.toLocationId': seed.shopFloorId,
    'TransferStockInput.quantity': 1,
    'RecordCountInput.sku': seed.costedSkuCode,
    'RecordCountInput.locationId': seed.shopFloorId,
    'RecordCountInput.countedQuantity': 7,
  };
}

/**
 * A deliberately refused variant of an argument: every whole number negative and every id one
 * this system never gave out, so a mutation answers its payload's errors.
 */
function broken(value: unknown, type: GraphQLInputType): unknown {
  const named = getNamedType(type).name;
  if (named === 'Int') {
    return -1;
  }
  return named === 'ID' ? '999999999' : value;
}

function valueFor(
  key: string,
  type: GraphQLInputType,
  required: boolean,
  variant: 'valid' | 'invalid',
): unknown {
  const given = argumentValues()[key];
  const nullable = getNullableType(type);
  if (isInputObjectType(nullable) && (required || given !== undefined)) {
    const fields = Object.values(nullable.getFields()).flatMap((field) => {
      const fieldKey = `${nullable.name}.${field.name}`;
      const value = valueFor(fieldKey, field.type, isNonNullType(field.type), variant);
      return value === undefined ? [] : [[field.name, value] as const];
    });
    return Object.fromEntries(fields);
  }

  const plain = given ?? (required ? plainValueOf(nullable) : undefined);
  return plain === undefined || variant === 'valid' ? plain : broken(plain, type);
}

function plainValueOf(type: GraphQLInputType): unknown {
  if (isListType(type)) {
    return [];
  }
  if (isEnumType(type)) {
    return type.getValues()[0]?.value;
  }
  const plain: Record<string, unknown> = { Int: 1, Float: 1, Boolean: false, ID: '1' };
  return plain[getNamedType(type).name] ?? 'x';
}

function literal(value: unknown, type: GraphQLInputType): string {
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    const items = value.map((item) => literal(item, nullable.ofType));
    return `[${items.join(', ')}]`;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([name, item]) => `${name}: ${literal(item, fields[name]?.type ?? nullable)}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  return isEnumType(nullable) ? String(value) : JSON.stringify(value);
}

function argumentsText(
  parentType: string,
  field: GraphQLField<unknown, unknown>,
  variant: 'valid' | 'invalid',
): string {
  const parts = field.args.flatMap((argument) => {
    const key = `${parentType}.${field.name}.${argument.name}`;
    const value = valueFor(key, argument.type, isNonNullType(argument.type), variant);
    return value === undefined ? [] : [`${argument.name}: ${literal(value, argument.type)}`];
  });
  return parts.length === 0 ? '' : `(${parts.join(', ')})`;
}

/** Every field of the type, and below it every field of every type it leads to. */
function selectionsOf(type: GraphQLObjectType, trail: string[]): Selection[] {
  return Object.values(type.getFields()).flatMap((field) =>
    selectionOf(type.name, field, trail, field.name, 'valid'),
  );
}

function selectionOf(
  parentType: string,
  field: GraphQLField<unknown, unknown>,
  trail: string[],
  key: string,
  variant: 'valid' | 'invalid',
): Selection[] {
  const named = getNamedType(field.type);
  if (isObjectType(named) && trail.includes(named.name)) {
    // A type already on the path: it is walked where it first appears.
    return [];
  }
  const children = isObjectType(named) ? selectionsOf(named, [...trail, named.name]) : [];
  const alias = key === field.name ? '' : `${key}: `;
  const body = children.length === 0 ? '' : ` { ${children.map((c) => c.text).join(' ')} }`;
  return [
    {
      key,
      parentType,
      field: field.name,
      type: named.name,
      text: `${alias}${field.name}${argumentsText(parentType, field, variant)}${body}`,
      children,
    },
  ];
}

/** The response key: the field's name, or an alias for its run with refused input. */
function keyOf(field: string, variant: 'valid' | 'invalid'): string {
  return variant === 'valid' ? field : `${field}WithBadInput`;
}

function rootSelections(rootType: string, variants: ('valid' | 'invalid')[]): Selection[] {
  const root = printedSchema.getType(rootType);
  if (!isObjectType(root)) {
    return [];
  }
  return Object.values(root.getFields()).flatMap((field) =>
    variants.flatMap((variant) =>
      selectionOf(rootType, field, [rootType], keyOf(field.name, variant), variant),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Comparing answers with the policy

type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN';

/** Per caller, per `Type.field`: what was seen; `behind X` when a refused parent X hid it. */
const observed = new Map<CallerName, Map<string, Set<string>>>();
const problems: string[] = [];

function observe(caller: TestCaller, coordinate: string, outcome: string): void {
  const byCoordinate = observed.get(caller.name) ?? new Map<string, Set<string>>();
  observed.set(caller.name, byCoordinate);
  const outcomes = byCoordinate.get(coordinate) ?? new Set<string>();
  byCoordinate.set(coordinate, outcomes);
  outcomes.add(outcome);
}

function expectedOutcome(caller: TestCaller, coordinate: string): Outcome | undefined {
  const [typeName = '', fieldName = ''] = coordinate.split('.');
  const rule = ruleFor(typeName, fieldName);
  if (rule === undefined) {
    return undefined;
  }
  const verdict = decide(rule, caller.caller);
  return verdict === 'allowed'
    ? 'allowed'
    : verdict === 'unauthenticated'
      ? 'UNAUTHENTICATED'
      : 'FORBIDDEN';
}

/** Checks one answer field by field against the policy and records what each field did. */
function checkAnswer(
  caller: TestCaller,
  rootType: string,
  selections: Selection[],
  answer: Answer,
): void {
  const unmatched = new Set(answer.errors ?? []);
  const errorsAt = (path: (string | number)[]) => {
    const found = (answer.errors ?? []).filter((e) => e.path?.join('.') === path.join('.'));
    found.forEach((e) => unmatched.delete(e));
    return found;
  };

  const walk = (
    list: Selection[],
    parentType: string,
    parent: Record<string, unknown> | null,
    parentPath: (string | number)[],
  ) => {
    for (const selection of list) {
      const coordinate = `${parentType}.${selection.field}`;
      const path = [...parentPath, selection.key];
      const where = `${caller.name} at ${path.join('.')} (${coordinate})`;
      const expected = expectedOutcome(caller, coordinate);
      const errors = errorsAt(path);
      const codes = errors.map((e) => e.extensions?.code ?? e.message);
      const value = parent?.[selection.key];
      if (expected === undefined) {
        problems.push(`${coordinate} has no rule in the policy`);
        continue;
      }

      if (expected === 'allowed') {
        if (errors.length > 0) {
          problems.push(`${where}: allowed by the policy, answered ${codes.join(', ')}`);
        } else if (parent !== null && value === undefined) {
          problems.push(`${where}: allowed, but missing from the answer`);
        }
        observe(caller, coordinate, 'allowed');
        descend(selection, value, path);
        continue;
      }

      if (!codes.includes(expected)) {
        const rule = ruleFor(parentType, selection.field);
        problems.push(
          `${where}: needs ${rule === undefined ? '?' : describeRule(rule)}, expected ` +
            `${expected}, answered ${codes.join(', ') || JSON.stringify(value)}`,
        );
      } else {
        observe(caller, coordinate, expected);
      }
      if (value !== undefined && value !== null) {
        problems.push(`${where}: refused, yet a value came back`);
      }
      hideBehind(caller, selection, coordinate);
    }
  };

  const descend = (selection: Selection, value: unknown, path: (string | number)[]) => {
    if (selection.children.length === 0 || value === null || value === undefined) {
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        walk(selection.children, selection.type, item as Record<string, unknown>, [...path, index]),
      );
      return;
    }
    walk(selection.children, selection.type, value as Record<string, unknown>, path);
  };

  walk(selections, rootType, answer.data ?? null, []);
  for (const error of unmatched) {
    problems.push(
      `${caller.name}: error no field accounts for: ${error.extensions?.code} ` +
        `${error.message} at ${error.path?.join('.')}`,
    );
  }
}

function hideBehind(caller: TestCaller, selection: Selection, refusedAt: string): void {
  for (const child of selection.children) {
    observe(caller, `${selection.type}.${child.field}`, `behind ${refusedAt}`);
    hideBehind(caller, child, refusedAt);
  }
}

// ---------------------------------------------------------------------------------------------
// The walk

/** Whatever a refused request could have changed. */
async function fingerprint(): Promise<string> {
  const found = await system.pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM stock_movements)::text AS movements,
       (SELECT string_agg(id || ':' || unit_cost_minor || unit_cost_currency, ',' ORDER BY id)
        FROM skus WHERE unit_cost_minor IS NOT NULL) AS costs,
       (SELECT count(*) FROM stock_exceptions WHERE status = 'resolved')::text AS resolved,
       (SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM accounting_documents)
         AS documents,
       (SELECT updated_at::text FROM accounting_settings) AS settings`,
  );
  return JSON.stringify(found.rows[0]);
}

/**
 * Each query has a request of its own: a refused root field that cannot be null ends the
 * execution of its request, and every allowed one together would cost more than the API lets
 * one request cost.
 */
async function walkQueries(caller: TestCaller): Promise<void> {
  const groups = rootSelections('Query', ['valid']).map((selection) => [selection]);
  for (const group of groups) {
    const answer = await post(caller, `{ ${group.map((s) => s.text).join(' ')} }`);
    checkAnswer(caller, 'Query', group, answer);
  }
}

/**
 * Mutations run one after another and stop at the first refused one, so each refused one has
 * its own request, after which nothing may have changed, and then the allowed ones share one
 * (each once with valid input, once with input refused in its payload).
 */
async function walkMutations(caller: TestCaller): Promise<void> {
  const selections = rootSelections('Mutation', ['valid', 'invalid']);
  const allowed = selections.filter(
    (s) => expectedOutcome(caller, `Mutation.${s.field}`) === 'allowed',
  );
  const refusedOnes = selections.filter((s) => !allowed.includes(s) && s.key === s.field);
  for (const refused of refusedOnes) {
    const before = await fingerprint();
    const answer = await post(caller, `mutation { ${refused.text} }`);
    checkAnswer(caller, 'Mutation', [refused], answer);
    if ((await fingerprint()) !== before) {
      problems.push(`${caller.name}: refused ${refused.field} changed something`);
    }
  }

  // After the refused ones: signOut is among the allowed, and ends the session it runs in.
  if (allowed.length > 0) {
    const answer = await post(caller, `mutation { ${allowed.map((s) => s.text).join(' ')} }`);
    checkAnswer(caller, 'Mutation', allowed, answer);
  }
}

interface SubscriptionRun {
  caller: TestCaller;
  selection: Selection;
  outcome: Promise<{ answer: Answer } | { refusal: AnswerError[] | 'connection refused' }>;
}

/**
 * Subscribes every caller to every subscription at once, then makes one event of each kind; a
 * caller allowed to subscribe must hear it, field by field as its rules say.
 */
async function walkSubscriptions(): Promise<void> {
  const clients: Client[] = [];
  const runs: SubscriptionRun[] = [];
  for (const caller of callers) {
    const client = socketFor(caller);
    clients.push(client);
    for (const selection of rootSelections('Subscription', ['valid'])) {
      const outcome = new Promise<Awaited<SubscriptionRun['outcome']>>((resolve) => {
        client.subscribe(
          { query: `subscription { ${selection.text} }` },
          {
            next: (answer) => resolve({ answer: answer as Answer }),
            error: (error: unknown) =>
              resolve({
                refusal: Array.isArray(error) ? (error as AnswerError[]) : 'connection refused',
              }),
            complete: () => undefined,
          },
        );
      });
      runs.push({ caller, selection, outcome });
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));

  await system.deliver(
    'orders/create',
    orderBody(9400002, [
      { lineId: 9500003, ...variants.potSmall, quantity: 1 },
      { lineId: 9500004, variantId: 47199999999998, sku: 'ALSO-NOT-IN-CATALOGUE', quantity: 1 },
    ]),
  );
  await publish(system.pool, 'ACCOUNTING_DOCUMENT_CHANGED', {
    documentId: seed.creditNoteId,
    shopifyOrderId: '5912345678902',
    status: 'pushed',
  });

  for (const run of runs) {
    const outcome = await withTimeout(run.outcome, 15_000);
    checkSubscription(run, outcome);
  }
  for (const client of clients) {
    await client.dispose();
  }
}

function checkSubscription(
  run: SubscriptionRun,
  outcome: Awaited<SubscriptionRun['outcome']> | 'timed out',
): void {
  const { caller, selection } = run;
  const coordinate = `Subscription.${selection.field}`;
  const expected = expectedOutcome(caller, coordinate);
  if (outcome === 'timed out') {
    problems.push(`${caller.name}: ${coordinate} heard nothing (expected ${expected})`);
    return;
  }
  if ('answer' in outcome) {
    checkAnswer(caller, 'Subscription', [selection], outcome.answer);
    return;
  }

  // The server refuses an anonymous socket when it opens (close 4403), before any subscribe.
  const codes =
    outcome.refusal === 'connection refused'
      ? caller.name === 'anonymous'
        ? ['UNAUTHENTICATED']
        : ['connection refused']
      : outcome.refusal.map((e) => e.extensions?.code ?? e.message);
  if (expected === undefined || !codes.includes(expected)) {
    problems.push(
      `${caller.name}: ${coordinate} expected ${expected}, answered ${codes.join(', ')}`,
    );
    return;
  }
  observe(caller, coordinate, expected);
  hideBehind(caller, selection, coordinate);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
  });
  const outcome = await Promise.race([promise, timeout]);
  clearTimeout(timer);
  return outcome;
}

function objectFields(): { type: GraphQLObjectType; coordinates: string[] }[] {
  return Object.values(printedSchema.getTypeMap())
    .filter((type): type is GraphQLObjectType => isObjectType(type))
    .filter((type) => !type.name.startsWith('__'))
    .map((type) => ({
      type,
      coordinates: Object.keys(type.getFields()).map((field) => `${type.name}.${field}`),
    }));
}

function outcomesOf(caller: CallerName, coordinate: string): Set<string> {
  return observed.get(caller)?.get(coordinate) ?? new Set();
}

describe('the policy at every field, for every role and for anonymous callers', () => {
  beforeAll(async () => {
    for (const [index, caller] of callers.entries()) {
      await walkQueries(caller);
      await walkMutations(caller);
      // The walk signed this person out (signOut is one of the mutations): sign in again.
      if (caller.name !== 'anonymous') {
        callers[index] = await callerFor(caller.name);
      }
    }
    await walkSubscriptions();
  });

  it('has a rule for every field of the printed schema', () => {
    const missing = objectFields()
      .flatMap(({ coordinates }) => coordinates)
      .filter((coordinate) => {
        const [typeName = '', fieldName = ''] = coordinate.split('.');
        return ruleFor(typeName, fieldName) === undefined;
      });

    expect(missing).toEqual([]);
  });

  it('answers every field as its rule says', () => {
    expect(problems).toEqual([]);
  });

  it('reached every field of the schema as every caller', () => {
    const unreached = callers.flatMap((caller) =>
      objectFields()
        .flatMap(({ coordinates }) => coordinates)
        .filter((coordinate) => outcomesOf(caller.name, coordinate).size === 0)
        .map((coordinate) => `${caller.name}: ${coordinate}`),
    );

    expect(unreached).toEqual([]);
  });

  it('agrees with the hand-written table of sensitive fields', () => {
    // Written out by hand, not derived from the policy.
    const table: [CallerName, string, Outcome][] = [
      ['warehouse', 'Order.total', 'FORBIDDEN'],
      ['warehouse', 'OrderLine.unitPrice', 'FORBIDDEN'],
      ['warehouse', 'Sku.unitCost', 'FORBIDDEN'],
      ['warehouse', 'Mutation.setUnitCost', 'FORBIDDEN'],
      ['warehouse', 'Order.invoice', 'FORBIDDEN'],
      ['warehouse', 'Order.creditNotes', 'FORBIDDEN'],
      ['warehouse', 'Query.accountingDocuments', 'FORBIDDEN'],
      ['warehouse', 'Query.accountingSettings', 'FORBIDDEN'],
      ['warehouse', 'Mutation.retryAccountingDocument', 'FORBIDDEN'],
      ['warehouse', 'Subscription.accountingDocumentChanged', 'FORBIDDEN'],
      ['warehouse', 'Order.name', 'allowed'],
      ['warehouse', 'OrderLine.quantity', 'allowed'],
      ['warehouse', 'Sku.code', 'allowed'],
      ['warehouse', 'Mutation.receiveStock', 'allowed'],
      ['warehouse', 'Subscription.orderChanged', 'allowed'],
      ['finance', 'Order.total', 'allowed'],
      ['finance', 'OrderLine.unitPrice', 'allowed'],
      ['finance', 'Sku.unitCost', 'allowed'],
      ['finance', 'Money.amountMinor', 'allowed'],
      ['finance', 'Mutation.setUnitCost', 'allowed'],
      ['finance', 'Order.invoice', 'allowed'],
      ['finance', 'AccountingDocument.total', 'allowed'],
      ['finance', 'AccountingDocumentLine.lineTotal', 'allowed'],
      ['finance', 'Mutation.retryAccountingDocument', 'allowed'],
      ['finance', 'Mutation.updateAccountingSettings', 'allowed'],
      ['finance', 'Mutation.receiveStock', 'FORBIDDEN'],
      // Resolving is decided by the exception's area: finance reaches the field, and a stock
      // exception is refused in the payload (see 'exceptions by area' below).
      ['finance', 'Mutation.resolveException', 'allowed'],
      ['finance', 'AccountingDocument.exceptions', 'allowed'],
      ['finance', 'Order.accountingExceptions', 'allowed'],
      ['warehouse', 'Order.accountingExceptions', 'FORBIDDEN'],
      ['warehouse', 'Query.openExceptions', 'allowed'],
      ['warehouse', 'Query.openExceptionCount', 'allowed'],
      ['warehouse', 'Mutation.resolveException', 'allowed'],
      ['viewer', 'Order.total', 'allowed'],
      ['viewer', 'Sku.unitCost', 'allowed'],
      ['viewer', 'Query.stockLevels', 'allowed'],
      ['admin', 'Mutation.setUnitCost', 'allowed'],
      ['admin', 'Order.total', 'allowed'],
    ];
    // Fields anyone may use, signed in or not: asking who one is, and signing in.
    const openToAnyone = ['Query.viewer', 'Mutation.signIn'];
    // What any signed-in person may do, whatever their role.
    const openToPeople = ['Mutation.signIn', 'Mutation.signOut', 'Mutation.changePassword'];
    const rootFields = objectFields()
      .filter(({ type }) => rootTypes.includes(type.name))
      .flatMap(({ coordinates }) => coordinates);
    for (const coordinate of rootFields) {
      if (!openToAnyone.includes(coordinate)) {
        table.push(['anonymous', coordinate, 'UNAUTHENTICATED']);
      }
      if (coordinate.startsWith('Mutation.') && !openToPeople.includes(coordinate)) {
        table.push(['viewer', coordinate, 'FORBIDDEN']);
      }
    }

    const disagreements = table
      .filter(([caller, coordinate, outcome]) => {
        const seen = outcomesOf(caller, coordinate);
        return !seen.has(outcome) || (outcome !== 'allowed' && seen.has('allowed'));
      })
      .map(([caller, coordinate, outcome]) => {
        const seen = [...outcomesOf(caller, coordinate)].join(', ');
        return `${caller} ${coordinate}: expected ${outcome}, saw ${seen || 'nothing'}`;
      });
    const adminRefused = objectFields()
      .flatMap(({ coordinates }) => coordinates)
      .filter((coordinate) => !outcomesOf('admin', coordinate).has('allowed'));

    expect(disagreements).toEqual([]);
    expect(adminRefused).toEqual([]);
  });

  it('never lets the warehouse read an amount of money, on any path', () => {
    const moneyFields = objectFields()
      .flatMap(({ type }) => Object.values(type.getFields()).map((field) => ({ type, field })))
      .filter(
        ({ type, field }) => type.name === 'Money' || getNamedType(field.type).name === 'Money',
      )
      .map(({ type, field }) => `${type.name}.${field.name}`);

    const readable = moneyFields.filter((coordinate) =>
      outcomesOf('warehouse', coordinate).has('allowed'),
    );

    expect(moneyFields).toEqual(
      expect.arrayContaining(['Order.total', 'OrderLine.unitPrice', 'Sku.unitCost']),
    );
    expect(readable).toEqual([]);
  });
});

describe('the warehouse and money', () => {
  let warehouse: TestCaller;

  beforeAll(() => {
    warehouse = callers.find((caller) => caller.name === 'warehouse') ?? anonymous;
  });

  /** Every refusal in the answer as `code path`, sorted. */
  function refusalsOf(answer: Answer): string[] {
    return (answer.errors ?? [])
      .filter((error) => refusalCodes.has(error.extensions?.code ?? ''))
      .map((error) => `${error.extensions?.code} ${error.path?.join('.')}`)
      .sort();
  }

  it('reads orders and lines, but no total or unit price', async () => {
    // Given orders with totals and line prices (seeded)
    // When the warehouse asks for them through the list, one order, an alias and a fragment
    const answer = await post(
      warehouse,
      `{ orders(first: 3) { name total { amountMinor } lines { title unitPrice { currency } } }
         order(id: "${seed.eurOrderId}") { name total { amountMinor currency } }
         paid: orders(first: 1) { ...amounts } }
       fragment amounts on Order { charged: total { amountMinor } }`,
    );

    // Then every order and line arrives, and every amount is null and refused where it sits
    const data = answer.data as {
      orders: { name: string; total: null; lines: { title: string; unitPrice: null }[] }[];
      order: { name: string; total: null };
      paid: { charged: null }[];
    };
    expect(data.orders).toHaveLength(3);
    expect(data.order).toEqual({ name: '#1042', total: null });
    expect(data.paid).toEqual([{ charged: null }]);
    const expected = [
      ...data.orders.flatMap((order, index) => [
        `FORBIDDEN orders.${index}.total`,
        ...order.lines.map((_line, line) => `FORBIDDEN orders.${index}.lines.${line}.unitPrice`),
      ]),
      'FORBIDDEN order.total',
      'FORBIDDEN paid.0.charged',
    ].sort();
    expect(data.orders.every((order) => order.total === null && order.name !== '')).toBe(true);
    expect(refusalsOf(answer)).toEqual(expected);
    expect(answer.errors).toHaveLength(expected.length);
  });

  it('reads SKUs, but no unit cost, and cannot set one', async () => {
    // Given a SKU with a unit cost (seeded)
    const before = await fingerprint();

    // When the warehouse reads it through the list and by id, and tries to set it
    const read = await post(
      warehouse,
      `{ skus(search: "${seed.costedSkuCode}") { code unitCost { amountMinor } }
         sku(id: "${seed.costedSkuId}") { code unitCost { amountMinor currency } } }`,
    );
    const write = await post(
      warehouse,
      `mutation { setUnitCost(input: { skuId: "${seed.costedSkuId}", amountMinor: 1 }) {
        sku { unitCost { amountMinor } } errors { code } } }`,
    );

    // Then the SKUs arrive without their cost, the change is refused and nothing changed
    expect(read.data).toEqual({
      skus: [{ code: seed.costedSkuCode, unitCost: null }],
      sku: { code: seed.costedSkuCode, unitCost: null },
    });
    expect(refusalsOf(read)).toEqual(['FORBIDDEN sku.unitCost', 'FORBIDDEN skus.0.unitCost']);
    expect(write.data).toBeNull();
    expect(refusalsOf(write)).toEqual(['FORBIDDEN setUnitCost']);
    expect(await fingerprint()).toBe(before);
  });

  it('hears an order change over WebSocket without its total or unit prices', async () => {
    // Given the warehouse subscribed to order changes
    const client = socketFor(warehouse);
    const heard = new Promise<Answer>((resolve, reject) => {
      client.subscribe(
        {
          query: `subscription { orderChanged {
            name total { amountMinor } lines { quantity unitPrice { amountMinor } } } }`,
        },
        { next: (answer) => resolve(answer as Answer), error: reject, complete: () => undefined },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    // When an order arrives
    await system.deliver(
      'orders/create',
      orderBody(9400003, [{ lineId: 9500005, ...variants.doormat, quantity: 1, price: '32.00' }]),
    );
    const answer = await heard;
    await client.dispose();

    // Then the change arrives with the order and its lines, and no amount
    expect(answer.data).toEqual({
      orderChanged: { name: '#3', total: null, lines: [{ quantity: 1, unitPrice: null }] },
    });
    expect(refusalsOf(answer)).toEqual([
      'FORBIDDEN orderChanged.lines.0.unitPrice',
      'FORBIDDEN orderChanged.total',
    ]);
  });
});

describe('exceptions by area', () => {
  let warehouse: TestCaller;
  let finance: TestCaller;
  /** A token holding finance:read alone: no stock:read, no orders:read. */
  let financeReader: TestCaller;
  let openStockExceptionId = '';

  beforeAll(async () => {
    warehouse = callers.find((caller) => caller.name === 'warehouse') ?? anonymous;
    finance = callers.find((caller) => caller.name === 'finance') ?? anonymous;
    const token = await createToken(system.pool, { name: 'books', scopes: ['finance:read'] });
    const authorization = `Bearer ${token.token}`;
    const authentication = await authenticateCaller(system.pool, {
      authorization,
      cookie: undefined,
      origin: noOrigin,
    });
    if (authentication.outcome !== 'authenticated') {
      throw new Error('the finance:read token was not accepted');
    }
    financeReader = {
      name: 'viewer',
      headers: { authorization },
      socketHeaders: { authorization },
      caller: authentication.caller,
    };
    const open = await system.pool.query<{ id: string }>(
      `SELECT id::text FROM stock_exceptions
       WHERE status = 'open' AND kind NOT LIKE 'ACCOUNTING%' ORDER BY id LIMIT 1`,
    );
    openStockExceptionId = open.rows[0]?.id ?? '';
  });

  async function kindsListed(caller: TestCaller, query = '{ openExceptions { kind } }') {
    const answer = await post(caller, query);
    const listed = (answer.data?.openExceptions ?? []) as { kind: string }[];
    return { kinds: [...new Set(listed.map((each) => each.kind))].sort(), answer };
  }

  async function statusOf(exceptionId: string): Promise<string | undefined> {
    const found = await system.pool.query<{ status: string }>(
      'SELECT status FROM stock_exceptions WHERE id = $1',
      [exceptionId],
    );
    return found.rows[0]?.status;
  }

  it('lists accounting exceptions to finance, and none to the warehouse', async () => {
    // Given an open accounting exception and open stock exceptions (seeded)
    // When each lists and counts open exceptions
    const byWarehouse = await kindsListed(warehouse);
    const byFinance = await kindsListed(finance);
    const counted = await post(
      finance,
      `{ all: openExceptionCount
         stock: openExceptionCount(area: STOCK)
         accounting: openExceptionCount(area: ACCOUNTING) }`,
    );
    const listedLength = (answer: Answer) => (answer.data?.openExceptions as unknown[]).length;

    // Then the warehouse sees stock kinds only, finance both, and the counts agree
    expect(byWarehouse.kinds).toContain('UNMAPPED_VARIANT');
    expect(byWarehouse.kinds.filter((kind) => kind.startsWith('ACCOUNTING'))).toEqual([]);
    expect(byFinance.kinds).toEqual(
      expect.arrayContaining(['ACCOUNTING_TOTAL_MISMATCH', ...byWarehouse.kinds]),
    );
    const all = listedLength(byFinance.answer);
    const stock = listedLength(byWarehouse.answer);
    expect(counted.data).toEqual({ all, stock, accounting: all - stock });
    expect(all - stock).toBeGreaterThan(0);
  });

  it('answers a kind of exception that does not exist as a bad argument', async () => {
    for (const caller of [warehouse, finance]) {
      const answer = await post(
        caller,
        '{ openExceptions(area: ACCOUNTING, kind: "NOT_A_KIND") { message } }',
      );

      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.message).toMatch(/^kind: "NOT_A_KIND" is not a kind/);
    }
  });

  it('refuses the warehouse a list of accounting exceptions, by area or kind', async () => {
    const byArea = await post(warehouse, '{ openExceptions(area: ACCOUNTING) { message } }');
    const byKind = await post(
      warehouse,
      '{ openExceptions(kind: "ACCOUNTING_DOCUMENT_FAILED") { message } }',
    );
    const toVoid = await post(
      warehouse,
      '{ openExceptions(kind: "ACCOUNTING_INVOICE_TO_VOID") { message } }',
    );
    const counted = await post(warehouse, '{ openExceptionCount(area: ACCOUNTING) }');

    for (const answer of [byArea, byKind, toVoid, counted]) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(answer.errors?.[0]?.message).toContain('finance:read');
    }
  });

  it('lists accounting exceptions only to a finance caller without stock:read', async () => {
    const listed = await kindsListed(financeReader, '{ openExceptions { kind message } }');
    const stock = await post(financeReader, '{ openExceptions(area: STOCK) { kind } }');

    expect(listed.kinds).toContain('ACCOUNTING_TOTAL_MISMATCH');
    expect(listed.kinds.every((kind) => kind.startsWith('ACCOUNTING_'))).toBe(true);
    expect(listed.answer.errors).toBeUndefined();
    expect(stock.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it("lets neither warehouse resolve finance's exceptions nor finance warehouse's", async () => {
    const resolve = (caller: TestCaller, id: string) =>
      post(
        caller,
        `mutation { resolveException(id: "${id}", note: "done") {
          exception { id message } errors { field code message } } }`,
      );

    // When the warehouse resolves the accounting exception, and finance a stock exception
    const byWarehouse = await resolve(warehouse, seed.accountingExceptionId);
    const byFinance = await resolve(finance, openStockExceptionId);

    // Then each is refused in the payload, with no exception told, and both stay open
    expect(byWarehouse.data).toEqual({
      resolveException: {
        exception: null,
        errors: [
          {
            field: 'id',
            code: 'FORBIDDEN',
            message:
              'Resolving accounting exceptions needs the finance:write permission, which this ' +
              'caller does not have',
          },
        ],
      },
    });
    expect(byFinance.data?.resolveException).toMatchObject({
      exception: null,
      errors: [{ field: 'id', code: 'FORBIDDEN' }],
    });
    expect(await statusOf(seed.accountingExceptionId)).toBe('open');
    expect(await statusOf(openStockExceptionId)).toBe('open');
  });

  it('tells the warehouse of new stock exceptions only, over WebSocket', async () => {
    // Given the warehouse and the finance-only token subscribed to new exceptions
    const firstHeard = (caller: TestCaller) => {
      const client = socketFor(caller);
      const heard = new Promise<Answer>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription { exceptionRaised { kind message } }' },
          { next: (answer) => resolve(answer as Answer), error: reject, complete: () => undefined },
        );
      });
      return { client, heard };
    };
    const byWarehouse = firstHeard(warehouse);
    const byFinanceReader = firstHeard(financeReader);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // When an accounting exception is raised, then a stock one
    await withTransaction(system.pool, async (tx) => {
      await raiseException(tx, {
        kind: 'ACCOUNTING_TOTAL_MISMATCH',
        message: 'invoice SHP-1042 is 1300 minor units of EUR here and 1301 on xero',
        sourceKey: 'test:area-feed:accounting',
      });
      await raiseException(tx, {
        kind: 'INVENTORY_DRIFT',
        message: 'HL-SPOON-ENML drifted by 1 at the warehouse',
        sourceKey: 'test:area-feed:stock',
      });
    });
    const [warehouseHeard, financeHeard] = await Promise.all([
      byWarehouse.heard,
      byFinanceReader.heard,
    ]);
    await byWarehouse.client.dispose();
    await byFinanceReader.client.dispose();

    // Then the warehouse's first news is the stock one, the finance token's the accounting one
    expect(warehouseHeard.data).toEqual({
      exceptionRaised: {
        kind: 'INVENTORY_DRIFT',
        message: 'HL-SPOON-ENML drifted by 1 at the warehouse',
      },
    });
    expect(financeHeard.data).toMatchObject({
      exceptionRaised: { kind: 'ACCOUNTING_TOTAL_MISMATCH' },
    });
  });

  it('lets finance resolve an accounting exception', async () => {
    const answer = await post(
      finance,
      `mutation { resolveException(id: "${seed.accountingExceptionId}", note: "code restored") {
        exception { status resolvedBy } errors { code } } }`,
    );

    expect(answer.data).toEqual({
      resolveException: {
        exception: { status: 'resolved', resolvedBy: finance.caller.actor },
        errors: [],
      },
    });
  });
});
