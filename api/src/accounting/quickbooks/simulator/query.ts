// The small part of QuickBooks Online's query language the simulator understands:
// `select * from <Entity> [where <Field> = '<value>' [and <Field> = '<value>' ...]]
// [startposition <n>] [maxresults <n>]`, keywords in any case, values quoted with `'` and a
// quote inside a value escaped as `\'`. Leaves out: `count(*)`, selected columns, `in`, `like`,
// `<`/`>`, `or`, `orderby`, and dotted fields (`MetaData.LastUpdatedTime`): a query using them
// is answered with the QueryParserError QuickBooks gives for what it cannot parse.

export interface ParsedQuery {
  entity: string;
  /** Field name and the value it must equal, all of them. */
  conditions: { field: string; value: string }[];
  /** 1-based, as QuickBooks counts. */
  startPosition: number;
  maxResults: number;
}

export class QueryParseError extends Error {
  override name = 'QueryParseError';
}

const maxResultsDefault = 100;
const maxResultsLimit = 1000;

/** Parses one select statement; throws QueryParseError saying where it stopped making sense. */
export function parseQuery(text: string): ParsedQuery {
  const head = /^\s*select\s+\*\s+from\s+([A-Za-z]+)\s*/i.exec(text);
  if (!head) {
    throw new QueryParseError(`Expected "select * from <Entity>" at the start of: ${text}`);
  }

  let rest = text.slice(head[0].length);
  const conditions: ParsedQuery['conditions'] = [];
  const where = /^where\s+/i.exec(rest);
  if (where) {
    rest = rest.slice(where[0].length);
    for (;;) {
      const condition = /^([A-Za-z]+)\s*=\s*'((?:\\'|[^'])*)'\s*/.exec(rest);
      if (!condition) {
        throw new QueryParseError(`Expected "<Field> = '<value>'" at: ${rest}`);
      }
      conditions.push({
        field: condition[1] ?? '',
        value: (condition[2] ?? '').replace(/\\'/g, "'"),
      });
      rest = rest.slice(condition[0].length);

      const and = /^and\s+/i.exec(rest);
      if (!and) {
        break;
      }
      rest = rest.slice(and[0].length);
    }
  }

  const start = /^startposition\s+(\d+)\s*/i.exec(rest);
  if (start) {
    rest = rest.slice(start[0].length);
  }
  const max = /^maxresults\s+(\d+)\s*/i.exec(rest);
  if (max) {
    rest = rest.slice(max[0].length);
  }
  if (rest.trim() !== '') {
    throw new QueryParseError(`Unexpected text at: ${rest}`);
  }

  return {
    entity: head[1] ?? '',
    conditions,
    startPosition: Math.max(1, Number(start?.[1] ?? 1)),
    maxResults: Math.min(maxResultsLimit, Number(max?.[1] ?? maxResultsDefault)),
  };
}
