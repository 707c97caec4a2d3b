import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'sdk-web/dist/', 'migrations/', '.data/', 'dbt/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // tests read loosely typed JSON answers
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      // a plugin (built-in or third-party) sees only the SDK, by its package name, never the host
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(server|schema)/', message: 'a plugin sees only @tributary/destination-sdk, never the host' },
            { regex: '^(\\.\\.?/)+(sdk|plugins/sdk)(/|$)', message: "import the SDK by its package name, '@tributary/destination-sdk'" },
          ],
        },
      ],
    },
  },
  {
    files: ['plugins/sdk/**/*.ts'],
    rules: {
      // the SDK is published on its own: it imports its own files and the packages it declares
      // (plugins/sdk/package.json), nothing of the repository
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\./|node:|zod$|vitest$)', message: 'the SDK imports only its own files (./…), node:, zod and vitest' }] }],
    },
  },
  {
    files: ['server/db/**/*.ts'],
    rules: {
      // the store knows nothing of GraphQL (the top-level schema/ folder, not ./schema/ tables)
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./){2,}schema/' }, { group: ['graphql', 'graphql-yoga', '@pothos/*'] }] }],
    },
  },
);
