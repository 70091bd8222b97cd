// Query cost and the leaky bucket, approximating Shopify's calculated query cost:
// - a mutation field costs 10, whatever it selects;
// - a scalar or enum costs 0; an object costs 1; a `…Connection` costs 2 plus, for each of the
//   `first`/`last` nodes it asks for, the cost of one node (edges and PageInfo are free);
// - `nodes(ids:)` costs one node per id; any other list of objects costs as one object.
// The requested cost is taken from the bucket before running; the actual cost is computed from
// the answer (nodes really returned) and the difference is given back, as Shopify does.
// Leaves out: Shopify's per-field cost overrides, the 1,000-point single-query limit being a
// separate setting from the bucket size, and interfaces' exact maxima (fragments on an abstract
// type cost as the dearest of them).
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  typeFromAST,
} from 'graphql';

/** What Shopify reports in `extensions.cost.throttleStatus`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export const mutationCost = 10;

/**
 * A bucket of points that refills at `restoreRate` points a second up to `maximumAvailable`.
 * Time comes from `nowMs` so tests can drive it.
 */
export class LeakyBucket {
  private availablePoints: number;
  private refilledAtMs: number;

  constructor(
    readonly maximumAvailable: number,
    readonly restoreRate: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.availablePoints = maximumAvailable;
    this.refilledAtMs = nowMs();
  }

  private refill(): void {
    const nowMs = this.nowMs();
    const restored = ((nowMs - this.refilledAtMs) / 1000) * this.restoreRate;
    this.availablePoints = Math.min(this.maximumAvailable, this.availablePoints + restored);
    this.refilledAtMs = nowMs;
  }

  /** Takes the points if they are all there; takes nothing otherwise. */
  tryTake(points: number): boolean {
    this.refill();
    if (points > this.availablePoints) {
      return false;
    }
    this.availablePoints -= points;
    return true;
  }

  /** Gives back points charged but not spent. */
  refund(points: number): void {
    this.refill();
    this.availablePoints = Math.min(this.maximumAvailable, this.availablePoints + points);
  }

  /** Empties the bucket, as a burst of other calls would. */
  drain(): void {
    this.refill();
    this.availablePoints = 0;
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.maximumAvailable,
      currentlyAvailable: Math.floor(this.availablePoints),
      restoreRate: this.restoreRate,
    };
  }
}

interface CostScope {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variableValues: Record<string, unknown>;
}

type ResultValue = unknown;

function isConnectionType(typeName: string): boolean {
  return typeName.endsWith('Connection');
}

function isFreeType(typeName: string): boolean {
  return typeName === 'PageInfo' || typeName.endsWith('Edge');
}

function pageSize(args: Record<string, unknown>): number | undefined {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (typeof value === 'number') {
      return value;
    }
  }

  const ids = args['ids'];
  return Array.isArray(ids) ? ids.length : undefined;
}

function asRecord(value: ResultValue): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return undefined;
  }
  return Object.fromEntries(Object.entries(value));
}

/**
 * Cost of a selection set on `parentType`. With `result` undefined it is the requested cost;
 * with the answer's data for this object it is the actual cost. `multiplier` is the page size
 * that the enclosing connection (or `nodes(ids:)`) applies to its list fields.
 */
function selectionCost(
  scope: CostScope,
  parentType: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  result: Record<string, unknown> | undefined,
  multiplier: number,
): number {
  let fieldsCost = 0;
  let fragmentsCostMax = 0;

  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fieldsCost += fieldCost(scope, parentType, selection, result, multiplier);
      continue;
    }

    const fragment =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection
        : scope.fragments.get(selection.name.value);
    if (!fragment) {
      continue;
    }

    const condition = fragment.typeCondition
      ? typeFromAST(scope.schema, fragment.typeCondition)
      : parentType;
    if (!condition || !isCompositeType(condition)) {
      continue;
    }

    const cost = selectionCost(scope, condition, fragment.selectionSet, result, multiplier);
    if (isAbstractType(parentType) && condition !== parentType) {
      fragmentsCostMax = Math.max(fragmentsCostMax, cost);
    } else {
      fieldsCost += cost;
    }
  }

  return fieldsCost + fragmentsCostMax;
}

function fieldDefinition(
  parentType: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parentType) || isInterfaceType(parentType)) {
    return parentType.getFields()[name];
  }
  return undefined;
}

function fieldCost(
  scope: CostScope,
  parentType: GraphQLCompositeType,
  node: FieldNode,
  result: Record<string, unknown> | undefined,
  multiplier: number,
): number {
  const definition = fieldDefinition(parentType, node.name.value);
  const namedType = definition ? getNamedType(definition.type) : undefined;
  if (!definition || !namedType || !isCompositeType(namedType) || !node.selectionSet) {
    return 0;
  }

  const responseKey = node.alias?.value ?? node.name.value;
  const value = result === undefined ? undefined : result[responseKey];
  if (result !== undefined && (value === null || value === undefined)) {
    return 0;
  }

  const args = getArgumentValues(definition, node, scope.variableValues);
  const isConnection = isConnectionType(namedType.name);
  const ownCost = isConnection ? 2 : isFreeType(namedType.name) ? 0 : 1;
  const innerMultiplier = isConnection ? (pageSize(args) ?? 1) : 1;
  const nullableType = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
  const selectionSet = node.selectionSet;

  const costOfOne = (item: ResultValue): number =>
    ownCost + selectionCost(scope, namedType, selectionSet, asRecord(item), innerMultiplier);

  if (!isListType(nullableType)) {
    return result === undefined ? costOfOne(undefined) : costOfOne(value);
  }

  const itemsWanted = 'ids' in args ? (pageSize(args) ?? 1) : multiplier;
  const isPaged = itemsWanted !== 1 || 'ids' in args;

  if (result === undefined) {
    return itemsWanted * costOfOne(undefined);
  }

  const items = Array.isArray(value) ? value.filter((item) => item !== null) : [];
  if (isPaged) {
    return items.reduce((sum: number, item: ResultValue) => sum + costOfOne(item), 0);
  }

  return items.reduce((most: number, item: ResultValue) => Math.max(most, costOfOne(item)), 0);
}

/** Requested cost of an operation, before running it. */
export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variableValues: Record<string, unknown>,
): number {
  if (operation.operation === OperationTypeNode.MUTATION) {
    return mutationCost * operation.selectionSet.selections.length;
  }

  const rootType = schema.getQueryType();
  if (!rootType) {
    return 0;
  }

  const scope = { schema, fragments, variableValues };
  return selectionCost(scope, rootType, operation.selectionSet, undefined, 1);
}

/** Actual cost of an operation, from the data it answered. */
export function actualQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variableValues: Record<string, unknown>,
  data: Record<string, unknown> | null | undefined,
): number {
  if (operation.operation === OperationTypeNode.MUTATION) {
    return mutationCost * operation.selectionSet.selections.length;
  }

  const rootType = schema.getQueryType();
  if (!rootType || !data) {
    return 0;
  }

  const scope = { schema, fragments, variableValues };
  return selectionCost(scope, rootType, operation.selectionSet, data, 1);
}
