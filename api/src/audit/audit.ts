/**
 * The audit trail's storage: an event is written when a request that changes something starts
 * (who, what, a summary of the input, from where) and its outcome is appended when it ends.
 * Both tables are append-only in the database; nothing here can change or remove a row.
 *
 * Also the summariser that turns arguments into what is safe and small enough to keep: secrets
 * replaced, long text and lists cut, the whole capped. Deciding the outcome of a GraphQL
 * request lives in plugin.ts; reading the trail through the API in graphql.ts.
 */
import type { Caller } from '../access/callers.ts';
import type { Queryable } from '../platform/transaction.ts';

export const auditOutcomes = ['succeeded', 'rejected', 'refused', 'failed'] as const;
/**
 * How a request ended: `succeeded`; `rejected`, refused by the business rules or as malformed
 * input (a payload `errors` list, a bad argument); `refused`, the caller was not authenticated
 * or not allowed; `failed`, an internal error.
 */
export type AuditOutcome = (typeof auditOutcomes)[number];

export const actorKinds = ['user', 'token', 'anonymous', 'cli'] as const;
export type ActorKind = (typeof actorKinds)[number];

export const auditChannels = ['graphql', 'cli'] as const;
export type AuditChannel = (typeof auditChannels)[number];

export interface AuditActor {
  /** `user:<id>`, `token:<id>`, `anonymous`, `cli:<os user>`. */
  actor: string;
  actorKind: ActorKind;
  /** What a person recognises: the user's email, the token's name, the OS user. */
  actorLabel: string;
}

export interface AuditEventInput extends AuditActor {
  /** The root fields of a mutation (`receiveStock`), or the command (`qm tokens create`). */
  operation: string;
  /** Already summarised (see summariseInput). */
  input: Record<string, unknown>;
  sourceAddress: string | null;
  userAgent: string | null;
  channel: AuditChannel;
}

export interface AuditOutcomeInput {
  outcome: AuditOutcome;
  /** Error codes and messages; never a secret, since it holds only what the API answered. */
  detail: Record<string, unknown>;
  /** Who or what the operation was about, e.g. `user:7` for a sign-in, `token:5` when made. */
  subject: string | null;
}

export function actorOfCaller(caller: Caller): AuditActor {
  return { actor: caller.actor, actorKind: caller.kind, actorLabel: caller.label };
}

