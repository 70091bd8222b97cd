/**
 * The audit log as its screen reads it: the documents, and the recorded input of an operation
 * in words a person can scan (`sku: HL-MUG · quantity: 5`) rather than raw JSON. The API
 * records the input with secrets already removed; this only lays it out.
 */
import { graphql } from '$lib/gql';
import type { AuditEventFieldsFragment } from '$lib/gql/graphql';

export type AuditEvent = AuditEventFieldsFragment;

/** Events fetched per page, both at first and for each "Load more". */
export const auditPageSize = 50;

/** Past this many characters a value is cut short, with an ellipsis; the row stays scannable. */
const valueLengthMax = 80;

export const auditEventFields = graphql(`
  fragment AuditEventFields on AuditEvent {
    id
    occurredAt
    actor
    actorKind
    actorLabel
    operation
    input
    outcome
    outcomeDetail
    channel
    subject
    sourceAddress
  }
`);

export const auditEventsQuery = graphql(`
  query AuditEvents($first: Int!, $after: String, $filter: AuditFilter) {
    auditEvents(first: $first, after: $after, filter: $filter) {
      nodes {
        ...AuditEventFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The people and tokens the "who" filter offers, by the actor each is recorded as. */
export const auditActorsQuery = graphql(`
  query AuditActors {
    users {
      id
      email
    }
    apiTokens {
      id
      name
    }
  }
`);

/** One line of an input summary: a dotted path and its value in words. */
export interface InputEntry {
  path: string;
  value: string;
}

/**
 * The recorded input (arguments per root field) as path/value pairs, in the order recorded.
 * Single wrappers are unwrapped, so `{ receiveStock: { input: { sku: 'A' } } }` reads `sku: A`:
 * the operation column already names the field.
 */
export function inputEntries(input: Record<string, unknown> | null | undefined): InputEntry[] {
  if (input === null || input === undefined) {
    return [];
  }
  let root: Record<string, unknown> = input;
  for (;;) {
    const keys = Object.keys(root);
    const only = keys.length === 1 ? root[keys[0] ?? ''] : undefined;
    if (!isPlainObject(only)) {
      break;
    }
    root = only;
  }

  const entries: InputEntry[] = [];
  flatten(root, '', entries);
  return entries;
}

/**
 * What went wrong, one line per error, from an event's outcome detail: the API's top-level
 * errors and the refusals listed in payloads, each as `CODE: message`.
 */
export function outcomeLines(detail: Record<string, unknown> | null | undefined): string[] {
  if (detail === null || detail === undefined) {
    return [];
  }
  const listed = [detail.errors, detail.payloadErrors].flatMap((errors) =>
    Array.isArray(errors) ? (errors as unknown[]) : [],
  );
  return listed.filter(isPlainObject).map((error) => {
    const code = typeof error.code === 'string' ? `${error.code}: ` : '';
    const message = typeof error.message === 'string' ? error.message : '';
    return cut(`${code}${message}`);
  });
}

function flatten(value: unknown, path: string, entries: InputEntry[]): void {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && path !== '') {
      entries.push({ path, value: '(empty)' });
    }
    keys.forEach((key) => flatten(value[key], path === '' ? key : `${path}.${key}`, entries));
    return;
  }
  entries.push({ path: path === '' ? 'value' : path, value: valueInWords(value) });
}

function valueInWords(value: unknown): string {
  if (value === null || value === undefined) {
    return 'none';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? '(none)' : cut(value.map(scalarInWords).join(', '));
  }
  return cut(scalarInWords(value));
}

function scalarInWords(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return JSON.stringify(value) ?? 'none';
}

function cut(text: string): string {
  return text.length > valueLengthMax ? `${text.slice(0, valueLengthMax - 1)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
