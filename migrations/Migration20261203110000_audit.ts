/**
 * The audit trail: one row per request that changes something (every GraphQL mutation, every
 * sign-in and sign-out, every token change from the CLI), written before the change runs, and
 * its outcome appended once it has run. Both tables are append-only, enforced here so that no
 * code path, and no one with the application's credentials, can rewrite who did what.
 *
 * Stock movements point to the audit record of the request that made them. The ledger's
 * functions are not changed for this: a trigger fills the column from a transaction-local
 * setting that the request's transaction sets, so movements posted by webhook processing (which
 * sets nothing) have none.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203110000Audit extends Migration {
  override up(): void {
    this.addSql(auditTables);
    this.addSql(movementLinks);
  }

  override down(): void {
    this.addSql(`
      DROP TRIGGER IF EXISTS stock_movements_audit_event ON stock_movements;
      ALTER TABLE stock_exceptions DROP COLUMN IF EXISTS resolved_audit_event_id;
      ALTER TABLE stock_movements DROP COLUMN IF EXISTS audit_event_id;
      DROP TABLE IF EXISTS audit_outcomes, audit_events CASCADE;
      DROP FUNCTION IF EXISTS refuse_audit_change, fill_movement_audit_event CASCADE;
    `);
  }
}

const auditTables = `
-- Who asked for what, from where, written before the operation runs so that what it changes
-- can reference it. input is a summary of the arguments with secrets replaced and long values
-- cut, never the raw request.
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'token', 'anonymous', 'cli')),
  actor_label text NOT NULL,
  operation text NOT NULL,
  input jsonb NOT NULL DEFAULT '{}',
  source_address text,
  user_agent text,
  channel text NOT NULL CHECK (channel IN ('graphql', 'cli'))
);
CREATE INDEX audit_events_actor ON audit_events (actor, id);
CREATE INDEX audit_events_operation ON audit_events (operation, id);
CREATE INDEX audit_events_occurred ON audit_events (occurred_at, id);

-- How it ended; at most one per event. An event without one is still running, or its process
-- died before it could say.
CREATE TABLE audit_outcomes (
  audit_event_id bigint PRIMARY KEY REFERENCES audit_events (id),
  outcome text NOT NULL CHECK (outcome IN ('succeeded', 'rejected', 'refused', 'failed')),
  detail jsonb NOT NULL DEFAULT '{}',
  subject text,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_outcomes_outcome ON audit_outcomes (outcome, audit_event_id);

CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_outcomes_append_only BEFORE UPDATE OR DELETE ON audit_outcomes
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_outcomes_no_truncate BEFORE TRUNCATE ON audit_outcomes
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
`;

const movementLinks = `
ALTER TABLE stock_movements ADD COLUMN audit_event_id bigint REFERENCES audit_events (id);
CREATE INDEX stock_movements_audit_event ON stock_movements (audit_event_id)
  WHERE audit_event_id IS NOT NULL;

-- The request's transaction says which audit record it belongs to with
-- set_config('quartermaster.audit_event_id', id, true); the setting ends with the transaction,
-- so a pooled connection never carries it into the next one. Once set in a session, the
-- setting reads as '' rather than NULL outside the transaction, hence nullif.
CREATE FUNCTION fill_movement_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.audit_event_id IS NULL THEN
    NEW.audit_event_id := nullif(current_setting('quartermaster.audit_event_id', true), '')::bigint;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER stock_movements_audit_event BEFORE INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION fill_movement_audit_event();

ALTER TABLE stock_exceptions
  ADD COLUMN resolved_audit_event_id bigint REFERENCES audit_events (id);
`;
