import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One run covers the API's unit and database tests beside the code and the end-to-end tier in
// tests/. The database tests share one embedded PostgreSQL started by the global setup.
export default defineConfig({
  plugins: [swc.vite({ tsconfigFile: './tsconfig.json' })],
  resolve: {
    // One graphql for everything: the libraries require its CommonJS build, so the code under
    // test must not get the ES module build (graphql refuses objects from "another realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['api/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['./tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
