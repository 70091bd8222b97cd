/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment AuditEventFields on AuditEvent {\n    id\n    occurredAt\n    actor\n    actorKind\n    actorLabel\n    operation\n    input\n    outcome\n    outcomeDetail\n    channel\n    subject\n    sourceAddress\n  }\n": typeof types.AuditEventFieldsFragmentDoc,
    "\n  query AuditEvents($first: Int!, $after: String, $filter: AuditFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...AuditEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  query AuditActors {\n    users {\n      id\n      email\n    }\n    apiTokens {\n      id\n      name\n    }\n  }\n": typeof types.AuditActorsDocument,
    "\n  fragment ApiTokenFields on ApiToken {\n    id\n    name\n    scopes\n    createdAt\n    createdBy\n    expiresAt\n    revokedAt\n    lastUsedAt\n    isActive\n  }\n": typeof types.ApiTokenFieldsFragmentDoc,
    "\n  query ApiTokens {\n    apiTokens {\n      ...ApiTokenFields\n    }\n    users {\n      id\n      email\n    }\n  }\n": typeof types.ApiTokensDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      token {\n        ...ApiTokenFields\n      }\n      secret\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  fragment UserFields on User {\n    id\n    email\n    name\n    roles\n    isDisabled\n    mustChangePassword\n    createdAt\n    lastSignInAt\n    activeSessions {\n      id\n      lastSeenAt\n    }\n    signInLock {\n      failures\n      lockedUntil\n    }\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  query Users {\n    users {\n      ...UserFields\n    }\n  }\n": typeof types.UsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation ResetPassword($userId: ID!) {\n    resetPassword(userId: $userId) {\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation EndSessions($userId: ID!) {\n    endSessions(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.EndSessionsDocument,
    "\n  mutation ClearSignInLock($userId: ID!) {\n    clearSignInLock(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.ClearSignInLockDocument,
    "\n  fragment AccountingExceptionFields on StockException {\n    id\n    kind\n    message\n    raisedAt\n    orderId\n    details\n  }\n": typeof types.AccountingExceptionFieldsFragmentDoc,
    "\n  query OpenAccountingExceptions($first: Int!) {\n    openExceptionCount(area: ACCOUNTING)\n    openExceptions(area: ACCOUNTING, first: $first) {\n      ...AccountingExceptionFields\n    }\n  }\n": typeof types.OpenAccountingExceptionsDocument,
    "\n  fragment AccountingDocumentRow on AccountingDocument {\n    id\n    kind\n    number\n    status\n    shopifyOrderId\n    orderName\n    documentDate\n    total {\n      amountMinor\n      currency\n    }\n    platform\n    platformNumber\n    failureReason\n    attempts\n    allocationStatus\n    updatedAt\n    order {\n      id\n    }\n  }\n": typeof types.AccountingDocumentRowFragmentDoc,
    "\n  query AccountingDocuments($filter: AccountingDocumentFilter, $first: Int!, $after: String) {\n    accountingDocuments(filter: $filter, first: $first, after: $after) {\n      nodes {\n        ...AccountingDocumentRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    accountingDocumentCounts(filter: $filter) {\n      status\n      count\n    }\n  }\n": typeof types.AccountingDocumentsDocument,
    "\n  query AccountingDocument($id: ID!) {\n    accountingDocument(id: $id) {\n      ...AccountingDocumentRow\n      shopifyRefundId\n      currency\n      subtotal {\n        amountMinor\n        currency\n      }\n      tax {\n        amountMinor\n        currency\n      }\n      platformId\n      pushedAt\n      createdAt\n      lines {\n        description\n        sku\n        quantity\n        unitAmount {\n          amountMinor\n          currency\n        }\n        discount {\n          amountMinor\n          currency\n        }\n        lineTotal {\n          amountMinor\n          currency\n        }\n        tax {\n          amountMinor\n          currency\n        }\n        accountCode\n        taxType\n      }\n      alerts {\n        code\n        message\n        amount {\n          amountMinor\n          currency\n        }\n      }\n      exceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n": typeof types.AccountingDocumentDocument,
    "\n  query OrderDocuments($id: ID!) {\n    order(id: $id) {\n      id\n      name\n      placedAt\n      financialStatus\n      total {\n        amountMinor\n        currency\n      }\n      invoice {\n        ...AccountingDocumentRow\n      }\n      creditNotes {\n        ...AccountingDocumentRow\n      }\n      accountingExceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n": typeof types.OrderDocumentsDocument,
    "\n  mutation RetryAccountingDocument($id: ID!) {\n    retryAccountingDocument(id: $id) {\n      document {\n        ...AccountingDocumentRow\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.RetryAccountingDocumentDocument,
    "\n  subscription AccountingDocumentChanged($orderId: ID) {\n    accountingDocumentChanged(orderId: $orderId) {\n      ...AccountingDocumentRow\n    }\n  }\n": typeof types.AccountingDocumentChangedDocument,
    "\n  fragment AccountingSettingsFields on AccountingSettings {\n    platform\n    parkedUntil\n    parkedReason\n    invoiceTrigger\n    invoiceNumberPattern\n    creditNoteNumberPattern\n    salesAccount\n    shippingAccount\n    roundingAccount\n    refundAdjustmentAccount\n    restockingFeeAccount\n    giftCardAccount\n    taxedTaxType\n    untaxedTaxType\n    outOfScopeTaxType\n    quickbooksTaxedTaxCode\n    quickbooksUntaxedTaxCode\n    quickbooksShippingItem\n    quickbooksOtherItem\n    updatedAt\n    updatedBy\n  }\n": typeof types.AccountingSettingsFieldsFragmentDoc,
    "\n  query AccountingSettings {\n    accountingSettings {\n      ...AccountingSettingsFields\n    }\n  }\n": typeof types.AccountingSettingsDocument,
    "\n  mutation UpdateAccountingSettings($input: AccountingSettingsInput!) {\n    updateAccountingSettings(input: $input) {\n      settings {\n        ...AccountingSettingsFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.UpdateAccountingSettingsDocument,
    "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n": typeof types.ShopSettingsDocument,
    "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    madeBy\n    occurredAt\n    recordedAt\n  }\n": typeof types.MovementFieldsFragmentDoc,
    "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": typeof types.HistorySkuDocument,
    "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MovementPageDocument,
    "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n": typeof types.StockLevelFieldsFragmentDoc,
    "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": typeof types.StockTableDocument,
    "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n": typeof types.StockLevelChangedDocument,
    "\n  fragment ViewerFields on Viewer {\n    kind\n    permissions\n    csrfToken\n    user {\n      id\n      email\n      name\n      roles\n      mustChangePassword\n    }\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation SignOut {\n    signOut {\n      signedOut\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.SignOutDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": typeof types.ChangePasswordDocument,
};
const documents: Documents = {
    "\n  fragment AuditEventFields on AuditEvent {\n    id\n    occurredAt\n    actor\n    actorKind\n    actorLabel\n    operation\n    input\n    outcome\n    outcomeDetail\n    channel\n    subject\n    sourceAddress\n  }\n": types.AuditEventFieldsFragmentDoc,
    "\n  query AuditEvents($first: Int!, $after: String, $filter: AuditFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...AuditEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  query AuditActors {\n    users {\n      id\n      email\n    }\n    apiTokens {\n      id\n      name\n    }\n  }\n": types.AuditActorsDocument,
    "\n  fragment ApiTokenFields on ApiToken {\n    id\n    name\n    scopes\n    createdAt\n    createdBy\n    expiresAt\n    revokedAt\n    lastUsedAt\n    isActive\n  }\n": types.ApiTokenFieldsFragmentDoc,
    "\n  query ApiTokens {\n    apiTokens {\n      ...ApiTokenFields\n    }\n    users {\n      id\n      email\n    }\n  }\n": types.ApiTokensDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      token {\n        ...ApiTokenFields\n      }\n      secret\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  fragment UserFields on User {\n    id\n    email\n    name\n    roles\n    isDisabled\n    mustChangePassword\n    createdAt\n    lastSignInAt\n    activeSessions {\n      id\n      lastSeenAt\n    }\n    signInLock {\n      failures\n      lockedUntil\n    }\n  }\n": types.UserFieldsFragmentDoc,
    "\n  query Users {\n    users {\n      ...UserFields\n    }\n  }\n": types.UsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation ResetPassword($userId: ID!) {\n    resetPassword(userId: $userId) {\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation EndSessions($userId: ID!) {\n    endSessions(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.EndSessionsDocument,
    "\n  mutation ClearSignInLock($userId: ID!) {\n    clearSignInLock(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.ClearSignInLockDocument,
    "\n  fragment AccountingExceptionFields on StockException {\n    id\n    kind\n    message\n    raisedAt\n    orderId\n    details\n  }\n": types.AccountingExceptionFieldsFragmentDoc,
    "\n  query OpenAccountingExceptions($first: Int!) {\n    openExceptionCount(area: ACCOUNTING)\n    openExceptions(area: ACCOUNTING, first: $first) {\n      ...AccountingExceptionFields\n    }\n  }\n": types.OpenAccountingExceptionsDocument,
    "\n  fragment AccountingDocumentRow on AccountingDocument {\n    id\n    kind\n    number\n    status\n    shopifyOrderId\n    orderName\n    documentDate\n    total {\n      amountMinor\n      currency\n    }\n    platform\n    platformNumber\n    failureReason\n    attempts\n    allocationStatus\n    updatedAt\n    order {\n      id\n    }\n  }\n": types.AccountingDocumentRowFragmentDoc,
    "\n  query AccountingDocuments($filter: AccountingDocumentFilter, $first: Int!, $after: String) {\n    accountingDocuments(filter: $filter, first: $first, after: $after) {\n      nodes {\n        ...AccountingDocumentRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    accountingDocumentCounts(filter: $filter) {\n      status\n      count\n    }\n  }\n": types.AccountingDocumentsDocument,
    "\n  query AccountingDocument($id: ID!) {\n    accountingDocument(id: $id) {\n      ...AccountingDocumentRow\n      shopifyRefundId\n      currency\n      subtotal {\n        amountMinor\n        currency\n      }\n      tax {\n        amountMinor\n        currency\n      }\n      platformId\n      pushedAt\n      createdAt\n      lines {\n        description\n        sku\n        quantity\n        unitAmount {\n          amountMinor\n          currency\n        }\n        discount {\n          amountMinor\n          currency\n        }\n        lineTotal {\n          amountMinor\n          currency\n        }\n        tax {\n          amountMinor\n          currency\n        }\n        accountCode\n        taxType\n      }\n      alerts {\n        code\n        message\n        amount {\n          amountMinor\n          currency\n        }\n      }\n      exceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n": types.AccountingDocumentDocument,
    "\n  query OrderDocuments($id: ID!) {\n    order(id: $id) {\n      id\n      name\n      placedAt\n      financialStatus\n      total {\n        amountMinor\n        currency\n      }\n      invoice {\n        ...AccountingDocumentRow\n      }\n      creditNotes {\n        ...AccountingDocumentRow\n      }\n      accountingExceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n": types.OrderDocumentsDocument,
    "\n  mutation RetryAccountingDocument($id: ID!) {\n    retryAccountingDocument(id: $id) {\n      document {\n        ...AccountingDocumentRow\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.RetryAccountingDocumentDocument,
    "\n  subscription AccountingDocumentChanged($orderId: ID) {\n    accountingDocumentChanged(orderId: $orderId) {\n      ...AccountingDocumentRow\n    }\n  }\n": types.AccountingDocumentChangedDocument,
    "\n  fragment AccountingSettingsFields on AccountingSettings {\n    platform\n    parkedUntil\n    parkedReason\n    invoiceTrigger\n    invoiceNumberPattern\n    creditNoteNumberPattern\n    salesAccount\n    shippingAccount\n    roundingAccount\n    refundAdjustmentAccount\n    restockingFeeAccount\n    giftCardAccount\n    taxedTaxType\n    untaxedTaxType\n    outOfScopeTaxType\n    quickbooksTaxedTaxCode\n    quickbooksUntaxedTaxCode\n    quickbooksShippingItem\n    quickbooksOtherItem\n    updatedAt\n    updatedBy\n  }\n": types.AccountingSettingsFieldsFragmentDoc,
    "\n  query AccountingSettings {\n    accountingSettings {\n      ...AccountingSettingsFields\n    }\n  }\n": types.AccountingSettingsDocument,
    "\n  mutation UpdateAccountingSettings($input: AccountingSettingsInput!) {\n    updateAccountingSettings(input: $input) {\n      settings {\n        ...AccountingSettingsFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.UpdateAccountingSettingsDocument,
    "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n": types.ShopSettingsDocument,
    "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    madeBy\n    occurredAt\n    recordedAt\n  }\n": types.MovementFieldsFragmentDoc,
    "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": types.HistorySkuDocument,
    "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MovementPageDocument,
    "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n": types.StockLevelFieldsFragmentDoc,
    "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n": types.StockTableDocument,
    "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n": types.StockLevelChangedDocument,
    "\n  fragment ViewerFields on Viewer {\n    kind\n    permissions\n    csrfToken\n    user {\n      id\n      email\n      name\n      roles\n      mustChangePassword\n    }\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation SignOut {\n    signOut {\n      signedOut\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.SignOutDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n": types.ChangePasswordDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuditEventFields on AuditEvent {\n    id\n    occurredAt\n    actor\n    actorKind\n    actorLabel\n    operation\n    input\n    outcome\n    outcomeDetail\n    channel\n    subject\n    sourceAddress\n  }\n"): (typeof documents)["\n  fragment AuditEventFields on AuditEvent {\n    id\n    occurredAt\n    actor\n    actorKind\n    actorLabel\n    operation\n    input\n    outcome\n    outcomeDetail\n    channel\n    subject\n    sourceAddress\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int!, $after: String, $filter: AuditFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...AuditEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int!, $after: String, $filter: AuditFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...AuditEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditActors {\n    users {\n      id\n      email\n    }\n    apiTokens {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query AuditActors {\n    users {\n      id\n      email\n    }\n    apiTokens {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ApiTokenFields on ApiToken {\n    id\n    name\n    scopes\n    createdAt\n    createdBy\n    expiresAt\n    revokedAt\n    lastUsedAt\n    isActive\n  }\n"): (typeof documents)["\n  fragment ApiTokenFields on ApiToken {\n    id\n    name\n    scopes\n    createdAt\n    createdBy\n    expiresAt\n    revokedAt\n    lastUsedAt\n    isActive\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiTokens {\n    apiTokens {\n      ...ApiTokenFields\n    }\n    users {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  query ApiTokens {\n    apiTokens {\n      ...ApiTokenFields\n    }\n    users {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      token {\n        ...ApiTokenFields\n      }\n      secret\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      token {\n        ...ApiTokenFields\n      }\n      secret\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    email\n    name\n    roles\n    isDisabled\n    mustChangePassword\n    createdAt\n    lastSignInAt\n    activeSessions {\n      id\n      lastSeenAt\n    }\n    signInLock {\n      failures\n      lockedUntil\n    }\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    email\n    name\n    roles\n    isDisabled\n    mustChangePassword\n    createdAt\n    lastSignInAt\n    activeSessions {\n      id\n      lastSeenAt\n    }\n    signInLock {\n      failures\n      lockedUntil\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users {\n    users {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  query Users {\n    users {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user {\n        ...UserFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($userId: ID!) {\n    resetPassword(userId: $userId) {\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($userId: ID!) {\n    resetPassword(userId: $userId) {\n      oneTimePassword\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndSessions($userId: ID!) {\n    endSessions(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation EndSessions($userId: ID!) {\n    endSessions(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClearSignInLock($userId: ID!) {\n    clearSignInLock(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ClearSignInLock($userId: ID!) {\n    clearSignInLock(userId: $userId) {\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountingExceptionFields on StockException {\n    id\n    kind\n    message\n    raisedAt\n    orderId\n    details\n  }\n"): (typeof documents)["\n  fragment AccountingExceptionFields on StockException {\n    id\n    kind\n    message\n    raisedAt\n    orderId\n    details\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenAccountingExceptions($first: Int!) {\n    openExceptionCount(area: ACCOUNTING)\n    openExceptions(area: ACCOUNTING, first: $first) {\n      ...AccountingExceptionFields\n    }\n  }\n"): (typeof documents)["\n  query OpenAccountingExceptions($first: Int!) {\n    openExceptionCount(area: ACCOUNTING)\n    openExceptions(area: ACCOUNTING, first: $first) {\n      ...AccountingExceptionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountingDocumentRow on AccountingDocument {\n    id\n    kind\n    number\n    status\n    shopifyOrderId\n    orderName\n    documentDate\n    total {\n      amountMinor\n      currency\n    }\n    platform\n    platformNumber\n    failureReason\n    attempts\n    allocationStatus\n    updatedAt\n    order {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment AccountingDocumentRow on AccountingDocument {\n    id\n    kind\n    number\n    status\n    shopifyOrderId\n    orderName\n    documentDate\n    total {\n      amountMinor\n      currency\n    }\n    platform\n    platformNumber\n    failureReason\n    attempts\n    allocationStatus\n    updatedAt\n    order {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountingDocuments($filter: AccountingDocumentFilter, $first: Int!, $after: String) {\n    accountingDocuments(filter: $filter, first: $first, after: $after) {\n      nodes {\n        ...AccountingDocumentRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    accountingDocumentCounts(filter: $filter) {\n      status\n      count\n    }\n  }\n"): (typeof documents)["\n  query AccountingDocuments($filter: AccountingDocumentFilter, $first: Int!, $after: String) {\n    accountingDocuments(filter: $filter, first: $first, after: $after) {\n      nodes {\n        ...AccountingDocumentRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    accountingDocumentCounts(filter: $filter) {\n      status\n      count\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountingDocument($id: ID!) {\n    accountingDocument(id: $id) {\n      ...AccountingDocumentRow\n      shopifyRefundId\n      currency\n      subtotal {\n        amountMinor\n        currency\n      }\n      tax {\n        amountMinor\n        currency\n      }\n      platformId\n      pushedAt\n      createdAt\n      lines {\n        description\n        sku\n        quantity\n        unitAmount {\n          amountMinor\n          currency\n        }\n        discount {\n          amountMinor\n          currency\n        }\n        lineTotal {\n          amountMinor\n          currency\n        }\n        tax {\n          amountMinor\n          currency\n        }\n        accountCode\n        taxType\n      }\n      alerts {\n        code\n        message\n        amount {\n          amountMinor\n          currency\n        }\n      }\n      exceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query AccountingDocument($id: ID!) {\n    accountingDocument(id: $id) {\n      ...AccountingDocumentRow\n      shopifyRefundId\n      currency\n      subtotal {\n        amountMinor\n        currency\n      }\n      tax {\n        amountMinor\n        currency\n      }\n      platformId\n      pushedAt\n      createdAt\n      lines {\n        description\n        sku\n        quantity\n        unitAmount {\n          amountMinor\n          currency\n        }\n        discount {\n          amountMinor\n          currency\n        }\n        lineTotal {\n          amountMinor\n          currency\n        }\n        tax {\n          amountMinor\n          currency\n        }\n        accountCode\n        taxType\n      }\n      alerts {\n        code\n        message\n        amount {\n          amountMinor\n          currency\n        }\n      }\n      exceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderDocuments($id: ID!) {\n    order(id: $id) {\n      id\n      name\n      placedAt\n      financialStatus\n      total {\n        amountMinor\n        currency\n      }\n      invoice {\n        ...AccountingDocumentRow\n      }\n      creditNotes {\n        ...AccountingDocumentRow\n      }\n      accountingExceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrderDocuments($id: ID!) {\n    order(id: $id) {\n      id\n      name\n      placedAt\n      financialStatus\n      total {\n        amountMinor\n        currency\n      }\n      invoice {\n        ...AccountingDocumentRow\n      }\n      creditNotes {\n        ...AccountingDocumentRow\n      }\n      accountingExceptions {\n        ...AccountingExceptionFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryAccountingDocument($id: ID!) {\n    retryAccountingDocument(id: $id) {\n      document {\n        ...AccountingDocumentRow\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RetryAccountingDocument($id: ID!) {\n    retryAccountingDocument(id: $id) {\n      document {\n        ...AccountingDocumentRow\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AccountingDocumentChanged($orderId: ID) {\n    accountingDocumentChanged(orderId: $orderId) {\n      ...AccountingDocumentRow\n    }\n  }\n"): (typeof documents)["\n  subscription AccountingDocumentChanged($orderId: ID) {\n    accountingDocumentChanged(orderId: $orderId) {\n      ...AccountingDocumentRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountingSettingsFields on AccountingSettings {\n    platform\n    parkedUntil\n    parkedReason\n    invoiceTrigger\n    invoiceNumberPattern\n    creditNoteNumberPattern\n    salesAccount\n    shippingAccount\n    roundingAccount\n    refundAdjustmentAccount\n    restockingFeeAccount\n    giftCardAccount\n    taxedTaxType\n    untaxedTaxType\n    outOfScopeTaxType\n    quickbooksTaxedTaxCode\n    quickbooksUntaxedTaxCode\n    quickbooksShippingItem\n    quickbooksOtherItem\n    updatedAt\n    updatedBy\n  }\n"): (typeof documents)["\n  fragment AccountingSettingsFields on AccountingSettings {\n    platform\n    parkedUntil\n    parkedReason\n    invoiceTrigger\n    invoiceNumberPattern\n    creditNoteNumberPattern\n    salesAccount\n    shippingAccount\n    roundingAccount\n    refundAdjustmentAccount\n    restockingFeeAccount\n    giftCardAccount\n    taxedTaxType\n    untaxedTaxType\n    outOfScopeTaxType\n    quickbooksTaxedTaxCode\n    quickbooksUntaxedTaxCode\n    quickbooksShippingItem\n    quickbooksOtherItem\n    updatedAt\n    updatedBy\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountingSettings {\n    accountingSettings {\n      ...AccountingSettingsFields\n    }\n  }\n"): (typeof documents)["\n  query AccountingSettings {\n    accountingSettings {\n      ...AccountingSettingsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAccountingSettings($input: AccountingSettingsInput!) {\n    updateAccountingSettings(input: $input) {\n      settings {\n        ...AccountingSettingsFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateAccountingSettings($input: AccountingSettingsInput!) {\n    updateAccountingSettings(input: $input) {\n      settings {\n        ...AccountingSettingsFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n"): (typeof documents)["\n  query ShopSettings {\n    shop {\n      timeZone\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    madeBy\n    occurredAt\n    recordedAt\n  }\n"): (typeof documents)["\n  fragment MovementFields on StockMovement {\n    id\n    kind\n    sku\n    location {\n      id\n      name\n    }\n    onHandDelta\n    reservedDelta\n    reason\n    sourceType\n    sourceId\n    sourceLineId\n    orderId\n    madeBy\n    occurredAt\n    recordedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query HistorySku($id: ID!) {\n    sku(id: $id) {\n      id\n      code\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MovementPage($skuId: ID!, $first: Int!, $after: String) {\n    movements(filter: { skuId: $skuId }, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...MovementFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment StockLevelFields on StockLevel {\n    sku\n    skuId\n    location {\n      id\n      name\n      shopifyId\n    }\n    onHand\n    reserved\n    available\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query StockTable($search: String, $first: Int!) {\n    locations {\n      id\n      name\n      isActive\n    }\n    skus(search: $search, first: $first) {\n      id\n      code\n      rawCode\n      title\n      needsName\n      levels {\n        ...StockLevelFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n"): (typeof documents)["\n  subscription StockLevelChanged($skuId: ID, $locationId: ID) {\n    stockLevelChanged(skuId: $skuId, locationId: $locationId) {\n      ...StockLevelFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    kind\n    permissions\n    csrfToken\n    user {\n      id\n      email\n      name\n      roles\n      mustChangePassword\n    }\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    kind\n    permissions\n    csrfToken\n    user {\n      id\n      email\n      name\n      roles\n      mustChangePassword\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut {\n      signedOut\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut {\n      signedOut\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      viewer {\n        ...ViewerFields\n      }\n      errors {\n        field\n        code\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;