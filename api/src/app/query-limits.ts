/**
 * Limits on what one GraphQL operation may ask for, checked before it runs: how deep it nests
 * and what it costs. The cost counts one per field and multiplies a list's contents by the page
 * size it asks for (`first`, or an assumed size for a list without one), so a few hundred
 * aliases of a 200-row page are refused rather than holding a connection for a minute. Page
 * sizes themselves are checked by the resolvers.
 */
import depthLimit from 'graphql-depth-limit';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import {
  getNullableType,
  GraphQLError,
  isListType,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

/** Deepest nesting of fields an operation may have. */
export const queryDepthMax = 10;
/** Most an operation may cost, in fields times the rows asked for. */
export const queryCostMax = 20_000;

/**
 * Rows a list without `first` is costed at. At the root such a list (all stock levels, every
 * location) can be as long as the catalogue, so it counts as a full page; beneath an object
 * (a SKU's levels, an order's lines) it is bounded by that object and counts as a few rows.
 * Without these figures, thousands of aliases of an unpaged list would each cost only their
 * fields.
 */
export const unpagedRootListRowsAssumed = 200;
export const unpagedNestedListRowsAssumed = 5;

/** A list costs its page size (`first`, or the assumed size) times one of its rows. */
const listEstimator: ComplexityEstimator = ({ type, args, field, childComplexity }) => {
  const first: unknown = args.first;
  if (typeof first === 'number' && first > 0) {
    return 1 + childComplexity * first;
  }
  if (!isListType(getNullableType(field.type))) {
    return undefined;
  }
  const isRoot = ['Query', 'Subscription'].includes(type.name);
  return 1 + childComplexity * (isRoot ? unpagedRootListRowsAssumed : unpagedNestedListRowsAssumed);
};

/** The errors that refuse the operation, each naming the limit; empty when it may run. */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): GraphQLError[] {
  const depthErrors = validate(schema, document, [depthLimit(queryDepthMax)]);
  if (depthErrors.length > 0) {
    // graphql-depth-limit names the operation, as '' when it has none; say "the operation".
    return depthErrors.map((error) =>
      limitError(
        `${error.message.replace(/^'' exceeds/, 'the operation exceeds')}; ` +
          `the limit is ${queryDepthMax}`,
      ),
    );
  }

  // Only a valid document can be costed; other mistakes are reported by the normal validation.
  if (validate(schema, document, specifiedRules).length > 0) {
    return [];
  }
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
      maxQueryNodes: queryCostMax,
    });
  } catch (error) {
    // It stops counting at maxQueryNodes fields; each field costs at least one, so an operation
    // with more is over the limit whatever its pages. Any other refusal (variables of the
    // wrong type) is left to execution, which reports it as the caller's mistake.
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) {
      return [
        limitError(`query has more than ${queryCostMax} fields; the limit is ${queryCostMax}`),
      ];
    }
    if (error instanceof GraphQLError) {
      return [];
    }
    throw error;
  }
  if (cost > queryCostMax) {
    return [limitError(`query costs ${cost}; the limit is ${queryCostMax}`)];
  }
  return [];
}

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', limit: true, http: { status: 400 } },
  });
}
