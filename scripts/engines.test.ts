import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

// The root `engines` is a promise: every package the lockfile installs runs on the lowest Node it admits.
// (cookie@2 and content-disposition@3 declare node >= 22; the root overrides pin the 1.x and 2.x lines,
// which support Node 18+, for light-my-request and @fastify/static: see the README's "Node versions".)
const ROOT = resolve(import.meta.dirname, '..')
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>
const engines = (read('package.json').engines as { node: string }).node
const locked = read('package-lock.json').packages as Record<
  string,
  { engines?: { node?: string } | string[] }
>

describe('the root engines', () => {
  it('admit every locked package: each one supports the lowest Node the range allows', () => {
    const lowest = semver.minVersion(engines)!.version
    const refusing = Object.entries(locked)
      .filter(([path, entry]) => {
        const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node
        return path !== '' && node !== undefined && !semver.satisfies(lowest, node)
      })
      .map(([path, entry]) => `${path} wants node ${(entry.engines as { node: string }).node}`)
    expect(refusing).toEqual([])
  })

  it('admit the Node this runs on', () => {
    expect(semver.satisfies(process.versions.node, engines)).toBe(true)
  })
})
