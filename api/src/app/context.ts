/**
 * What every GraphQL resolver receives: the database, an entity manager of its own for reads,
 * the authenticated caller, and the event bus for subscriptions.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

import type { Caller } from '../access/callers.ts';

export interface RequestContext {
  pool: pg.Pool;
  em: EntityManager;
  caller: Caller;
}
