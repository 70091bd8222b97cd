/**
 * API tokens for integrators: who created each one, the scopes and names the database accepts,
 * and the announcement that ends live connections when access ends.
 *
 * `announce_access_change()` is written for any table whose rows grant access and end it by
 * setting a timestamp (or by being deleted): the trigger names the kind and the column, e.g.
 * `EXECUTE FUNCTION announce_access_change('token', 'revoked_at')`. Every API process listens on
 * `qm_access_ended` and closes that caller's WebSockets, whichever way the change was made
 * (GraphQL, the CLI or plain SQL). Only api_tokens gets the trigger here.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203120000Tokens extends Migration {
  override up(): void {
    this.addSql(tokens);
    this.addSql(announcement);
  }

  override down(): void {
    this.addSql(`
      DROP TRIGGER IF EXISTS api_tokens_access_ended ON api_tokens;
      DROP FUNCTION IF EXISTS announce_access_change();
      ALTER TABLE api_tokens
        DROP CONSTRAINT IF EXISTS api_tokens_scopes_known,
        DROP CONSTRAINT IF EXISTS api_tokens_name_length,
        DROP COLUMN IF EXISTS created_by;
    `);
  }
}

const tokens = `
ALTER TABLE api_tokens ADD COLUMN created_by text;
COMMENT ON COLUMN api_tokens.created_by IS
  'The actor who created the token: user:<id>, token:<id>, cli:<os user>, or system';

ALTER TABLE api_tokens
  ADD CONSTRAINT api_tokens_scopes_known CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['stock:read', 'stock:write', 'orders:read', 'finance:read',
      'finance:write', 'admin']::text[]),
  ADD CONSTRAINT api_tokens_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 100);
`;

const announcement = `
CREATE FUNCTION announce_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- TG_ARGV[0]: the kind of access ('token', 'session', 'user');
  -- TG_ARGV[1]: the column whose first non-null value ends it.
  access_kind text := TG_ARGV[0];
  ended_column text := TG_ARGV[1];
  row_id text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row_id := to_jsonb(OLD) ->> 'id';
  ELSIF (to_jsonb(NEW) ->> ended_column) IS NOT NULL
    AND (TG_OP = 'INSERT' OR (to_jsonb(OLD) ->> ended_column) IS NULL) THEN
    row_id := to_jsonb(NEW) ->> 'id';
  ELSE
    RETURN NULL;
  END IF;

  -- Sent on commit only, like every NOTIFY, so a rolled-back revocation closes nothing.
  PERFORM pg_notify('qm_access_ended', json_build_object('kind', access_kind, 'id', row_id)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_access_ended
  AFTER UPDATE OF revoked_at OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION announce_access_change('token', 'revoked_at');
`;
