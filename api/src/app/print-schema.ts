/**
 * Prints the public GraphQL schema to schema/schema.graphql (or checks it with --check), so the
 * committed schema always matches the code.
 */
import 'reflect-metadata';

import { readFile, writeFile } from 'node:fs/promises';

import { createPubSub } from '@graphql-yoga/subscription';

import { buildApiSchema, printApiSchema } from './schema.ts';

export const schemaFile = new URL('../../../schema/schema.graphql', import.meta.url);

export async function currentSchemaText(): Promise<string> {
  return printApiSchema(await buildApiSchema(createPubSub()));
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')
) {
  const printed = await currentSchemaText();
  if (process.argv.includes('--check')) {
    const committed = await readFile(schemaFile, 'utf8').catch(() => '');
    if (committed !== printed) {
      process.stderr.write('schema/schema.graphql differs from the code: run pnpm schema:print\n');
      process.exit(1);
    }
  } else {
    await writeFile(schemaFile, printed);
  }
}
