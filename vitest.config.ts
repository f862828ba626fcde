import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests (the
// `@tarmac/source` export condition), so no build is needed before `npm test`.
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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
  },
})
