/**
 * What every GraphQL resolver receives: the database, an entity manager of its own for reads,
 * the authenticated caller, and what the request needs to record who did what.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Response } from 'express';
import type pg from 'pg';

import type { Caller } from '../access/callers.ts';
import type { AccessServices } from '../access/sign-in.ts';
import type { AccountingPlatform } from '../accounting/connector.ts';

export interface RequestContext {
  pool: pg.Pool;
  em: EntityManager;
  caller: Caller;
  /** Session settings and the sign-in throttle of the running system. */
  access: AccessServices;
  /** Where invoices are pushed; undefined when the built-in Xero simulator stands in. */
  accountingPlatform?: AccountingPlatform | undefined;
  /** The HTTP response, to set or clear the session cookie; absent over WebSocket. */
  response?: Response;
  /** The audit record of this request when it is a mutation; what it changes points to it. */
  auditEventId?: string;
  /** Set by a successful sign-in: who the anonymous caller became, for the audit record. */
  signedInUser?: { userId: string; label: string };
}
