/**
 * Invoices and credit notes as the finance screens read and change them: the documents, the
 * words for statuses and kinds, and money as a person reads it. Amounts arrive as integer minor
 * units with their currency and are turned into text only here; nothing on screen adds them up.
 */
import { graphql } from '$lib/gql';
import type {
  AccountingDocumentKind,
  AccountingDocumentRowFragment,
  AccountingDocumentStatus,
  AccountingExceptionFieldsFragment,
  AccountingSettingsFieldsFragment,
} from '$lib/gql/graphql';

export type AccountingDocumentRow = AccountingDocumentRowFragment;
export type AccountingSettingsFields = AccountingSettingsFieldsFragment;
export type AccountingException = AccountingExceptionFieldsFragment;

export const accountingExceptionFields = graphql(`
  fragment AccountingExceptionFields on StockException {
    id
    kind
    message
    raisedAt
    orderId
    details
  }
`);

/** How many accounting exceptions are open, and the newest of them. */
export const openAccountingExceptionsQuery = graphql(`
  query OpenAccountingExceptions($first: Int!) {
    openExceptionCount(area: ACCOUNTING)
    openExceptions(area: ACCOUNTING, first: $first) {
      ...AccountingExceptionFields
    }
  }
`);

export const accountingDocumentRowFields = graphql(`
  fragment AccountingDocumentRow on AccountingDocument {
    id
    kind
    number
    status
    shopifyOrderId
    orderName
    documentDate
    total {
      amountMinor
      currency
    }
    platform
    platformNumber
    failureReason
    attempts
    allocationStatus
    updatedAt
    order {
      id
    }
  }
`);

export const accountingDocumentsQuery = graphql(`
  query AccountingDocuments($filter: AccountingDocumentFilter, $first: Int!, $after: String) {
    accountingDocuments(filter: $filter, first: $first, after: $after) {
      nodes {
        ...AccountingDocumentRow
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    accountingDocumentCounts(filter: $filter) {
      status
      count
    }
  }
`);

export const accountingDocumentQuery = graphql(`
  query AccountingDocument($id: ID!) {
    accountingDocument(id: $id) {
      ...AccountingDocumentRow
      shopifyRefundId
      currency
      subtotal {
        amountMinor
        currency
      }
      tax {
        amountMinor
        currency
      }
      platformId
      pushedAt
      createdAt
      lines {
        description
        sku
        quantity
        unitAmount {
          amountMinor
          currency
        }
        discount {
          amountMinor
          currency
        }
        lineTotal {
          amountMinor
          currency
        }
        tax {
          amountMinor
          currency
        }
        accountCode
        taxType
      }
      alerts {
        code
        message
        amount {
          amountMinor
          currency
        }
      }
      exceptions {
        ...AccountingExceptionFields
      }
    }
  }
`);

export const orderDocumentsQuery = graphql(`
  query OrderDocuments($id: ID!) {
    order(id: $id) {
      id
      name
      placedAt
      financialStatus
      total {
        amountMinor
        currency
      }
      invoice {
        ...AccountingDocumentRow
      }
      creditNotes {
        ...AccountingDocumentRow
      }
      accountingExceptions {
        ...AccountingExceptionFields
      }
    }
  }
`);

