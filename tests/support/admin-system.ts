/**
 * A whole system for a browser test of the admin: the API on a fresh database (the built-in
 * Shopify simulator's fixture shop, no order stream), its own data folder, the built admin
 * pointed at it, headless Chromium, and ways to act as the admin token and to sign a person in
 * through the form. People are made through the API with a chosen password, as an admin would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Page } from 'playwright-core';

import type { SignInThrottleSettings } from '../../api/src/access/sign-in-throttle.ts';
import { startSystem, type System } from '../../api/src/app/system.ts';
import { loadConfig } from '../../api/src/platform/config.ts';
import { freePort } from '../../api/src/platform/database.ts';
import { createLogger } from '../../api/src/platform/logger.ts';
import { ensureAdminBuild, launchChromium, startAdminServer, type AdminServer } from './admin.ts';
import { createTestDatabase } from './database.ts';

export interface AdminTestSystem {
  system: System;
  admin: AdminServer;
  browser: Browser;
  apiUrl: string;
  databaseUrl: string;
  /** Runs a document with the admin token; throws on any top-level error. */
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Makes a person who can sign in at once with `password`; answers their id. */
  createPerson(person: {
    email: string;
    name: string;
    roles: string[];
    password: string;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function startAdminTestSystem(
  options: { signInThrottle?: Partial<SignInThrottleSettings> } = {},
): Promise<AdminTestSystem> {
  // Chromium first: under CI a missing browser should fail the run before anything starts.
  const browser = await launchChromium();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'qm-admin-test-'));
  const closers: (() => Promise<void>)[] = [
    () => browser.close(),
    () => rm(dataDir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer();
    }
  };

  try {
    const adminPort = await freePort();
    const databaseUrl = await createTestDatabase();
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: databaseUrl,
      QM_DATA_DIR: dataDir,
      PORT: '0',
      ADMIN_PORT: String(adminPort),
      QM_ADMIN_TOKEN: `qm_test_${randomBytes(18).toString('base64url')}`,
    });
    const system = await startSystem({
      config,
      logger: createLogger('warn'),
      host: '127.0.0.1',
      orderStreamIntervalMs: null,
      signInThrottle: options.signInThrottle,
    });
    closers.push(() => system.close());
    const apiUrl = system.apiUrl ?? '';

    await ensureAdminBuild();
    const admin = await startAdminServer({ port: adminPort, apiUrl });
    closers.push(() => admin.stop());

    const graphql = async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${system.adminToken}`,
        },
        body: JSON.stringify({ query, variables }),
      });
      const answer = (await response.json()) as { data?: T; errors?: unknown[] };
      if (answer.errors !== undefined || answer.data === undefined) {
        throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
      }
      return answer.data;
    };

    const createPerson: AdminTestSystem['createPerson'] = async (person) => {
      const data = await graphql<{
        createUser: { user: { id: string } | null; errors: { code: string }[] };
      }>(
        `
          mutation ($input: CreateUserInput!) {
            createUser(input: $input) {
              user {
                id
              }
              errors {
                code
              }
            }
          }
        `,
        { input: person },
      );
      if (data.createUser.user === null) {
        throw new Error(`createUser refused: ${JSON.stringify(data.createUser.errors)}`);
      }
      return data.createUser.user.id;
    };

    return { system, admin, browser, apiUrl, databaseUrl, graphql, createPerson, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Fills in and sends the sign-in form on `page`, which must be showing it. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#sign-in-email', email);
  await page.fill('#sign-in-password', password);
  await page.click('form.sign-in button[type="submit"]');
}

/**
 * Sends the sign-in form and waits until the API has answered and the form shows the answer,
 * so that the next attempt does not start while this one is still being checked.
 */
export async function signInAttempt(page: Page, email: string, password: string): Promise<void> {
  const answered = page.waitForResponse(
    (response) =>
      response.url().endsWith('/graphql') &&
      (response.request().postData() ?? '').includes('mutation SignIn'),
  );
  await submitSignIn(page, email, password);
  await answered;
  await page.locator('form.sign-in button[type="submit"]:not([disabled])').waitFor();
}

/** The labels of the main navigation's links, in order. */
export async function navigationLabels(page: Page): Promise<string[]> {
  const labels = await page.locator('nav[aria-label="Main"] a').allInnerTexts();
  return labels.map((label) => label.trim());
}
