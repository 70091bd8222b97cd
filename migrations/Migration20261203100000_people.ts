/**
 * People who sign in: users with their roles and password hashes, their sessions, and the
 * counters that slow and lock repeated failed sign-ins.
 *
 * Ending a session and disabling a person are always row updates (`sessions.ended_at`,
 * `users.disabled_at`), never deletes, so that a trigger can announce them to the API
 * processes holding open connections. Passwords themselves, and session secrets, are never
 * stored: only an argon2id hash of the one and a SHA-256 hash of the other.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261203100000People extends Migration {
  override up(): void {
    this.addSql(users);
    this.addSql(sessions);
    this.addSql(signInFailures);
  }

  override down(): void {
    this.addSql('DROP TABLE IF EXISTS sign_in_failures, sessions, users CASCADE;');
  }
}

const users = `
-- The email is stored trimmed and lower-cased by the code; the unique index on lower(email)
-- keeps two spellings of one address from ever being two people, whatever wrote the row.
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL CHECK (email = btrim(email) AND email <> '' AND length(email) <= 254),
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  password_hash text NOT NULL,
  roles text[] NOT NULL CHECK (
    cardinality(roles) >= 1 AND array_ndims(roles) = 1
    AND roles <@ ARRAY['admin', 'warehouse', 'finance', 'viewer']::text[]),
  must_change_password boolean NOT NULL DEFAULT false,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz,
  -- Who made the account: 'user:<id>', 'token:<id>', 'cli' or 'first-run'.
  created_by text NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
`;

const sessions = `
-- A signed-in browser. The cookie carries a random secret; only its SHA-256 is kept. A session
-- lives until the first of: sign-out, idle_timeout without a request, expires_at, or an end
-- decided elsewhere (an admin, a password change, the person being disabled).
CREATE TABLE sessions (
  id bigserial PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id bigint NOT NULL REFERENCES users (id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Written at most once a minute, so it may lag the latest request by that much.
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- The idle limit in force when the session began; a change of setting applies to new ones.
  idle_timeout interval NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  ended_reason text CHECK (ended_reason IN ('signed_out', 'expired', 'ended_by_admin',
    'password_changed', 'password_reset', 'user_disabled')),
  address text,
  user_agent text,
  CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE ended_at IS NULL;
`;

// The shape rate-limiter-flexible's PostgreSQL store reads and writes (key, points, expire in
// epoch milliseconds); the library is told the table exists and never creates it. Keys are
// 'account:<email>' and 'address:<ip>'; points count failures within the window.
const signInFailures = `
CREATE TABLE sign_in_failures (
  key text PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
`;