export const retryAccountingDocumentMutation = graphql(`
  mutation RetryAccountingDocument($id: ID!) {
    retryAccountingDocument(id: $id) {
      document {
        ...AccountingDocumentRow
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

export const accountingDocumentChangedSubscription = graphql(`
  subscription AccountingDocumentChanged($orderId: ID) {
    accountingDocumentChanged(orderId: $orderId) {
      ...AccountingDocumentRow
    }
  }
`);

export const accountingSettingsFields = graphql(`
  fragment AccountingSettingsFields on AccountingSettings {
    platform
    parkedUntil
    parkedReason
    invoiceTrigger
    invoiceNumberPattern
    creditNoteNumberPattern
    salesAccount
    shippingAccount
    roundingAccount
    refundAdjustmentAccount
    restockingFeeAccount
    giftCardAccount
    taxedTaxType
    untaxedTaxType
    outOfScopeTaxType
    quickbooksTaxedTaxCode
    quickbooksUntaxedTaxCode
    quickbooksShippingItem
    quickbooksOtherItem
    updatedAt
    updatedBy
  }
`);

export const accountingSettingsQuery = graphql(`
  query AccountingSettings {
    accountingSettings {
      ...AccountingSettingsFields
    }
  }
`);

export const updateAccountingSettingsMutation = graphql(`
  mutation UpdateAccountingSettings($input: AccountingSettingsInput!) {
    updateAccountingSettings(input: $input) {
      settings {
        ...AccountingSettingsFields
      }
      errors {
        field
        code
        message
      }
    }
  }
`);

/** The tabs of the list, most in need of a person first. */
export const statusTabs: readonly { status: AccountingDocumentStatus | null; label: string }[] = [
  { status: 'FAILED', label: 'Failed' },
  { status: 'PENDING', label: 'Pending' },
  { status: 'WAITING', label: 'Waiting' },
  { status: 'PUSHED', label: 'Pushed' },
  { status: 'VOID', label: 'Void' },
  { status: null, label: 'All' },
];

const statusLabels: Record<AccountingDocumentStatus, string> = {
  FAILED: 'Failed',
  PENDING: 'Pending',
  WAITING: 'Waiting',
  PUSHED: 'Pushed',
  VOID: 'Void',
};

/** What each status means to the person looking at it. */
const statusMeanings: Record<AccountingDocumentStatus, string> = {
  FAILED: 'Not pushed: fix what the reason says, then retry.',
  PENDING: 'Queued for pushing.',
  WAITING: 'Waits for its invoice to be made or pushed first.',
  PUSHED: 'On the accounting platform.',
  VOID: 'The order was cancelled before it was confirmed; never pushed.',
};

export function statusLabel(status: AccountingDocumentStatus): string {
  return statusLabels[status];
}

export function statusMeaning(status: AccountingDocumentStatus): string {
  return statusMeanings[status];
}

/**
 * Whether a retry can do anything for a document, as the API decides it too: one that failed
 * to push, or a pushed credit note whose credit the platform refused to apply to its invoice.
 */
export function isRetryable(
  document: Pick<AccountingDocumentRow, 'status' | 'allocationStatus'>,
): boolean {
  return (
    document.status === 'FAILED' ||
    (document.status === 'PUSHED' && document.allocationStatus === 'FAILED')
  );
}

/**
 * What a document is called on screen: its number, or "Not built" while it has none. Its
 * internal id is never shown in its place: "#102" beside order "#5045" reads as an order.
 */
export function documentNumberLabel(number: string | null | undefined): string {
  return number ?? 'Not built';
}

export function kindLabel(kind: AccountingDocumentKind): string {
  return kind === 'INVOICE' ? 'Invoice' : 'Credit note';
}

export function isStatus(value: string | null): value is AccountingDocumentStatus {
  return value !== null && value in statusLabels;
}

export function isKind(value: string | null): value is AccountingDocumentKind {
  return value === 'INVOICE' || value === 'CREDIT_NOTE';
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * Minor units of a currency as a person reads them: `£12.45`, `€8.00`, `¥1,200`. The digits
 * after the point are the currency's own (two for GBP, none for JPY).
 */
export function formatMoney(money: { amountMinor: number; currency: string } | null): string {
  if (money === null) {
    return '—';
  }
  let format = moneyFormats.get(money.currency);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency: money.currency });
    moneyFormats.set(money.currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  // The point is placed in the text: dividing would round the last digit of an amount in the
  // trillions, which the API carries exactly (up to Number.MAX_SAFE_INTEGER minor units).
  const units = String(Math.abs(money.amountMinor)).padStart(digits + 1, '0');
  const whole = units.slice(0, units.length - digits);
  const decimal = digits === 0 ? whole : `${whole}.${units.slice(-digits)}`;
  const sign = money.amountMinor < 0 ? '-' : '';
  return format.format(`${sign}${decimal}` as `${number}`);
}

/** A `YYYY-MM-DD` document date as `1 Dec 2026`; it is already the shop's day. */
export function formatDocumentDate(day: string | null | undefined): string {
  if (day === null || day === undefined) {
    return '—';
  }
  const [year, month, date] = day.split('-').map(Number);
  const asUtc = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, date ?? 1));
  return asUtc.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const platformLabels: Record<string, string> = {
  XERO: 'Xero',
  QUICKBOOKS: 'QuickBooks',
  XERO_SIMULATOR: 'Xero simulator',
};

/** The platform's name for where a document went. */
export function platformLabel(platform: string | null | undefined): string {
  return platformLabels[platform ?? ''] ?? 'the platform';
}

const exceptionKindLabels: Record<string, string> = {
  ACCOUNTING_DOCUMENT_FAILED: 'Document failed',
  ACCOUNTING_TOTAL_MISMATCH: 'Total differs on the platform',
  ACCOUNTING_PUSH_PARKED: 'Pushing paused',
  ACCOUNTING_CONNECTION_FAILED: 'Connection failed',
  ACCOUNTING_CREDIT_UNAPPLIED: 'Credit left unapplied',
  ACCOUNTING_INVOICE_TO_VOID: 'Invoice to void on the platform',
};

/** An accounting exception's kind as a person reads it. */
export function exceptionKindLabel(kind: string): string {
  return exceptionKindLabels[kind] ?? kind.toLowerCase().replaceAll('_', ' ');
}

/** The document an accounting exception is about, when it names one. */
export function documentIdOf(exception: AccountingException): string | null {
  const documentId = exception.details['documentId'];
  return typeof documentId === 'string' ? documentId : null;
}
