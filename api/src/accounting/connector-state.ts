/**
 * What the queue keeps per accounting platform besides its documents: the refresh token a
 * platform handed out last (QuickBooks retires the old one as it issues a new one, and Xero 30
 * minutes after, so the token in the configuration stops working after the first refresh).
 * Parking is written by the push queue itself (push.ts).
 *
 * A refresh token opens the shop's books, so it is stored encrypted (AES-256-GCM) under a key
 * derived from the app's client secret, which lives only in the environment: a copy of the
 * database alone does not give the token away. A changed client secret makes the saved token
 * unreadable, and the configured one is used again.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

import type { Logger } from '../platform/logger.ts';
import type { Queryable } from '../platform/transaction.ts';
import type { AccountingPlatform } from './connector.ts';

/** The configured credentials a saved refresh token belongs to. */
export interface RefreshTokenOrigin {
  platform: AccountingPlatform;
  /** The refresh token in the configuration, which the saved ones descend from. */
  configuredToken: string;
  /** The app's client secret, from which the encryption key is derived. */
  clientSecret: string;
}

const sealedVersion = 'v1';
const ivLengthBytes = 12;

/**
 * The refresh token to use: the newest one the platform gave for the configured token, or the
 * configured one when none was saved, the configuration now names another token, or the saved
 * one cannot be opened with the configured client secret.
 */
export async function currentRefreshToken(
  db: Queryable,
  origin: RefreshTokenOrigin,
  logger?: Logger,
): Promise<string> {
  const found = await db.query<{ refresh_token: string | null; refresh_token_origin: string }>(
    `SELECT refresh_token, refresh_token_origin FROM accounting_connector_state
     WHERE platform = $1`,
    [origin.platform],
  );
  const saved = found.rows[0];
  if (saved?.refresh_token == null || saved.refresh_token_origin !== digest(origin)) {
    return origin.configuredToken;
  }

  const opened = open(saved.refresh_token, origin);
  if (opened === null) {
    logger?.warn(
      { platform: origin.platform },
      'the saved refresh token cannot be read with the configured client secret; ' +
        'using the configured refresh token',
    );
    return origin.configuredToken;
  }
  return opened;
}

/** Keeps the refresh token the platform just issued, encrypted, for the next start. */
export async function saveRefreshToken(
  db: Queryable,
  origin: RefreshTokenOrigin,
  issuedToken: string,
): Promise<void> {
  await db.query(
    `INSERT INTO accounting_connector_state (platform, refresh_token, refresh_token_origin)
     VALUES ($1, $2, $3)
     ON CONFLICT (platform) DO UPDATE
     SET refresh_token = $2, refresh_token_origin = $3, updated_at = now()`,
    [origin.platform, seal(issuedToken, origin), digest(origin)],
  );
}

/** Names the configured token without revealing it: a new token or secret starts afresh. */
function digest(origin: RefreshTokenOrigin): string {
  return createHash('sha256')
    .update(`${origin.platform}\n${origin.configuredToken}\n${origin.clientSecret}`)
    .digest('hex');
}

function keyOf(origin: RefreshTokenOrigin): Buffer {
  const info = `quartermaster accounting refresh token ${origin.platform}`;
  return Buffer.from(hkdfSync('sha256', origin.clientSecret, '', info, 32));
}

function seal(token: string, origin: RefreshTokenOrigin): string {
  const iv = randomBytes(ivLengthBytes);
  const cipher = createCipheriv('aes-256-gcm', keyOf(origin), iv);
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'));
  return [sealedVersion, ...parts].join('.');
}

function open(stored: string, origin: RefreshTokenOrigin): string | null {
  const [version, iv, tag, sealed] = stored.split('.');
  if (version !== sealedVersion || iv === undefined || tag === undefined || sealed === undefined) {
    return null;
  }

  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(origin), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const opened = Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64url')),
      decipher.final(),
    ]);
    return opened.toString('utf8');
  } catch {
    return null;
  }
}
