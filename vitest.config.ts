import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests (the
// `@tarmac/source` export condition), so no build is needed before `npm test`.
// The PostgreSQL and Redis the tests use are the run's own (started by global-setup.ts, stopped after it)
// unless TEST_PG_ADMIN_URL / TEST_REDIS_URL name others.
export default defineConfig({
  resolve: { conditions: ['@tarmac/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@tarmac/source', ...defaultServerConditions] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
      'deploy/**/*.test.ts',
      // React component tests (jsdom, via `// @vitest-environment jsdom` in each file).
      'services/*/app/**/*.test.tsx',
    ],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    setupFiles: ['packages/testing/src/provided-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // In CI, also JUnit and the errors JUnit cannot hold (.ci/summary.mjs reads both).
    reporters: process.env.CI
      ? ['default', 'junit', './packages/testing/src/run-errors-reporter.ts']
      : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
  },
})
