// The part of Xero's `where` filter language the simulator understands: comparisons of a field
// path with a string, number, boolean, null or guid("…") (`==`, `!=`), `.Contains("…")`,
// `.StartsWith("…")`, `.EndsWith("…")`, joined by AND/OR (&&/||) with parentheses.
// String comparisons ignore case, as Xero's do. Leaves out: ordering comparisons (`>`, `<`),
// DateTime(…) literals and `.ToLower()`; a filter using them is refused with a parse error.

type Literal = string | number | boolean | null;

type Condition =
  | { kind: 'compare'; path: string[]; equal: boolean; value: Literal }
  | { kind: 'method'; path: string[]; method: 'Contains' | 'StartsWith' | 'EndsWith'; text: string }
  | { kind: 'and' | 'or'; left: Condition; right: Condition };

/** A filter that cannot be parsed; its message names the position. */
export class WhereParseError extends Error {}

const tokenPattern =
  /\s*(?:(&&|\|\||==|!=|\(|\)|\.|,)|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*))/y;

interface Token {
  symbol?: string;
  text?: string;
  number?: number;
  word?: string;
  at: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  tokenPattern.lastIndex = 0;

  while (tokenPattern.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(tokenPattern.lastIndex))) {
      break;
    }

    const at = tokenPattern.lastIndex;
    const match = tokenPattern.exec(source);
    if (!match) {
      throw new WhereParseError(`unexpected character at position ${at} of the where filter`);
    }

    const [, symbol, text, number, word] = match;
    if (symbol) {
      tokens.push({ symbol, at });
    } else if (text !== undefined) {
      tokens.push({ text: text.replace(/\\(.)/g, '$1'), at });
    } else if (number) {
      tokens.push({ number: Number(number), at });
    } else {
      tokens.push({ word, at });
    }
  }

  return tokens;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    const condition = this.or();
    const extra = this.tokens[this.index];
    if (extra) {
      throw new WhereParseError(`unexpected text at position ${extra.at} of the where filter`);
    }
    return condition;
  }

  private peekWord(...words: string[]): boolean {
    const token = this.tokens[this.index];
    return Boolean(token?.word && words.includes(token.word.toUpperCase()));
  }

  private peekSymbol(symbol: string): boolean {
    return this.tokens[this.index]?.symbol === symbol;
  }

  private expectSymbol(symbol: string): void {
    if (!this.peekSymbol(symbol)) {
      throw new WhereParseError(`expected "${symbol}" ${this.where()} of the where filter`);
    }
    this.index += 1;
  }

  private where(): string {
    const token = this.tokens[this.index];
    return token ? `at position ${token.at}` : 'at the end';
  }

  private or(): Condition {
    let left = this.and();
    while (this.peekWord('OR') || this.peekSymbol('||')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.term();
    while (this.peekWord('AND') || this.peekSymbol('&&')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.term() };
    }
    return left;
  }

  private term(): Condition {
    if (this.peekSymbol('(')) {
      this.index += 1;
      const inner = this.or();
      this.expectSymbol(')');
      return inner;
    }

    const path = this.path();
    const method = path.at(-1);
    if (
      (method === 'Contains' || method === 'StartsWith' || method === 'EndsWith') &&
      this.peekSymbol('(')
    ) {
      this.index += 1;
      const text = this.tokens[this.index]?.text;
      if (text === undefined) {
        throw new WhereParseError(`expected a quoted string ${this.where()} of the where filter`);
      }
      this.index += 1;
      this.expectSymbol(')');
      return { kind: 'method', path: path.slice(0, -1), method, text };
    }

    const operator = this.tokens[this.index]?.symbol;
    if (operator !== '==' && operator !== '!=') {
      throw new WhereParseError(`expected == or != ${this.where()} of the where filter`);
    }
    this.index += 1;

    return { kind: 'compare', path, equal: operator === '==', value: this.literal() };
  }

  private path(): string[] {
    const path: string[] = [];
    do {
      const word = this.tokens[this.index]?.word;
      if (!word) {
        throw new WhereParseError(`expected a field name ${this.where()} of the where filter`);
      }
      path.push(word);
      this.index += 1;
    } while (this.peekSymbol('.') && (this.index += 1));
    return path;
  }

  private literal(): Literal {
    const token = this.tokens[this.index];
    this.index += 1;

    if (token?.text !== undefined) {
      return token.text;
    }
    if (token?.number !== undefined) {
      return token.number;
    }

    const word = token?.word;
    if (word === 'true' || word === 'false') {
      return word === 'true';
    }
    if (word === 'null') {
      return null;
    }
    if (word === 'guid' || word === 'Guid') {
      this.expectSymbol('(');
      const text = this.tokens[this.index]?.text;
      if (text === undefined) {
        throw new WhereParseError(`expected a quoted id ${this.where()} of the where filter`);
      }
      this.index += 1;
      this.expectSymbol(')');
      return text;
    }

    const at = token ? `at position ${token.at}` : 'at the end';
    throw new WhereParseError(`expected a value ${at} of the where filter`);
  }
}

function valueAt(subject: unknown, path: readonly string[]): unknown {
  let value = subject;
  for (const key of path) {
    if (!value || typeof value !== 'object') {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function sameValue(actual: unknown, expected: Literal): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    return actual.toLowerCase() === expected.toLowerCase();
  }
  return (actual ?? null) === expected;
}

function holds(condition: Condition, subject: unknown): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, subject) && holds(condition.right, subject);
    case 'or':
      return holds(condition.left, subject) || holds(condition.right, subject);
    case 'compare':
      return sameValue(valueAt(subject, condition.path), condition.value) === condition.equal;
    case 'method': {
      const actual = valueAt(subject, condition.path);
      if (typeof actual !== 'string') {
        return false;
      }
      const haystack = actual.toLowerCase();
      const needle = condition.text.toLowerCase();
      if (condition.method === 'Contains') {
        return haystack.includes(needle);
      }
      return condition.method === 'StartsWith'
        ? haystack.startsWith(needle)
        : haystack.endsWith(needle);
    }
  }
}

/** Parses a filter into a predicate over answer-shaped objects; throws WhereParseError. */
export function parseWhere(source: string): (subject: unknown) => boolean {
  const condition = new Parser(tokenize(source)).parse();
  return (subject) => holds(condition, subject);
}
