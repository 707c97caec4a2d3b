import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { defineConfig } from 'vitest/config';

// Workspace packages run from their sources, as tsc and tsx see them (tsconfig.json "paths").
const tsconfig = ts.parseConfigFileTextToJson('tsconfig.json', fs.readFileSync('tsconfig.json', 'utf8')).config as {
  compilerOptions: { paths: Record<string, [string]> };
};
const sourceAliases = Object.entries(tsconfig.compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replaceAll('/', '\\/')}$`),
  replacement: path.resolve(target),
}));

export default defineConfig({
  // graphql ships both CJS and ESM files; Node (and so Pothos and Yoga) loads the CJS one, so
  // our own imports must too, or GraphQL types and errors come from two realms.
  resolve: { alias: [{ find: 'graphql', replacement: 'graphql/index.js' }, ...sourceAliases] },
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
