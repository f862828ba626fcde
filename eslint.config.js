import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Package boundaries (CONTRIBUTING.md "Layout"): a workspace reaches another only through what its package.json
// `exports` (its src/index.ts or a named subpath like `@tarmac/postgres/cluster`), never its src/ or dist/ files.
const DEEP_IMPORT = {
  group: ['@tarmac/*/src', '@tarmac/*/src/**', '@tarmac/*/dist', '@tarmac/*/dist/**'],
  message: "another package's files are private: import what its src/index.ts exports (or export it there)",
}
const WORKSPACES = ['packages', 'services']
const DEEPEST_FOLDER = 6
/**
 * A relative import that climbs out of its workspace (`../../probe/src/…` from packages/postgres/src/x.ts,
 * `../../../packages/cli/test/…` from services/frontend/test/x.ts): one config per folder depth below the
 * workspace root, each forbidding one `../` more than the file has folders to climb — except into the
 * repository's scripts/ (tooling, not a package: services' build tests run its bundler).
 */
const boundaryConfigs = [
  { files: ['**/*.{ts,tsx}'], rules: { 'no-restricted-imports': ['error', { patterns: [DEEP_IMPORT] }] } },
  ...Array.from({ length: DEEPEST_FOLDER + 1 }, (_, depth) => ({
    files: WORKSPACES.map((root) => `${root}/*/${'*/'.repeat(depth)}*.{ts,tsx}`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            DEEP_IMPORT,
            {
              // The repository's own tooling (scripts/, e.g. the service bundler a build test runs) is not a package.
              regex: `^(\\.\\./){${depth + 1},}(?!\\.\\./|scripts/)`,
              message:
                'this relative import leaves its workspace: import the other package by name (@tarmac/…), or move shared test helpers to @tarmac/testing',
            },
          ],
        },
      ],
    },
  })),
]

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '.tarmac/**',
      'test-results/**',
      'eslint.config.js',
      '.ci/**',
      // Files that break the boundary rules on purpose: scripts/import-boundaries.test.ts lints them.
      'scripts/fixtures/boundaries/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Fastify handlers and hooks are async by convention, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...boundaryConfigs,
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain JavaScript run by `node` directly: a bench baseline that must cost no compile step, and the
    // `tarmac` bin shim that must run before anything is built.
    files: ['bench/**/*.mjs', 'packages/cli/bin/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly' } },
  },
)
