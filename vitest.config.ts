import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql ships both CJS and ESM files; Node (and so Pothos and Yoga) loads the CJS one, so
  // our own imports must too, or GraphQL types and errors come from two realms.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts', 'plugins/**/*.test.ts', 'server/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Postgres database; each file creates its own organizations,
    // so files may run in parallel, but two cores cannot feed many workers.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
