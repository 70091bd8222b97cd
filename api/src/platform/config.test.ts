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
});
