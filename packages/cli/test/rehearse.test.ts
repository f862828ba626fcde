import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ADMIN_DATABASE_URL, withClient } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { holdEverySlot, TOO_MANY_CONNECTIONS } from '../src/rehearse/capacity-hog.js'
import {
  rehearsalExitCode,
  resultLine,
  runRehearsal,
  type RehearsalResult,
} from '../src/rehearse/rehearse-command.js'
import { SCENARIOS, type Scenario } from '../src/rehearse/scenarios.js'
import { captureIo } from './capture-io.js'

// The real thing: a private PostgreSQL, auth, the frontend as collector and a backend per scenario (from source),
// each fault injected for real, and diagnose's verdict checked against it.
describe('tarmac rehearse --all', () => {
  it('names the injected domain and layer in every scenario, each injection taking effect', async () => {
    const io = captureIo(mkdtempSync(join(tmpdir(), 'tarmac-rehearse-')))
    const code = await main(['rehearse', '--all', '--source', '--json'], io)
    const { results } = JSON.parse(io.out()) as { results: RehearsalResult[] }
    expect(results.map((r) => r.scenario)).toEqual(SCENARIOS.map((s) => s.name))
    for (const result of results) {
      expect(result.verdict, `${result.scenario}: ${io.err()}`).toMatchObject(result.expected)
      expect(result, `${result.scenario}: ${io.err()}`).toMatchObject({ injected: true })
    }
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
      injected: true,
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

describe('tarmac rehearse: a fault that did not take effect fails the rehearsal', () => {
  const wrongPassword = SCENARIOS.find((s) => s.name === 'wrong-password')!

  it('exits 1 and says so when the backend does not end as the injection dictates, though diagnose named it', async () => {
    // wrong-password for real (the backend exits 3, diagnose names configuration/postgres-auth), told to expect a
    // ready backend: the effect the scenario expects is not the one observed.
    const notAsExpected: Scenario = {
      ...wrongPassword,
      name: 'wrong-password-expecting-ready',
      prepare: async (stack) => ({ ...(await wrongPassword.prepare(stack)), backendOutcome: 'ready' }),
    }
    const io = captureIo(mkdtempSync(join(tmpdir(), 'tarmac-rehearse-')))
    const code = await runRehearsal([notAsExpected], {
      io,
      backends: 1,
      json: false,
      fromSource: true,
      handoffFile: undefined,
    })
    expect(io.err()).toMatch(/✓ named configuration\/postgres-auth/)
    expect(io.err()).toMatch(
      /✗ the injection did not take effect: backend exited \(expected ready\); this scenario fails/,
    )
    expect(io.out()).toMatch(/1\/1 named; 1 injection did not take effect \(wrong-password-expecting-ready\)/)
    expect(code).toBe(1)
  }, 300_000)

  it('a named verdict passes only with its injection in effect (exit 0 only when both hold)', () => {
    const result = (named: boolean, injected: boolean): RehearsalResult => ({
      scenario: 'database-at-max-connections',
      expected: { domain: 'infrastructure', layer: 'postgres-capacity' },
      verdict: { domain: 'infrastructure', layer: 'postgres-capacity', confidence: 'high' },
      named,
      backend: injected ? 'exited' : 'ready (expected exited)',
      injected,
      durationMs: 1_000,
    })
    const plain = (_colour: string, text: string) => text
    expect(rehearsalExitCode([result(true, true)])).toBe(0)
    expect(rehearsalExitCode([result(true, true), result(true, false)])).toBe(1)
    expect(rehearsalExitCode([result(false, true)])).toBe(1)
    expect(resultLine(result(true, true), plain)).toBe('✓ named infrastructure/postgres-capacity (high)')
    expect(resultLine(result(true, false), plain)).toBe(
      '✓ named infrastructure/postgres-capacity (high)\n' +
        '  ✗ the injection did not take effect: backend ready (expected exited); this scenario fails',
    )
  })
})

describe('the capacity hog of database-at-max-connections (real Postgres)', () => {
  // A role limited to 3 connections: Postgres refuses its fourth with 53300, as a full server would.
  const role = `hog_${randomBytes(4).toString('hex')}`
  const LIMIT = 3
  const urlAs = (user: string, database = new URL(ADMIN_DATABASE_URL).pathname.slice(1)) => {
    const url = new URL(ADMIN_DATABASE_URL)
    url.username = user
    url.password = ''
    url.pathname = `/${database}`
    return url.toString()
  }
  beforeAll(() =>
    withClient(ADMIN_DATABASE_URL, (c) => c.query(`create role ${role} login connection limit ${LIMIT}`)),
  )
  afterAll(() => withClient(ADMIN_DATABASE_URL, (c) => c.query(`drop role if exists ${role}`)))

  it(`holds every slot: it stops at ${TOO_MANY_CONNECTIONS} only, and the next connection is refused with it`, async () => {
    const hogs = await holdEverySlot(urlAs(role))
    try {
      expect(hogs).toHaveLength(LIMIT)
      const next = new pg.Client({ connectionString: urlAs(role) })
      await expect(next.connect()).rejects.toMatchObject({ code: TOO_MANY_CONNECTIONS })
    } finally {
      await Promise.all(hogs.map((client) => client.end()))
    }
  })

  it('reports any other refusal as an error naming its SQLSTATE, and closes what it opened', async () => {
    await expect(holdEverySlot(urlAs(role, 'no_such_database_for_the_hog'))).rejects.toThrow(
      /the capacity hog was refused with 3D000 \(not 53300\) after 0 connection\(s\)/,
    )
    await expect(holdEverySlot(urlAs(`${role}_missing`))).rejects.toThrow(/refused with 28000 \(not 53300\)/)
    const open = await withClient(ADMIN_DATABASE_URL, (c) =>
      c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where usename = $1', [role]),
    )
    expect(open.rows[0]!.n).toBe(0)
  })
})
