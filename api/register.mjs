// Runs the TypeScript sources directly with decorator metadata (type-graphql and MikroORM need
// it; esbuild-based runners do not emit it).
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

process.env.SWC_NODE_PROJECT ??= new URL('./tsconfig.json', import.meta.url).pathname;
register('@swc-node/register/esm', pathToFileURL('./'));
