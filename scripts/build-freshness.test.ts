import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { outputsOf, staleWorkspaces } from './build-freshness.js'

// A checkout in miniature: a package, a service that depends on it and bundles with a repository script, every
// file dated by the test (an hour apart), so "older than" is decided by the test, not by the clock.
let root: string
const HOUR_S = 3_600
let clockS = 1_700_000_000

function write(path: string, content = '', atS = clockS): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), content)
  utimesSync(join(root, path), atS, atS)
}

/** Sets a file's modification time to "now" on the test clock, an hour after the last one. */
function touch(path: string): void {
  clockS += HOUR_S
  utimesSync(join(root, path), clockS, clockS)
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tarmac-freshness-'))
  write('package.json', JSON.stringify({ workspaces: ['packages/lib', 'services/api'] }))
  write('tsconfig.base.json', '{}')
  write('scripts/bundle.ts', "import { x } from './bundle-helpers.js'")
  write('scripts/bundle-helpers.ts')
  write(
    'packages/lib/package.json',
    JSON.stringify({ name: '@t/lib', exports: { '.': { default: './dist/index.js' } } }),
  )
  write('packages/lib/src/index.ts')
  write('packages/lib/src/index.test.ts')
  write(
    'services/api/package.json',
    JSON.stringify({
      name: '@t/api',
      scripts: { build: 'tsc && tsx ../../scripts/bundle.ts', start: 'node dist/main.js' },
      dependencies: { '@t/lib': '*' },
    }),
  )
  write('services/api/src/main.ts')
  clockS += HOUR_S
  for (const output of ['packages/lib/dist/index.js', 'services/api/dist/main.js']) write(output)
})

afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('which workspaces the artefact tier must build first', () => {
  it('none when every output is newer than every input', () => {
    expect(staleWorkspaces(root)).toEqual([])
  })

  it('reads the outputs from the manifest: exports, the start script, the app', () => {
    expect(outputsOf(root, 'packages/lib')).toEqual(['packages/lib/dist/index.js'])
    expect(outputsOf(root, 'services/api')).toEqual(['services/api/dist/main.js'])
  })

  it('a missing output makes its workspace stale', () => {
    rmSync(join(root, 'services/api/dist/main.js'))
    expect(staleWorkspaces(root)).toEqual([{ dir: 'services/api', reason: 'dist/main.js is missing' }])
  })

  it('a changed source makes its workspace and every workspace built on it stale', () => {
    touch('packages/lib/src/index.ts')
    expect(staleWorkspaces(root).map((s) => s.dir)).toEqual(['packages/lib', 'services/api'])
    expect(staleWorkspaces(root)[1]!.reason).toBe('dist/main.js is older than packages/lib/src/index.ts')
  })

  it('a changed test changes nothing', () => {
    touch('packages/lib/src/index.test.ts')
    expect(staleWorkspaces(root)).toEqual([])
  })

  it('the scripts a build command runs, and what they import, are its inputs', () => {
    touch('scripts/bundle-helpers.ts')
    expect(staleWorkspaces(root)).toEqual([
      { dir: 'services/api', reason: 'dist/main.js is older than scripts/bundle-helpers.ts' },
    ])
  })

  it('a new install (node_modules/.package-lock.json) makes everything stale: bundles inline dependencies', () => {
    clockS += HOUR_S
    write('node_modules/.package-lock.json', '{}')
    expect(staleWorkspaces(root).map((s) => s.dir)).toEqual(['packages/lib', 'services/api'])
  })
})
