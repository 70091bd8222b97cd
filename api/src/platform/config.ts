/**
 * Configuration, read once from the environment and validated at start.
 *
 * Every setting is named after its environment variable so that an error message points at the
 * exact variable to fix. Settings that live in the database (the fulfilling location, for one)
 * are not here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

/** The repository root: the default data folder lives here whichever package runs. */
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

// 0 asks the system for any free port (tests use it).
const port = z.coerce.number().int().min(0).max(65_535);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * Something, an @, something, no spaces: enough to catch a slip, not a full RFC 5322 check
 * (`admin@localhost` must pass, and the address is proven only by someone signing in with it).
 */
export const emailPattern = /^[^\s@]+@[^\s@]+$/;

const environmentSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  QM_DATA_DIR: optionalText,
  PORT: port.default(4000),
  ADMIN_PORT: port.default(3000),
  SHOPIFY_SHOP: optionalText.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must look like your-shop.myshopify.com')
      .optional(),
  ),
  SHOPIFY_ACCESS_TOKEN: optionalText,
  SHOPIFY_CLIENT_SECRET: optionalText,
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-(01|04|07|10)$/, 'must be a Shopify API version such as 2026-04')
    .default('2026-04'),
  SHOPIFY_ADMIN_URL: optionalText.pipe(
    z.url('must be a URL such as http://127.0.0.1:7001').optional(),
  ),
  QM_ADMIN_TOKEN: optionalText.pipe(
    z.string().min(24, 'must be at least 24 characters long').optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QM_ADMIN_EMAIL: optionalText.pipe(
    z.string().regex(emailPattern, 'must be an email address such as admin@example.com').optional(),
  ),
  QM_COOKIE_SECURE: z
    .enum(['true', 'false'], "must be 'true' (HTTPS only) or 'false'")
    .default('false')
    .transform((value) => value === 'true'),
  QM_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(24 * 60, 'must be at most 1440 minutes (a day)')
    .default(60),
  QM_SESSION_MAX_HOURS: z.coerce
    .number()
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(24 * 30, 'must be at most 720 hours (30 days)')
    .default(12),
  ACCOUNTING_PLATFORM: optionalText.pipe(
    z.enum(['xero', 'quickbooks'], "must be 'xero' or 'quickbooks'").optional(),
  ),
  XERO_CLIENT_ID: optionalText,
  XERO_CLIENT_SECRET: optionalText,
  XERO_TENANT_ID: optionalText,
  XERO_REFRESH_TOKEN: optionalText,
  XERO_API_URL: optionalText.pipe(z.url('must be a URL such as https://api.xero.com').optional()),
  XERO_IDENTITY_URL: optionalText.pipe(
    z.url('must be a URL such as https://identity.xero.com').optional(),
  ),
  QBO_CLIENT_ID: optionalText,
  QBO_CLIENT_SECRET: optionalText,
  QBO_REFRESH_TOKEN: optionalText,
  QBO_REALM_ID: optionalText,
  QBO_API_URL: optionalText.pipe(
    z.url('must be a URL such as https://quickbooks.api.intuit.com').optional(),
  ),
  QBO_OAUTH_URL: optionalText.pipe(
    z.url('must be a URL such as https://oauth.platform.intuit.com').optional(),
  ),
  QM_SIMULATED_ORDER_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((value) => value === 0 || value >= 100, 'must be 0 (no orders) or at least 100')
    .default(8000),
});

export type Environment = z.infer<typeof environmentSchema>;

/** The Shopify connection; absent settings mean the built-in simulator is used. */
export interface ShopifySettings {
  shop: string;
  accessToken: string;
  clientSecret: string;
  apiVersion: string;
  /** Replaces `https://{shop}` for every Admin API call, for a simulator. */
  adminUrl: string | undefined;
}

/**
 * A Xero organisation reached through a custom connection (client credentials), or through a
 * standard app's refresh token when one is given.
 */
export interface XeroSettings {
  platform: 'xero';
  apiUrl: string;
  identityUrl: string;
  clientId: string;
  clientSecret: string;
  /** The organisation; unset when the connection reaches exactly one. */
  tenantId: string | undefined;
  /** From the standard app's consent; unset means the custom connection's grant. */
  refreshToken: string | undefined;
}

/** A QuickBooks Online company, reached with a refresh token of the shop's app. */
export interface QuickBooksSettings {
  platform: 'quickbooks';
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  realmId: string;
}

