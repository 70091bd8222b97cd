/**
 * The one place where the accounting platform named in the configuration becomes the connector
 * the push queue uses. The queue itself knows only the AccountingConnector interface.
 */
import type {
  AccountingPlatformSettings,
  QuickBooksSettings,
  XeroSettings,
} from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { Queryable } from '../platform/transaction.ts';
import type { AccountingConnector } from './connector.ts';
import { currentRefreshToken, saveRefreshToken } from './connector-state.ts';
import { createQuickBooksConnector } from './quickbooks/connector.ts';
import { readQuickBooksMapping } from './settings.ts';
import { createXeroConnector } from './xero/connector.ts';

export interface ConnectorContext {
  logger: Logger;
  /**
   * Where the QuickBooks connector reads the shop's tax codes and items, and where refresh
   * tokens are kept.
   */
  db: Queryable;
}

/** The connector for the configured platform. */
export function accountingConnectorFor(
  settings: AccountingPlatformSettings,
  context: ConnectorContext,
): Promise<AccountingConnector> {
  switch (settings.platform) {
    case 'xero':
      return xeroConnector(settings, context);
    case 'quickbooks':
      return quickBooksConnector(settings, context);
  }
}

/**
 * QuickBooks retires a refresh token as it issues the next, so the connector starts from the
 * newest one it was given for the configured token and keeps each new one at once.
 */
async function quickBooksConnector(
  settings: QuickBooksSettings,
  context: ConnectorContext,
): Promise<AccountingConnector> {
  const { db, logger } = context;
  const origin = {
    platform: 'quickbooks',
    configuredToken: settings.refreshToken,
    clientSecret: settings.clientSecret,
  } as const;
  const refreshToken = await currentRefreshToken(db, origin, logger);

  return createQuickBooksConnector({
    ...settings,
    logger,
    refreshToken,
    saveRefreshToken: (issuedToken) => saveRefreshToken(db, origin, issuedToken),
    mapping: () => readQuickBooksMapping(db),
  });
}

/**
 * A Xero custom connection needs nothing kept. A standard app's refresh token rotates as
 * QuickBooks' does (the old one is retired 30 minutes later), so it is kept the same way.
 */
async function xeroConnector(
  settings: XeroSettings,
  context: ConnectorContext,
): Promise<AccountingConnector> {
  const { db, logger } = context;
  if (settings.refreshToken === undefined) {
    return createXeroConnector({ ...settings, logger });
  }

  const origin = {
    platform: 'xero',
    configuredToken: settings.refreshToken,
    clientSecret: settings.clientSecret,
  } as const;
  const refreshToken = await currentRefreshToken(db, origin, logger);

  return createXeroConnector({
    ...settings,
    logger,
    refreshToken,
    saveRefreshToken: (issuedToken) => saveRefreshToken(db, origin, issuedToken),
  });
}
