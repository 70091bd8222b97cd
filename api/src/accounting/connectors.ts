/**
 * The one place where the accounting platform named in the configuration becomes the connector
 * the push queue uses. The queue itself knows only the AccountingConnector interface.
 */
import type { AccountingPlatformSettings } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { Queryable } from '../platform/transaction.ts';
import {
  ConnectorConfigurationError,
  type AccountingConnector,
  type AccountingPlatform,
} from './connector.ts';

export interface ConnectorContext {
  logger: Logger;
  /** Where the QuickBooks connector reads the shop's tax codes and items. */
  db: Queryable;
}

/** The connector for the configured platform. */
export function accountingConnectorFor(
  settings: AccountingPlatformSettings,
  context: ConnectorContext,
): Promise<AccountingConnector> {
  switch (settings.platform) {
    case 'xero':
      // The Xero adapter (xero/connector.ts) is not part of this build yet. Until it is, every
      // push answers a configuration error: documents stay pending, a person is told once,
      // and nothing is lost. Wiring it is this one line:
      // `return Promise.resolve(createXeroConnector({ ...settings, logger: context.logger }));`
      return Promise.resolve(missingConnector('xero', context.logger));
    case 'quickbooks':
      // The same for QuickBooks Online (quickbooks/connector.ts). Wiring it is
      // `createQuickBooksConnector({ ...settings, logger, refreshToken, saveRefreshToken,
      // mapping })` with `refreshToken: await currentRefreshToken(db, 'quickbooks',
      // settings.refreshToken)`, `saveRefreshToken: (token) => saveRefreshToken(db,
      // 'quickbooks', settings.refreshToken, token)` (connector-state.ts) and
      // `mapping: () => readQuickBooksMapping(db)` (settings.ts).
      return Promise.resolve(missingConnector('quickbooks', context.logger));
  }
}

/** A connector that can push nothing and says why; see accountingConnectorFor. */
function missingConnector(platform: AccountingPlatform, logger: Logger): AccountingConnector {
  const refuse = (): never => {
    logger.warn({ platform }, 'no connector for the accounting platform in this build');
    throw new ConnectorConfigurationError(
      `pushing to ${platform} is not available in this build of Quartermaster`,
    );
  };
  return {
    platform,
    batchSizeMax: 50,
    pushInvoices: () => Promise.resolve().then(refuse),
    pushCreditNotes: () => Promise.resolve().then(refuse),
    allocate: () => Promise.resolve().then(refuse),
    close: () => Promise.resolve(),
  };
}
