import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEPLOY_FAULTS } from '../src/errors.js'
import { main } from '../src/main.js'
import type { FleetCheck } from '../src/deploy/fleet-checks.js'
import { captureIo } from './capture-io.js'

const dir = mkdtempSync(join(tmpdir(), 'tarmac-deploy-check-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** Runs `tarmac deploy check` on a plan; returns the exit code, the output and the JSON verdict. */
async function check(plan: string) {
  const file = join(dir, `plan-${++files}.yaml`)
  writeFileSync(file, plan)
  const io = captureIo(dir)
  const code = await main(['deploy', 'check', '--config', file], io)
  const json = captureIo(dir)
  await main(['deploy', 'check', '--config', file, '--json'], json)
  const parsed = json.out() ? (JSON.parse(json.out()) as { fits: boolean; checks: FleetCheck[] }) : null
  return { code, out: io.out(), err: io.err(), checks: parsed?.checks ?? [] }
}
const failed = (checks: FleetCheck[]) => checks.filter((c) => !c.passed)

/** The shape the issue asks to accept, with the rest of a plan as the case needs. */
const ISSUE_PLAN = `fleet:
  database: { maxConnections: 100, reserved: 3 }
  services:
    backend: { maxInstances: 20, poolMax: 10, startupDeadlineMs: 120000, startupProbeWindowMs: 240000 }
`

describe('tarmac deploy check', () => {
  it('accepts a plan that fits, and prints every number it compared', async () => {
    const fits = `fleet:
  database: { maxConnections: 100, reserved: 3 }
  services:
    backend: { maxInstances: 20, poolMax: 4, startupDeadlineMs: 120000, startupProbeWindowMs: 240000 }
`
    const { code, out, checks } = await check(fits)
    expect(code).toBe(0)
    expect(failed(checks)).toEqual([])
    // 20 instances + 1 of surge, 4 connections each: 84 of 97.
    expect(out).toContain(
      'backend 21 × 4 = 84 ≤ 97 usable (100 max_connections − 3 reserved − 0 held by others)',
    )
    expect(out).toContain('the plan fits')
  })

  it("refuses the issue's plan: 21 × 10 connections do not fit in 97, and says what would", async () => {
    const { code, out, checks } = await check(ISSUE_PLAN)
    expect(code).toBe(1)
    expect(failed(checks)).toEqual([
      expect.objectContaining({
        check: 'connections',
        code: 'DEPLOY_CONNECTIONS_OVER_BUDGET',
        numbers: 'backend 21 × 10 = 210 > 97 usable (100 max_connections − 3 reserved − 0 held by others)',
        fix: expect.stringContaining("lower backend's poolMax to ≤ 4") as string,
      }),
    ])
    expect(out).toMatch(/raise max_connections to ≥ 213/)
    expect(out).toContain('[DEPLOY_CONNECTIONS_OVER_BUDGET]')
  })

  it('accepts a fleet far above max_connections behind a pooler, and holds the pooler to both limits', async () => {
    const pooled = (serverConnections: number, maxClientConnections: number) => `fleet:
  database: { maxConnections: 25, reserved: 3 }
  pooler: { maxClientConnections: ${maxClientConnections}, serverConnections: ${serverConnections} }
  services:
    backend: { maxInstances: 40, poolMax: 5 }
`
    expect((await check(pooled(20, 1000))).code).toBe(0)
    const over = await check(pooled(30, 100))
    expect(over.code).toBe(1)
    expect(failed(over.checks).map((c) => [c.code, c.numbers])).toEqual([
      [
        'DEPLOY_CONNECTIONS_OVER_BUDGET',
        'pooler 1 × 30 = 30 > 22 usable (25 max_connections − 3 reserved − 0 held by others)',
      ],
      ['DEPLOY_POOLER_CLIENTS_OVER_LIMIT', 'backend 41 × 5 = 205 > 1 × 100 max_client_conn'],
    ])
  })

  it('refuses a startup probe window that the deadline and its margin do not fit in', async () => {
    const { code, checks } = await check(`fleet:
  database: { maxConnections: 100 }
  services:
    backend: { maxInstances: 2, poolMax: 2, connectTimeoutMs: 20000, startupDeadlineMs: 90000, startupProbeWindowMs: 60000 }
`)
    expect(code).toBe(1)
    expect(failed(checks)).toEqual([
      expect.objectContaining({
        code: 'DEPLOY_PROBE_WINDOW_TOO_SHORT',
        numbers: 'startup probe window 60000 ms < deadline 90000 + margin 10000 = 100000 ms',
        fix: 'raise startupProbeWindowMs to ≥ 100000, or lower startupDeadlineMs to ≤ 50000',
      }),
    ])
  })

  it('refuses timeouts raised past the deadline: 3 attempts of 90 s cannot fit in 120 s', async () => {
    const { checks } = await check(`fleet:
  database: { maxConnections: 100 }
  services:
    backend: { maxInstances: 2, poolMax: 2, connectTimeoutMs: 90000, startupDeadlineMs: 120000 }
`)
    expect(failed(checks)).toEqual([
      expect.objectContaining({
        code: 'DEPLOY_CONNECT_ATTEMPTS_OVER_DEADLINE',
        numbers: '3 × 90000 ms + backoff ≤ 750 ms = 270750 ms > deadline 120000 ms',
        fix: 'lower connectTimeoutMs to ≤ 39750, or raise startupDeadlineMs to ≥ 270750 (and the probe window with it)',
      }),
    ])
  })

  it("refuses a fleet whose cold start the connector's admission rate cannot carry within the deadline", async () => {
    const { checks } = await check(`fleet:
  database: { maxConnections: 200 }
  connector: { admissionsPerSecond: 0.5 }
  services:
    backend: { maxInstances: 40, poolMax: 2, connectTimeoutMs: 15000, startupDeadlineMs: 60000 }
    auth: { maxInstances: 10, poolMax: 2 }
    frontend: { maxInstances: 10, database: none }
`)
    expect(failed(checks)).toEqual([
      expect.objectContaining({
        code: 'DEPLOY_COLD_START_OVER_CONNECTOR',
        numbers:
          'backend 40 + auth 10 = 50 connections at 0.5/s = 100000 ms > shortest startup deadline 60000 ms',
        fix: 'the connector must admit ≥ 0.83/s, or lower the instances to ≤ 30 in all',
      }),
      // The model agrees: one establishment at a time, 2 s each, 15 s attempts retried until 60 s.
      expect.objectContaining({ code: 'DEPLOY_COLD_START_PREDICTED_NOT_READY' }),
    ])
  })

  it("predicts the plan's cold start with the storm model: p95, readiness and 53300, with the numbers", async () => {
    const plan = (instances: number, maxConnections: number) => `fleet:
  database: { maxConnections: ${maxConnections}, reserved: 3 }
  connector: { admissionsPerSecond: 1, minInstances: 2, maxInstances: 10 }
  services:
    backend: { maxInstances: ${instances}, poolMax: 1 }
`
    const fits = await check(plan(20, 40))
    const prediction = fits.checks.find((c) => c.check === 'predicted cold start')!
    expect(prediction.passed).toBe(true)
    expect(prediction.numbers).toMatch(
      /^storm model: 20 instances through the connector \(2 → 10 after 20\.0 s in flight, 1\.0 s–3\.0 s each\) into 37 slots: 100 % ready, p95 \d+\.\d s ≤ deadline 120\.0 s, 0 × 53300/,
    )
    expect(fits.out).toContain('predicted cold start')

    // 1,000 instances: the scaled connector admits ~5 a second, so half are still queued at the deadline.
    const wide = await check(plan(1_000, 2_000))
    expect(failed(wide.checks)).toContainEqual(
      expect.objectContaining({
        code: 'DEPLOY_COLD_START_PREDICTED_NOT_READY',
        fix: 'raise the connector (minInstances, machine type) or lower the instances',
      }),
    )
    expect(wide.code).toBe(1)

    // 40 instances into 27 slots: the rest are refused (53300) and retry until the deadline.
    const short = await check(plan(40, 30))
    const refused = short.checks.find((c) => c.code === 'DEPLOY_COLD_START_PREDICTED_NOT_READY')!
    expect(refused.numbers).toMatch(/into 27 slots: 67\.5 % ready, .*, [1-9]\d* × 53300/)
    expect(refused.fix).toBe('give the fleet ≥ 40 server slots (now 27), or lower the instances')
  })

  it('refuses what Cloud Run cannot do: a window over 240 s, a stop over 10 s, concurrency over 1000', async () => {
    const { checks } = await check(`fleet:
  platforms: [cloud-run]
  database: { maxConnections: 100 }
  services:
    backend:
      maxInstances: 2
      poolMax: 2
      startupDeadlineMs: 280000
      startupProbeWindowMs: 300000
      stopBudgetMs: 15000
      concurrency: 2000
`)
    expect(failed(checks).map((c) => [c.code, c.numbers])).toEqual([
      [
        'DEPLOY_PROBE_WINDOW_OVER_PLATFORM',
        "startup probe window 300000 ms > Cloud Run's 240000 ms (failureThreshold × periodSeconds)",
      ],
      [
        'DEPLOY_SHUTDOWN_OVER_GRACE',
        'drain 0 ms (Cloud Run stops routing first) + stop budget 15000 ms > 10000 ms after SIGTERM',
      ],
      ['DEPLOY_CONCURRENCY_OVER_PLATFORM', 'concurrency 2000 > 1000'],
    ])
    // The same plan on Kubernetes has no such caps.
    const kubernetes = await check(`fleet:
  platforms: [kubernetes]
  database: { maxConnections: 100 }
  services:
    backend: { maxInstances: 2, poolMax: 2, startupDeadlineMs: 280000, startupProbeWindowMs: 300000, stopBudgetMs: 15000 }
`)
    expect(kubernetes.code).toBe(0)
  })

  it('exits 2 on a plan it cannot read: no fleet section, an unknown key, a pooled service without a pooler', async () => {
    const none = await check('services: {}\n')
    expect(none.code).toBe(2)
    expect(none.err).toMatch(/CLI_ERR_CONFIG_INVALID: .*has no fleet: section/)
    const typo = await check(ISSUE_PLAN.replace('poolMax', 'poolmax'))
    expect(typo.code).toBe(2)
    expect(typo.err).toMatch(/plan-\d+\.yaml:4:\d+: fleet\.services\.backend\.poolmax: unknown key/)
    const noPooler = await check(ISSUE_PLAN.replace('poolMax: 10', 'poolMax: 10, database: pooler'))
    expect(noPooler.code).toBe(2)
    expect(noPooler.err).toMatch(
      /fleet\.services\.backend\.database: is pooler, but the fleet declares no pooler/,
    )
  })

  it('teaches with --help: every check, an example plan, the exit codes', async () => {
    const io = captureIo(dir)
    expect(await main(['deploy', 'check', '--help'], io)).toBe(0)
    for (const text of ['--config', 'maxConnections: 100', 'Exit codes', 'admissionsPerSecond', '240 s'])
      expect(io.out()).toContain(text)
    const deploy = captureIo(dir)
    expect(await main(['deploy'], deploy)).toBe(2)
    expect(deploy.out()).toContain('render')
    expect(await main(['deploy', 'nope'], captureIo(dir))).toBe(2)
  })

  it('declares every code it can refuse with', () => {
    expect(DEPLOY_FAULTS.codes).toEqual(
      expect.arrayContaining([
        'DEPLOY_CONNECTIONS_OVER_BUDGET',
        'DEPLOY_POOLER_CLIENTS_OVER_LIMIT',
        'DEPLOY_PROBE_WINDOW_TOO_SHORT',
        'DEPLOY_PROBE_WINDOW_OVER_PLATFORM',
        'DEPLOY_CONNECT_ATTEMPTS_OVER_DEADLINE',
        'DEPLOY_COLD_START_OVER_CONNECTOR',
        'DEPLOY_SHUTDOWN_OVER_GRACE',
        'DEPLOY_CONCURRENCY_OVER_PLATFORM',
        'DEPLOY_IMAGE_UNRELEASED',
      ]),
    )
  })
})
