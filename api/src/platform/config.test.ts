/**
 * Configuration from the environment: defaults, and errors that name the variable to fix.
 */
import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config.ts';

function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs on the embedded database and the built-in simulator when nothing is set', () => {
    const config = loadConfig({});

    expect(config.databaseUrl).toBeUndefined();
    expect(config.shopify).toBeUndefined();
    expect(config.apiPort).toBe(4000);
    expect(config.adminPort).toBe(3000);
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'forty',
      ADMIN_PORT: '70000',
      DATABASE_URL: 'mysql://x',
      SHOPIFY_SHOP: 'https://my-shop.com',
      SHOPIFY_API_VERSION: '2026-05',
      QM_ADMIN_TOKEN: 'short',
    });

    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'ADMIN_PORT',
      'DATABASE_URL',
      'PORT',
      'QM_ADMIN_TOKEN',
      'SHOPIFY_API_VERSION',
      'SHOPIFY_SHOP',
    ]);
  });

  it('reads the session settings, with an hour idle and twelve hours at most by default', () => {
    expect(loadConfig({})).toMatchObject({
      adminEmail: 'admin@localhost',
      cookieSecure: false,
      sessionIdleTimeoutMs: 3_600_000,
      sessionLifetimeMaxMs: 12 * 3_600_000,
    });
    expect(
      loadConfig({
        QM_ADMIN_EMAIL: ' Owner@Shop.example ',
        QM_COOKIE_SECURE: 'true',
        QM_SESSION_IDLE_MINUTES: '15',
        QM_SESSION_MAX_HOURS: '8',
      }),
    ).toMatchObject({
      adminEmail: 'owner@shop.example',
      cookieSecure: true,
      sessionIdleTimeoutMs: 15 * 60_000,
      sessionLifetimeMaxMs: 8 * 3_600_000,
    });
  });

  it('names a bad session setting', () => {
    const problems = problemsOf({
      QM_ADMIN_EMAIL: 'admin',
      QM_COOKIE_SECURE: 'yes',
      QM_SESSION_IDLE_MINUTES: '0',
      QM_SESSION_MAX_HOURS: '1.5',
    });

    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'QM_ADMIN_EMAIL',
      'QM_COOKIE_SECURE',
      'QM_SESSION_IDLE_MINUTES',
      'QM_SESSION_MAX_HOURS',
    ]);
  });

  it('asks for the access token and client secret when a shop is named', () => {
    expect(problemsOf({ SHOPIFY_SHOP: 'hearth-loom-test.myshopify.com' })).toEqual([
      'SHOPIFY_ACCESS_TOKEN: required when SHOPIFY_SHOP is set',
      'SHOPIFY_CLIENT_SECRET: required when SHOPIFY_SHOP is set',
    ]);
  });

  it('reads a configured shop', () => {
    const config = loadConfig({
      SHOPIFY_SHOP: 'hearth-loom-test.myshopify.com',
      SHOPIFY_ACCESS_TOKEN: 'shpat_x',
      SHOPIFY_CLIENT_SECRET: 'secret',
      SHOPIFY_ADMIN_URL: 'http://127.0.0.1:7001',
    });

    expect(config.shopify).toEqual({
      shop: 'hearth-loom-test.myshopify.com',
      accessToken: 'shpat_x',
      clientSecret: 'secret',
      apiVersion: '2026-04',
      adminUrl: 'http://127.0.0.1:7001',
    });
  });

  it('uses the built-in Xero simulator when no accounting platform is named', () => {
    expect(loadConfig({}).accounting).toBeUndefined();
  });

  it('names each missing Xero variable, and only those', () => {
    expect(problemsOf({ ACCOUNTING_PLATFORM: 'xero', XERO_CLIENT_ID: 'ABC' })).toEqual([
      'XERO_CLIENT_SECRET: required when ACCOUNTING_PLATFORM is xero',
    ]);
    expect(problemsOf({ ACCOUNTING_PLATFORM: 'sage' })).toEqual([
      "ACCOUNTING_PLATFORM: must be 'xero' or 'quickbooks'",
    ]);
  });

  it('reads a Xero connection with the real endpoints by default', () => {
    const config = loadConfig({
      ACCOUNTING_PLATFORM: 'xero',
      XERO_CLIENT_ID: 'ABC',
      XERO_CLIENT_SECRET: 'xero-secret',
    });

    expect(config.accounting).toEqual({
      platform: 'xero',
      apiUrl: 'https://api.xero.com',
      identityUrl: 'https://identity.xero.com',
      clientId: 'ABC',
      clientSecret: 'xero-secret',
      tenantId: undefined,
      refreshToken: undefined,
    });
  });

  it('reads a Xero refresh token beside the client credentials, which stay required', () => {
    expect(problemsOf({ ACCOUNTING_PLATFORM: 'xero', XERO_REFRESH_TOKEN: 'xero-rt' })).toEqual([
      'XERO_CLIENT_ID: required when ACCOUNTING_PLATFORM is xero',
      'XERO_CLIENT_SECRET: required when ACCOUNTING_PLATFORM is xero',
    ]);

    const xero = { ACCOUNTING_PLATFORM: 'xero', XERO_CLIENT_ID: 'ABC', XERO_CLIENT_SECRET: 'x' };
    expect(loadConfig({ ...xero, XERO_REFRESH_TOKEN: ' xero-rt ' }).accounting).toMatchObject({
      platform: 'xero',
      clientId: 'ABC',
      refreshToken: 'xero-rt',
    });
    expect(loadConfig({ ...xero, XERO_REFRESH_TOKEN: ' ' }).accounting).toMatchObject({
      refreshToken: undefined,
    });
  });

  it('names every missing QuickBooks variable and reads a complete connection', () => {
    expect(problemsOf({ ACCOUNTING_PLATFORM: 'quickbooks', QBO_REALM_ID: '9130' })).toEqual([
      'QBO_CLIENT_ID: required when ACCOUNTING_PLATFORM is quickbooks',
      'QBO_CLIENT_SECRET: required when ACCOUNTING_PLATFORM is quickbooks',
      'QBO_REFRESH_TOKEN: required when ACCOUNTING_PLATFORM is quickbooks',
    ]);

    const config = loadConfig({
      ACCOUNTING_PLATFORM: 'quickbooks',
      QBO_CLIENT_ID: 'qb-client',
      QBO_CLIENT_SECRET: 'qb-secret',
      QBO_REFRESH_TOKEN: 'qb-refresh',
      QBO_REALM_ID: '9130',
      QBO_API_URL: 'http://127.0.0.1:7300',
    });
    expect(config.accounting).toEqual({
      platform: 'quickbooks',
      apiUrl: 'http://127.0.0.1:7300',
      oauthUrl: 'https://oauth.platform.intuit.com',
      clientId: 'qb-client',
      clientSecret: 'qb-secret',
      refreshToken: 'qb-refresh',
      realmId: '9130',
    });
  });
});
