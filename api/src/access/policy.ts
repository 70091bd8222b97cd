/**
 * The access policy: one rule for every field the API exposes, in one place, so that what
 * each role can read and change is reviewable without reading the resolvers. Building the
 * schema fails when a type or field has no rule here, or when a rule names something the
 * schema no longer has (see guard.ts); a new resolver therefore cannot be exposed by accident.
 *
 * A type's `'*'` rule covers each of its fields not named separately. Fields holding money
 * (costs, margins, revenue, invoice amounts) name finance:read on their own, whatever the
 * type around them allows, because the same object is reached by paths the warehouse uses.
 * Such fields are nullable in the schema, so a refused one is null with an error beside it and
 * the rest of the answer still arrives.
 */
import type { Permission } from './permissions.ts';

export type Rule =
  /** Anyone, signed in or not: signing in itself, and asking who one is. */
  | { kind: 'anyone' }
  /** Any person or token; a person who must change their password still passes. */
  | { kind: 'signed-in' }
  /** A caller holding at least one of the permissions. */
  | { kind: 'permission'; anyOf: readonly Permission[] };

export const anyone: Rule = { kind: 'anyone' };
export const signedIn: Rule = { kind: 'signed-in' };

export function needs(...anyOf: Permission[]): Rule {
  return { kind: 'permission', anyOf };
}

/** The key of a type's rule for every field it does not name. */
export const everyField = '*';

export type Policy = Record<string, Record<string, Rule>>;

const stockRead = needs('stock:read');
const stockWrite = needs('stock:write');
const ordersRead = needs('orders:read');
const stockOrOrdersRead = needs('stock:read', 'orders:read');
const financeRead = needs('finance:read');
const financeWrite = needs('finance:write');
const admin = needs('admin');

/**
 * Exceptions are one type whose rows belong to different people: stock exceptions are the
 * warehouse's, accounting exceptions (a document refused, a total that differs, pushing parked,
 * the connection failing) are finance's, and their messages hold totals, invoice numbers and
 * account codes. A field cannot say whose a row is, so each exception area has its own rules
 * here, and the resolvers apply them row by row (ledger/graphql.ts, accounting/graphql.ts):
 *
 * - lists and the live feed hold only the areas the caller may read, and asking for an area
 *   (or a kind) the caller may not read is refused with FORBIDDEN;
 * - resolving an exception of an area the caller may not resolve is refused in the payload's
 *   errors (FORBIDDEN), as any other refusal of resolveException is, and changes nothing.
 *
 * The fields themselves therefore pass a caller who may read (or resolve) either area. A
 * finance caller without stock:read still reads accounting exceptions: they are finance's
 * work, and nothing in them is stock.
 */
export const exceptionAreaRules: Record<'stock' | 'accounting', { read: Rule; resolve: Rule }> = {
  stock: { read: stockRead, resolve: stockWrite },
  accounting: { read: financeRead, resolve: financeWrite },
};
const exceptionsRead = needs('stock:read', 'finance:read');
const exceptionsResolve = needs('stock:write', 'finance:write');

