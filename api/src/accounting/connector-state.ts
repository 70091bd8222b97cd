/**
 * What the queue keeps per accounting platform besides its documents: the refresh token a
 * platform handed out last (QuickBooks retires the old one as it issues a new one, so the
 * token in the configuration stops working after the first refresh). Parking is written by
 * the push queue itself (push.ts).
 */
import { createHash } from 'node:crypto';

import type { Queryable } from '../platform/transaction.ts';
import type { AccountingPlatform } from './connector.ts';

/**
 * The refresh token to use: the newest one the platform gave for the configured token, or the
 * configured one when none was saved or the configuration now names another token.
 */
export async function currentRefreshToken(
  db: Queryable,
  platform: AccountingPlatform,
  configuredToken: string,
): Promise<string> {
  const found = await db.query<{ refresh_token: string | null; refresh_token_origin: string }>(
    `SELECT refresh_token, refresh_token_origin FROM accounting_connector_state
     WHERE platform = $1`,
    [platform],
  );
  const saved = found.rows[0];
  if (saved?.refresh_token == null || saved.refresh_token_origin !== digest(configuredToken)) {
    return configuredToken;
  }
  return saved.refresh_token;
}

/** Keeps the refresh token the platform just issued, for the next start. */
export async function saveRefreshToken(
  db: Queryable,
  platform: AccountingPlatform,
  configuredToken: string,
  issuedToken: string,
): Promise<void> {
  await db.query(
    `INSERT INTO accounting_connector_state (platform, refresh_token, refresh_token_origin)
     VALUES ($1, $2, $3)
     ON CONFLICT (platform) DO UPDATE
     SET refresh_token = $2, refresh_token_origin = $3, updated_at = now()`,
    [platform, issuedToken, digest(configuredToken)],
  );
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