/** Writes the event of a request about to run; answers its id. */
export async function beginAuditEvent(db: Queryable, event: AuditEventInput): Promise<string> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO audit_events (actor, actor_kind, actor_label, operation, input, source_address,
       user_agent, channel)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id::text`,
    eventValues(event),
  );
  return inserted.rows[0]?.id ?? '';
}

/** Appends how the event's request ended; an event has at most one outcome. */
export async function recordAuditOutcome(
  db: Queryable,
  auditEventId: string,
  outcome: AuditOutcomeInput,
): Promise<void> {
  await db.query(
    `INSERT INTO audit_outcomes (audit_event_id, outcome, detail, subject)
     VALUES ($1, $2, $3, $4)`,
    [auditEventId, outcome.outcome, storableJson(outcome.detail), outcome.subject],
  );
}

/**
 * Records an action taken outside GraphQL (the CLI), event and outcome in one statement. Call
 * it in the action's own transaction so that the action and its record commit together.
 */
export async function recordAuditEvent(
  db: Queryable,
  event: AuditEventInput & AuditOutcomeInput,
): Promise<string> {
  const inserted = await db.query<{ id: string }>(
    `WITH event AS (
       INSERT INTO audit_events (actor, actor_kind, actor_label, operation, input,
         source_address, user_agent, channel)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING id)
     INSERT INTO audit_outcomes (audit_event_id, outcome, detail, subject)
     SELECT id, $9, $10, $11 FROM event
     RETURNING audit_event_id::text AS id`,
    [...eventValues(event), event.outcome, storableJson(event.detail), event.subject],
  );
  return inserted.rows[0]?.id ?? '';
}

function eventValues(event: AuditEventInput): unknown[] {
  return [
    event.actor,
    event.actorKind,
    storableText(event.actorLabel).slice(0, textLengthMax),
    storableText(event.operation).slice(0, textLengthMax),
    JSON.stringify(capSummary(event.input)),
    event.sourceAddress,
    event.userAgent === null ? null : storableText(event.userAgent).slice(0, textLengthMax),
    event.channel,
  ];
}

/** Keys whose values are never kept: passwords, secrets, tokens, credentials. */
const secretKey = /password|secret|token|authorization/i;
/** An id names a row (the token to revoke), it does not reveal it; ids are kept. */
const identifierKey = /Ids?$/;
export const redacted = '[redacted]';

/** The longest text kept whole, in characters. */
export const textLengthMax = 200;
/** The most items of a list kept. */
export const listLengthMax = 20;
const depthMax = 6;
/** The largest summary kept, in bytes of JSON; a larger one is kept as a cut preview. */
export const summaryBytesMax = 4096;

/**
 * An outcome's detail as JSON PostgreSQL accepts: an error message can echo the caller's text,
 * NULs included, and jsonb refuses `\u0000`, which would lose the outcome.
 */
function storableJson(value: Record<string, unknown>): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'string' ? storableText(inner) : inner,
  );
}

/**
 * What is kept of a request's arguments: secrets redacted by key at any depth, text cut at
 * textLengthMax, lists at listLengthMax, nesting at a fixed depth, the whole at
 * summaryBytesMax. Text is made storable (no NUL, no lone surrogate), which jsonb requires.
 */
export function summariseInput(input: Record<string, unknown>): Record<string, unknown> {
  return capSummary(summariseObject(input, 0));
}

/**
 * The summary of a GraphQL mutation's arguments, keyed by root field. The keys are the
 * schema's field names (`createApiToken`, `changePassword`), not input, so they are kept as
 * they are; every argument beneath them is summarised as summariseInput does.
 */
export function summariseArguments(
  argumentsByField: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [field, values] of Object.entries(argumentsByField)) {
    summary[storableText(field)] = summariseObject(values, 1);
  }
  return capSummary(summary);
}

function summariseValue(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'string') {
    const text = storableText(value);
    return text.length > textLengthMax
      ? `${text.slice(0, textLengthMax)}… (${text.length} characters)`
      : text;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : String(value);
  }
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  if (depth >= depthMax) {
    return '[nested too deep]';
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, listLengthMax).map((item) => summariseValue(item, depth + 1));
    return value.length > listLengthMax
      ? [...kept, `… (${value.length - listLengthMax} more)`]
      : kept;
  }
  if (typeof value === 'object') {
    return summariseObject(value as Record<string, unknown>, depth + 1);
  }
  return `[${typeof value}]`;
}

function summariseObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const isSecret = secretKey.test(key) && !identifierKey.test(key);
    summary[storableText(key)] = isSecret ? redacted : summariseValue(value, depth);
  }
  return summary;
}

/** The summary if it fits in summaryBytesMax, else a cut preview of it that does. */
function capSummary(summary: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(summary);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= summaryBytesMax) {
    return summary;
  }

  // Cut on bytes, then drop a character the cut split, so the preview is valid text.
  const preview = Buffer.from(json, 'utf8')
    .subarray(0, summaryBytesMax - 512)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return { truncated: `the input summary was ${bytes} bytes; kept the first part`, preview };
}

/** Text PostgreSQL can store in text and jsonb: NULs removed, lone surrogates replaced. */
function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\0', '');
}

export interface AuditFilter {
  /** `user:3`, `token:5`, …, or the actor's label (an email, a token's name). */
  actor?: string | null;
  actorKind?: ActorKind | null;
  /** One root field or command; matches an event that ran it among others. */
  operation?: string | null;
  outcome?: AuditOutcome | null;
  /** Occurred at or after. */
  from?: Date | null;
  /** Occurred before. */
  before?: Date | null;
}

export interface AuditRecord extends AuditActor {
  id: string;
  occurredAt: Date;
  operation: string;
  input: Record<string, unknown>;
  sourceAddress: string | null;
  userAgent: string | null;
  channel: AuditChannel;
  /** Null while the request runs (or when its process died before it could say). */
  outcome: AuditOutcome | null;
  outcomeDetail: Record<string, unknown> | null;
  subject: string | null;
}

/** Events newest first, those with an id below `beforeId` when given, at most `limit`. */
export async function listAuditEvents(
  db: Queryable,
  filter: AuditFilter,
  page: { limit: number; beforeId: string | null },
): Promise<AuditRecord[]> {
  const found = await db.query<AuditRecord>(
    `SELECT e.id::text, e.occurred_at AS "occurredAt", e.actor, e.actor_kind AS "actorKind",
       e.actor_label AS "actorLabel", e.operation, e.input, e.source_address AS "sourceAddress",
       e.user_agent AS "userAgent", e.channel, o.outcome, o.detail AS "outcomeDetail", o.subject
     FROM audit_events e
     LEFT JOIN audit_outcomes o ON o.audit_event_id = e.id
     WHERE ($1::text IS NULL OR e.actor = $1 OR e.actor_label = $1)
       AND ($2::text IS NULL OR e.actor_kind = $2)
       AND ($3::text IS NULL OR $3 = ANY (string_to_array(e.operation, ',')))
       AND ($4::text IS NULL OR o.outcome = $4)
       AND ($5::timestamptz IS NULL OR e.occurred_at >= $5)
       AND ($6::timestamptz IS NULL OR e.occurred_at < $6)
       AND ($7::bigint IS NULL OR e.id < $7)
     ORDER BY e.id DESC
     LIMIT $8`,
    [
      filter.actor ?? null,
      filter.actorKind ?? null,
      filter.operation ?? null,
      filter.outcome ?? null,
      filter.from ?? null,
      filter.before ?? null,
      page.beforeId,
      page.limit,
    ],
  );
  return found.rows;
}
