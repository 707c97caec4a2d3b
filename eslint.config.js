import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      'sdk-web/dist/',
      'console/dist/',
      'console/src/generated/',
      'migrations/',
      '.data/',
      'dbt/',
      '.tmp/',
    ],
  },
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
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(?!\\./|node:|zod$|vitest$)', message: 'the SDK imports only its own files (./…), node:, zod and vitest' }],
        },
      ],
    },
  },
  {
    files: ['server/db/**/*.ts'],
    rules: {
      // the store knows nothing of GraphQL (the top-level schema/ folder, not ./schema/ tables)
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./){2,}schema/' },
            { group: ['graphql', 'graphql-yoga', '@pothos/*'] },
            // the store maps its own records; it speaks the event vocabulary (server/events/), not processing
            { regex: '(^|/)processing/' },
          ],
        },
      ],
    },
  },
  {
    files: ['schema/**/*.ts', 'server/sync/**/*.ts'],
    rules: {
      // the API and the sync read the store and speak the event vocabulary (server/events/), never processing
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)processing/' }] }],
    },
  },
  {
    files: ['server/events/**/*.ts'],
    rules: {
      // the event vocabulary every plane uses depends on nothing else of the house
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./' }] }],
    },
  },
  {
    files: ['server/capture/*/**/*.ts'],
    rules: {
      // a protocol's folder sees the shared capture modules, never another protocol or the router that serves them all
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(native|server-api|segment)/' }, { regex: '(^|/)router\\.ts$' }] }],
    },
  },
  {
    files: ['server/definitions/*.ts'],
    rules: {
      // the definitions engine is pure: it sees the event vocabulary and the error family, never the store, the log or its own services
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(?!events/|errors\\.ts$)' }, { regex: '^\\./services/' }, { regex: '^node:' }] },
      ],
    },
  },
);