export const policy: Policy = {
  Query: {
    shop: signedIn,
    locations: stockOrOrdersRead,
    sku: stockRead,
    skus: stockRead,
    stockLevels: stockRead,
    movements: stockRead,
    openExceptions: exceptionsRead,
    openExceptionCount: exceptionsRead,
    orders: ordersRead,
    order: ordersRead,
    auditEvents: admin,
    apiTokens: admin,
    viewer: anyone,
    users: admin,
    user: admin,
    accountingDocuments: financeRead,
    accountingDocumentCounts: financeRead,
    accountingDocument: financeRead,
    accountingSettings: financeRead,
  },
  Mutation: {
    receiveStock: stockWrite,
    adjustStock: stockWrite,
    transferStock: stockWrite,
    recordCount: stockWrite,
    resolveException: exceptionsResolve,
    setUnitCost: financeWrite,
    createApiToken: admin,
    revokeApiToken: admin,
    signIn: anyone,
    signOut: signedIn,
    changePassword: signedIn,
    createUser: admin,
    updateUser: admin,
    resetPassword: admin,
    endSessions: admin,
    clearSignInLock: admin,
    retryAccountingDocument: financeWrite,
    updateAccountingSettings: financeWrite,
  },
  Subscription: {
    stockLevelChanged: stockRead,
    exceptionRaised: exceptionsRead,
    orderChanged: ordersRead,
    accountingDocumentChanged: financeRead,
  },

  Shop: { [everyField]: signedIn },
  Location: { [everyField]: stockOrOrdersRead },
  Sku: { [everyField]: stockRead, unitCost: financeRead },
  StockLevel: { [everyField]: stockRead },
  MovementConnection: { [everyField]: stockRead },
  MovementEdge: { [everyField]: stockRead },
  StockMovement: { [everyField]: stockRead },
  PageInfo: { [everyField]: signedIn },
  StockException: { [everyField]: exceptionsRead },
  Order: {
    [everyField]: ordersRead,
    total: financeRead,
    invoice: financeRead,
    creditNotes: financeRead,
    accountingExceptions: financeRead,
  },
  OrderLine: { [everyField]: ordersRead, unitPrice: financeRead },
  // Money is only ever reached through a finance:read field; its own rule says the same, so a
  // money field added later without one is still refused below it.
  Money: { [everyField]: financeRead },
  StockOperationPayload: { [everyField]: stockWrite },
  StockError: { [everyField]: signedIn },
  ResolveExceptionPayload: { [everyField]: exceptionsResolve },
  AuditEventConnection: { [everyField]: admin },
  AuditEventEdge: { [everyField]: admin },
  AuditEvent: { [everyField]: admin },
  SetUnitCostPayload: { [everyField]: financeWrite },
  CostError: { [everyField]: signedIn },
  ApiToken: { [everyField]: admin },
  CreateApiTokenPayload: { [everyField]: admin },
  RevokeApiTokenPayload: { [everyField]: admin },
  TokenError: { [everyField]: admin },
  // An invoice is money from its number to its last line: all of it is finance:read, like the
  // order's total, and the warehouse reaches none of it.
  AccountingDocument: { [everyField]: financeRead },
  AccountingDocumentLine: { [everyField]: financeRead },
  AccountingAlert: { [everyField]: financeRead },
  AccountingDocumentConnection: { [everyField]: financeRead },
  AccountingDocumentEdge: { [everyField]: financeRead },
  AccountingStatusCount: { [everyField]: financeRead },
  AccountingSettings: { [everyField]: financeRead },
  RetryAccountingDocumentPayload: { [everyField]: financeWrite },
  UpdateAccountingSettingsPayload: { [everyField]: financeWrite },
  AccountingError: { [everyField]: signedIn },

  // Who one is, and the answers of signing in, are for anyone: the caller of signIn is still
  // anonymous while the answer is written. They hold only the caller's own details.
  Viewer: { [everyField]: anyone },
  ViewerUser: { [everyField]: anyone },
  AccessError: { [everyField]: anyone },
  SignInPayload: { [everyField]: anyone },
  SignOutPayload: { [everyField]: signedIn },
  ChangePasswordPayload: { [everyField]: signedIn },
  User: { [everyField]: admin },
  SignInLock: { [everyField]: admin },
  UserSession: { [everyField]: admin },
  UserPayload: { [everyField]: admin },
  OneTimePasswordPayload: { [everyField]: admin },
  EndSessionsPayload: { [everyField]: admin },
};

/** The rule for one field, or undefined when the policy has none. */
export function ruleFor(typeName: string, fieldName: string): Rule | undefined {
  const rules = policy[typeName];
  return rules?.[fieldName] ?? rules?.[everyField];
}

export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'anyone':
      return 'anyone';
    case 'signed-in':
      return 'any signed-in person or API token';
    case 'permission':
      return `the ${rule.anyOf.join(' or ')} permission`;
  }
}