/** Where invoices and credit notes are pushed; absent means the built-in Xero simulator. */
export type AccountingPlatformSettings = XeroSettings | QuickBooksSettings;

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  apiPort: number;
  adminPort: number;
  adminToken: string | undefined;
  logLevel: Environment['LOG_LEVEL'];
  /** The first admin's email, used only when the database has no user yet. */
  adminEmail: string;
  /** Whether the session cookie is sent over HTTPS only (set it when served over HTTPS). */
  cookieSecure: boolean;
  /** A session without a request for this long ends. */
  sessionIdleTimeoutMs: number;
  /** A session ends this long after sign-in, however busy. */
  sessionLifetimeMaxMs: number;
  /** How often the built-in simulator places an order; 0 for never. */
  simulatedOrderIntervalMs: number;
  /** Undefined when SHOPIFY_SHOP is unset: the system then starts its own simulator. */
  shopify: ShopifySettings | undefined;
  /** Undefined when ACCOUNTING_PLATFORM is unset: the system then starts a Xero simulator. */
  accounting: AccountingPlatformSettings | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(problems);
  }

  const env = parsed.data;
  return {
    databaseUrl: env.DATABASE_URL,
    // pnpm runs package scripts in the package's folder; a relative QM_DATA_DIR means relative
    // to where the command was typed.
    dataDir:
      env.QM_DATA_DIR === undefined
        ? path.join(repositoryRoot, '.data')
        : path.resolve(environment.INIT_CWD ?? process.cwd(), env.QM_DATA_DIR),
    apiPort: env.PORT,
    adminPort: env.ADMIN_PORT,
    adminToken: env.QM_ADMIN_TOKEN,
    logLevel: env.LOG_LEVEL,
    adminEmail: (env.QM_ADMIN_EMAIL ?? 'admin@localhost').toLowerCase(),
    cookieSecure: env.QM_COOKIE_SECURE,
    sessionIdleTimeoutMs: env.QM_SESSION_IDLE_MINUTES * 60_000,
    sessionLifetimeMaxMs: env.QM_SESSION_MAX_HOURS * 3_600_000,
    simulatedOrderIntervalMs: env.QM_SIMULATED_ORDER_INTERVAL_MS,
    shopify: readShopifySettings(env),
    accounting: readAccountingSettings(env),
  };
}

function readShopifySettings(env: Environment): ShopifySettings | undefined {
  if (env.SHOPIFY_SHOP === undefined) {
    return undefined;
  }

  const missing = (['SHOPIFY_ACCESS_TOKEN', 'SHOPIFY_CLIENT_SECRET'] as const).filter(
    (name) => env[name] === undefined,
  );
  if (missing.length > 0) {
    throw new ConfigError(missing.map((name) => `${name}: required when SHOPIFY_SHOP is set`));
  }

  return {
    shop: env.SHOPIFY_SHOP,
    accessToken: env.SHOPIFY_ACCESS_TOKEN ?? '',
    clientSecret: env.SHOPIFY_CLIENT_SECRET ?? '',
    apiVersion: env.SHOPIFY_API_VERSION,
    adminUrl: env.SHOPIFY_ADMIN_URL,
  };
}

function readAccountingSettings(env: Environment): AccountingPlatformSettings | undefined {
  const platform = env.ACCOUNTING_PLATFORM;
  const required = (names: readonly (keyof Environment)[]) => {
    const missing = names.filter((name) => env[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        missing.map((name) => `${name}: required when ACCOUNTING_PLATFORM is ${platform}`),
      );
    }
  };

  switch (platform) {
    case undefined:
      return undefined;
    case 'xero':
      required(['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET']);
      return {
        platform,
        apiUrl: env.XERO_API_URL ?? 'https://api.xero.com',
        identityUrl: env.XERO_IDENTITY_URL ?? 'https://identity.xero.com',
        clientId: env.XERO_CLIENT_ID ?? '',
        clientSecret: env.XERO_CLIENT_SECRET ?? '',
        tenantId: env.XERO_TENANT_ID,
        refreshToken: env.XERO_REFRESH_TOKEN,
      };
    case 'quickbooks':
      required(['QBO_CLIENT_ID', 'QBO_CLIENT_SECRET', 'QBO_REFRESH_TOKEN', 'QBO_REALM_ID']);
      return {
        platform,
        apiUrl: env.QBO_API_URL ?? 'https://quickbooks.api.intuit.com',
        oauthUrl: env.QBO_OAUTH_URL ?? 'https://oauth.platform.intuit.com',
        clientId: env.QBO_CLIENT_ID ?? '',
        clientSecret: env.QBO_CLIENT_SECRET ?? '',
        refreshToken: env.QBO_REFRESH_TOKEN ?? '',
        realmId: env.QBO_REALM_ID ?? '',
      };
  }
}
