import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, getFreePort, until, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'
import { startCli, stopCli, type CliRun } from './cli-process.js'
import { startHealthServer, type HealthServer } from './health-servers.js'

interface DiagnoseJson {
  verdict: { status: string; domain: string; layer: string; confidence: string }
  supporting: { source: string; fact: string }[]
  evidence: { source: string; fact: string }[]
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-diagnose-patterns-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function diagnose(yaml: string, ...extra: string[]): Promise<{ code: number; out: DiagnoseJson }> {
  const name = `config-${Math.random().toString(36).slice(2)}.yaml`
  writeFileSync(join(dir, name), yaml)
  const io = captureIo(dir)
  const code = await main(
    ['diagnose', '-c', name, '--json', '--supervisor-facts', join(dir, 'none.json'), ...extra],
    io,
  )
  return { code, out: JSON.parse(io.out()) as DiagnoseJson }
}

describe('patterns are evidence: a crash loop in the collector', () => {
  let collector: HealthServer
  // The case: under npm start, every restart of the backend exited 3 in finalize with 42P05 (a prepared
  // statement that already exists — a statement the application sent). The instances judged it nothing.
  const loop = Array.from({ length: 4 }, (_, index) => ({
    service: 'backend',
    instance: `backend-1:${100 + index}`,
    outcome: 'failed',
    sentAt: new Date(Date.now() - (4 - index) * 5_000).toISOString(),
    report: {
      state: 'failed',
      phases: [{ name: 'finalize', components: [{ name: 'self-test', errors: [{ code: '42P05' }] }] }],
      failure: {
        phase: 'finalize',
        component: 'self-test',
        code: '42P05',
        message: 'prepared statement "chat_round_trip" already exists',
      },
    },
  }))
  beforeAll(async () => {
    collector = await startHealthServer({
      '/health/ready': { status: 200, body: { status: 'pass' } },
      '/startup-reports': { status: 200, body: { records: loop.reverse() } },
    })
  })
  afterAll(() => collector?.close())

  it('names the application when the same class-42 code ends 4 cold starts in a row at finalize', async () => {
    const closed = await getFreePort()
    const { code, out } = await diagnose(
      `services:\n  backend: { url: 'http://127.0.0.1:${closed}' }\n  frontend: { url: '${collector.url}' }\n`,
    )
    expect(out.verdict).toMatchObject({ status: 'fault', domain: 'application', layer: 'application' })
    expect(code).toBe(1)
    expect(out.supporting[0]!.fact).toMatch(
      /backend: crash loop: 4 cold starts exited 3 in phase finalize, component self-test: 42P05 \[application\/application\] — the same code at the same phase every time/,
    )
  })
})

describe('patterns are evidence: the public summary when the records need a token', () => {
  let collector: HealthServer
  beforeAll(async () => {
    collector = await startHealthServer({
      '/health/ready': { status: 200, body: { status: 'pass' } },
      '/startup-reports': { status: 401, body: { code: 'UNAUTHORIZED' } },
      '/status/cold-starts': {
        status: 200,
        body: {
          windowMs: 900_000,
          services: [
            {
              service: 'backend',
              windowMs: 900_000,
              total: 4,
              ready: 0,
              failed: 4,
              failedByPhase: { finalize: 4 },
              lastFailure: {
                at: new Date().toISOString(),
                instance: 'backend-1:103',
                phase: 'finalize',
                component: 'self-test',
                code: '42P05',
                causeCode: null,
                domain: null,
                layer: null,
              },
              connectMs: {},
            },
          ],
        },
      },
    })
  })
  afterAll(() => collector?.close())

  it('reads /status/cold-starts: 4 failures in finalize, the newest 42P05 → application, a likely crash loop', async () => {
    const closed = await getFreePort()
    const { code, out } = await diagnose(
      `services:\n  backend: { url: 'http://127.0.0.1:${closed}' }\n  frontend: { url: '${collector.url}' }\n`,
    )
    expect(out.verdict).toMatchObject({ status: 'fault', domain: 'application', layer: 'application' })
    expect(code).toBe(1)
    expect(out.supporting[0]).toMatchObject({ source: 'frontend GET /status/cold-starts' })
    expect(out.supporting[0]!.fact).toMatch(
      /backend: 4 failed cold starts, 4 in phase finalize \(likely a crash loop\); the newest: self-test: 42P05 \[application\/application\]/,
    )
  })
})

// The real thing: `tarmac up --only auth` on a real database, its auth child SIGKILLed; diagnose on the same
// machine reads up's facts file and names the process's end, with the signal.
describe('the supervisor is evidence: a killed service under tarmac up', () => {
  let db: TestDatabase
  let up: CliRun | undefined
  beforeAll(async () => {
    db = await createTestDatabase('cli_diagnose_up')
  })
  afterAll(async () => {
    await stopCli(up)
    await db?.drop()
  }, 60_000)

  it('names application / process with SIGKILL as the evidence, from up’s facts file', async () => {
    const facts = join(dir, 'up-facts.json')
    const authPort = await getFreePort()
    up = startCli([
      ...['up', '--only', 'auth', '--database-url', db.url, '--facts-file', facts],
      ...['--ports', `auth=${authPort}`],
    ])
    const pid = Number((await up.waitFor(/auth\s+http:\/\/127\.0\.0\.1:\d+\s+\(pid (\d+)\)/, 240_000))[1])
    await until(() => existsSync(facts), 10_000)
    expect(JSON.parse(readFileSync(facts, 'utf8'))).toMatchObject({ services: { auth: { pid } } })

    process.kill(pid, 'SIGKILL')
    await until(() => readFileSync(facts, 'utf8').includes('"SIGKILL"'), 10_000)
    const yaml = `services:\n  auth: { url: 'http://127.0.0.1:${authPort}' }\n`
    const { code, out } = await diagnose(yaml, '--supervisor-facts', facts)
    expect(out.verdict).toMatchObject({ status: 'fault', domain: 'application', layer: 'process' })
    expect(code).toBe(1)
    expect(out.supporting[0]!.fact).toMatch(new RegExp(`auth was killed by SIGKILL at .+ \\(pid ${pid}\\)`))

    // Once auth is back, the kill is history: it no longer points anywhere.
    await up.waitFor(/auth restarted \(pid \d+, restart 1\)/, 120_000)
    const after = await diagnose(yaml, '--supervisor-facts', facts)
    expect(
      after.out.evidence.some((fact) => /restarted 1 time by tarmac up, now running again/.test(fact.fact)),
    ).toBe(true)
    expect(after.out.verdict.status).toBe('healthy')

    up.child.kill('SIGINT')
    expect((await up.closed).code).toBe(0)
    expect(existsSync(facts)).toBe(false)
  }, 400_000)
})
