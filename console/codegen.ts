import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: the console's typed client, from the committed schema and the documents
 * of console/src/queries.ts, into console/src/generated/ (committed: `tsc`, the console build and
 * the tests need no generation step, and a reviewer sees what a schema change does to the
 * console). `npm run codegen` rewrites it; test/unit/console-queries.test.ts fails when it drifts.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['console/src/queries.ts'],
  ignoreNoDocuments: false,
  generates: {
    'console/src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // documents stay strings (what fetch sends), typed; no GraphQL AST in the bundle
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.ts',
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};
export default config;
