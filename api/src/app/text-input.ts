/**
 * Text PostgreSQL cannot store is refused before an operation runs: a NUL character, or half of
 * a character (a lone UTF-16 surrogate, which JSON can carry). Left to the database, either
 * fails deep inside a resolver as an internal error; refused here, the caller learns which
 * variable or argument held it. Refusing rather than cleaning keeps a person's text exactly as
 * they typed it or not at all.
 */
import { GraphQLError, visit, type DocumentNode } from 'graphql';

/** The refusals for unstorable text in the variables and the document; empty when clean. */
export function unstorableTextRefusals(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError[] {
  const places: string[] = [];
  for (const [name, value] of Object.entries(variables ?? {})) {
    collectUnstorable(value, `$${name}`, places);
  }
  visit(document, {
    StringValue: (node) => {
      if (!isStorable(node.value)) {
        const at = node.loc?.startToken;
        places.push(at === undefined ? 'a text literal' : `line ${at.line}, column ${at.column}`);
      }
    },
  });

  return places
    .slice(0, 10)
    .map(
      (place) =>
        new GraphQLError(
          `Text at ${place} holds a NUL character or half a character, which cannot be stored; ` +
            'remove it and send the request again',
          { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
        ),
    );
}

function collectUnstorable(value: unknown, path: string, places: string[]): void {
  if (typeof value === 'string') {
    if (!isStorable(value)) {
      places.push(path);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => collectUnstorable(item, `${path}[${index}]`, places));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      collectUnstorable(inner, `${path}.${key}`, places);
    }
  }
}

function isStorable(text: string): boolean {
  return !text.includes('\0') && text.isWellFormed();
}
