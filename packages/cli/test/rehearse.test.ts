import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import type { RehearsalResult } from '../src/rehearse/rehearse-command.js'
import { SCENARIOS } from '../src/rehearse/scenarios.js'
import { captureIo } from './capture-io.js'

// The real thing: a private PostgreSQL, auth, the frontend as collector and a backend per scenario (from source),
// each fault injected for real, and diagnose's verdict checked against it.
describe('tarmac rehearse --all', () => {
  it('names the injected domain and layer in every scenario', async () => {
    const io = captureIo(mkdtempSync(join(tmpdir(), 'tarmac-rehearse-')))
    const code = await main(['rehearse', '--all', '--source', '--json'], io)
    const { results } = JSON.parse(io.out()) as { results: RehearsalResult[] }
    expect(results.map((r) => r.scenario)).toEqual(SCENARIOS.map((s) => s.name))
    for (const result of results)
      expect(result.verdict, `${result.scenario}: ${io.err()}`).toMatchObject(result.expected)
    expect(code).toBe(0)
  }, 600_000)

  it('names the connector when a fleet of three cold-starts through it at once, all surviving', async () => {
    const io = captureIo(mkdtempSync(join(tmpdir(), 'tarmac-rehearse-')))
    const code = await main(
      ['rehearse', 'connector-at-capacity', '--backends', '3', '--source', '--json'],
      io,
    )
    const { results } = JSON.parse(io.out()) as { results: RehearsalResult[] }
    expect(results[0], io.err()).toMatchObject({
      verdict: { domain: 'infrastructure', layer: 'connector' },
      backend: 'ready',
      named: true,
    })
    expect(code).toBe(0)
  }, 300_000)

  it('names an unknown scenario and the known ones, with exit 2', async () => {
    const io = captureIo(tmpdir())
    expect(await main(['rehearse', 'meteor-strike'], io)).toBe(2)
    expect(io.err()).toMatch(/unknown scenario "meteor-strike"; known: slow-connector, /)
    const many = captureIo(tmpdir())
    expect(await main(['rehearse', 'slow-connector', '--backends', '9'], many)).toBe(2)
    expect(many.err()).toMatch(/--backends must be at most 8/)
  })
})
