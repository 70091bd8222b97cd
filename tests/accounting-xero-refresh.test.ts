/**
 * A shop on a standard Xero app: the system configured with XERO_REFRESH_TOKEN and pointed at a
 * Xero simulator, which retires a refresh token as soon as it issues the next. The fixture order
 * is pushed, the system restarts on the same database, and the refund is pushed after it: the
 * second start can reach Xero only with the token the first one saved.
 */
import { rm } from 'node:fs/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { currentRefreshToken } from '../api/src/accounting/connector-state.ts';
import {
  startXeroSimulator,
  type XeroSimulator,
} from '../api/src/accounting/xero/simulator/server.ts';
import { readFixture, startTestSystem, type TestSystem } from './support/system.ts';

const consentToken = 'xero-consent-refresh-token-7c21d04e';

let xero: XeroSimulator;
let environment: Record<string, string>;
let first: TestSystem;
let restarted: TestSystem | undefined;

/** The refresh tokens the system sent to Xero's identity server, in order. */
function refreshTokensSent(): (string | null)[] {
  return xero.store.requests
    .filter((request) => request.host === 'identity')
    .map((request) => new URLSearchParams(request.bodyText))
    .map((form) => (form.get('grant_type') === 'refresh_token' ? form.get('refresh_token') : ''));
}

/** The refresh token Xero would still take (it keeps only the newest). */
function liveRefreshToken(): string | undefined {
  expect(xero.store.refreshTokens.size).toBe(1);
  return [...xero.store.refreshTokens][0];
}

function savedRefreshToken(system: TestSystem): Promise<string> {
  const origin = {
    platform: 'xero',
    configuredToken: consentToken,
    clientSecret: xero.clientSecret,
  } as const;
  return currentRefreshToken(system.pool, origin);
}

beforeAll(async () => {
  xero = await startXeroSimulator({ refreshToken: consentToken });
  environment = {
    ACCOUNTING_PLATFORM: 'xero',
    XERO_CLIENT_ID: xero.clientId,
    XERO_CLIENT_SECRET: xero.clientSecret,
    XERO_REFRESH_TOKEN: consentToken,
    XERO_API_URL: xero.apiUrl,
    XERO_IDENTITY_URL: xero.identityUrl,
  };
  first = await startTestSystem({ environment });
});

afterAll(async () => {
  if (restarted === undefined) {
    await first.stopAll();
  } else {
    await restarted.stopAll();
    await first.simulator.close();
    await rm(first.dataDir, { recursive: true, force: true });
  }
  await xero.close();
});

describe('with a Xero refresh token configured', () => {
  it('pushes the invoice with the consented token and keeps the one Xero issued', async () => {
    // Given #1041 created and paid
    const created = readFixture('webhooks/D01-orders-create-1041.json');
    expect(await first.deliver('orders/create', null, { raw: created })).toBe(200);
    expect(await first.deliver('orders/paid', null, { raw: created })).toBe(200);

    // When the system has processed it
    await first.waitForProcessing();

    // Then the invoice is on Xero, the consented token was used once, and the token Xero issued
    // for it is saved, encrypted
    const invoices = await first.pool.query<{ status: string; platform_id: string }>(
      `SELECT status, platform_id FROM accounting_documents WHERE number = 'SHP-1041'`,
    );
    expect(invoices.rows).toMatchObject([{ status: 'pushed' }]);
    expect(xero.store.invoices.get(invoices.rows[0]?.platform_id ?? '')).toMatchObject({
      number: 'SHP-1041',
      totalCents: 10710n,
    });
    expect(refreshTokensSent()).toEqual([consentToken]);

    const issued = liveRefreshToken();
    expect(issued).not.toBe(consentToken);
    expect(await savedRefreshToken(first)).toBe(issued);
    const stored = await first.pool.query<{ refresh_token: string }>(
      `SELECT refresh_token FROM accounting_connector_state WHERE platform = 'xero'`,
    );
    expect(stored.rows[0]?.refresh_token).not.toContain(issued);
  });

  it('refreshes with the saved token after a restart and pushes the refund', async () => {
    // Given the system stopped with the newest token saved, then started on the same database
    const saved = await savedRefreshToken(first);
    const sentBefore = refreshTokensSent().length;
    await first.close();
    restarted = await startTestSystem({
      simulator: first.simulator,
      environment: { ...environment, DATABASE_URL: first.databaseUrl },
    });

    // When #1041's refund arrives
    const refunded = readFixture('webhooks/D08-refunds-create-1041.json');
    expect(await restarted.deliver('refunds/create', null, { raw: refunded })).toBe(200);
    await restarted.waitForProcessing();

    // Then the restarted system refreshed with the saved token, the credit note is on Xero and
    // allocated to the invoice, and the token Xero issued this time is saved in turn
    expect(refreshTokensSent().slice(sentBefore)).toEqual([saved]);
    const documents = await restarted.pool.query<{
      number: string;
      status: string;
      platform_id: string;
      allocation_status: string | null;
    }>(
      `SELECT number, status, platform_id, allocation_status
       FROM accounting_documents ORDER BY id`,
    );
    expect(documents.rows).toMatchObject([
      { number: 'SHP-1041', status: 'pushed' },
      { number: 'SHP-1041-R1', status: 'pushed', allocation_status: 'allocated' },
    ]);
    const creditNote = xero.store.creditNotes.get(documents.rows[1]?.platform_id ?? '');
    expect(creditNote).toMatchObject({ number: 'SHP-1041-R1', totalCents: 2700n });
    expect([...xero.store.invoices.values()].map((invoice) => invoice.allocatedCents)).toEqual([
      2700n,
    ]);
    expect(await savedRefreshToken(restarted)).toBe(liveRefreshToken());
  });
});
