import { defaultServerConditions } from 'vite'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests (the
// `@tarmac/source` export condition), so no build is needed before `npm test`.
// The PostgreSQL and Redis the tests use are the run's own (started by global-setup.ts, stopped after it)
// unless TEST_PG_ADMIN_URL / TEST_REDIS_URL name others.
/**
 * Every workspace import (`@tarmac/postgres`, `@tarmac/postgres/cluster`…) pointed at its source file, as its
 * `@tarmac/source` export condition says. The conditions below cover the test workers; the global setup runs in
 * Vitest's own process, where Vite leaves such imports to a resolver that knows only the default conditions and
 * would look for a build — so a clean clone could not test before `npm run build`, and a stale build was used.
 */
function workspaceSources(): { find: RegExp; replacement: string }[] {
  const root = import.meta.dirname
  const workspaces = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  ).workspaces
  return workspaces.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      name: string
      exports?: Record<string, { '@tarmac/source'?: string }>
    }
    return Object.entries(manifest.exports ?? {}).flatMap(([subpath, targets]) => {
      const source = targets['@tarmac/source']
      if (!source) return []
      const specifier = join(manifest.name, subpath).replace(/[/.]/g, (c) => `\\${c}`)
      return [{ find: new RegExp(`^${specifier}$`), replacement: join(root, dir, source) }]
    })
  })
}

export default defineConfig({
  resolve: { conditions: ['@tarmac/source', ...defaultServerConditions], alias: workspaceSources() },
  ssr: { resolve: { conditions: ['@tarmac/source', ...defaultServerConditions] } },
  test: {
    // Two projects, one run. `sources`: every unit and integration test, on the TypeScript sources. `artefacts`:
    // what users run — the built services (dist/), `tarmac up` from the build — as real processes; its global
    // setup builds what is missing or stale first, and runs only when the run includes an artefact test.
    projects: [
      {
        extends: true,
        test: {
          name: 'sources',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'services/*/test/**/*.test.ts',
            'scripts/**/*.test.ts',
            // Bench READMEs against their results files; fast: no bench runs.
            'bench/*.test.ts',
            'deploy/**/*.test.ts',
            // React component tests (jsdom, via `// @vitest-environment jsdom` in each file).
            'services/*/app/**/*.test.tsx',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'artefacts',
          include: ['test/artefacts/**/*.test.ts'],
          globalSetup: ['test/artefacts/build-setup.ts'],
          setupFiles: ['test/artefacts/build-check.ts'],
        },
      },
    ],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    setupFiles: ['packages/testing/src/provided-env.ts'],
    // Two files at a time. Vitest's default on 2 cores is one (cores − 1), but most files wait on child processes,
    // sockets and timers rather than the CPU, and every test is written to pass on a loaded machine.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // In CI, also JUnit and the errors JUnit cannot hold (.ci/summary.mjs reads both).
    reporters: process.env.CI
      ? ['default', 'junit', './packages/testing/src/run-errors-reporter.ts']
      : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
  },
})
