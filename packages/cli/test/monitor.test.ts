import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_DATABASE_URL, getFreePort, until } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { Monitor, type MonitorSnapshot } from '../src/monitor/monitor.js'
import { parseConfig } from '../src/config/load-config.js'
import { targetsOf } from '../src/monitor/monitor-targets.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

let healthy: HealthServer
let starting: HealthServer
let dbDown: HealthServer
let closedPort: number
let dir: string

beforeAll(async () => {
  healthy = await startHealthServer({
    '/health/live': { status: 200, body: docs.pass },
    '/health/ready': { status: 200, body: docs.pass },
    '/health/startup': { status: 200, body: docs.startupStarted },
    '/health/infrastructure': { status: 200, body: docs.infrastructure(4.2) },
  })
  starting = await startHealthServer({
    '/health/live': { status: 200, body: docs.pass },
    '/health/ready': {
      status: 503,
      body: {
        status: 'fail',
        checks: { 'startup:state': [{ componentType: 'system', status: 'fail', observedValue: 'starting' }] },
      },
    },
    '/health/startup': { status: 503, body: docs.startupStarting },
    '/health/infrastructure': {
      status: 503,
      body: {
        status: 'fail',
        checks: { 'postgres:component': [{ status: 'fail', observedValue: 'pending' }] },
      },
    },
  })
  dbDown = await startHealthServer({
    '/health/live': { status: 200, body: docs.pass },
    '/health/ready': { status: 503, body: docs.readyPostgresDown },
    '/health/startup': { status: 200, body: docs.startupStarted },
  })
  closedPort = await getFreePort()
  const noSuchDatabase = Object.assign(new URL(ADMIN_DATABASE_URL), { pathname: '/tarmac_no_such_db' }).href
  dir = mkdtempSync(join(tmpdir(), 'tarmac-monitor-'))
  writeFileSync(
    join(dir, 'tarmac.yaml'),
    [
      'services:',
      `  healthy: { url: '${healthy.url}' }`,
      `  starting: { url: '${starting.url}' }`,
      `  dbdown: { url: '${dbDown.url}' }`,
      `  gone: { url: 'http://127.0.0.1:${closedPort}' }`,
      'dependencies:',
      `  postgres: { type: postgres, url: "${ADMIN_DATABASE_URL}" }`,
      `  nodb: { type: postgres, url: "${noSuchDatabase}" }`,
      '  web: { type: http, url: "${WEB_URL}" }',
      'monitor: { intervalMs: 200, timeoutMs: 2000, failures: 2, window: 3 }',
    ].join('\n'),
  )
})

afterAll(async () => {
  await Promise.all([healthy.close(), starting.close(), dbDown.close()])
})

const row = (snapshot: MonitorSnapshot, target: string) => snapshot.targets.find((t) => t.target === target)!

describe('tarmac monitor --once against real local servers', () => {
  it('tells up, starting and down apart, with error classes and fault domains', async () => {
    const io = captureIo(dir, { WEB_URL: `${healthy.url}/health/live` })
    const code = await main(['monitor', '--once', '--json'], io)
    const snapshot = JSON.parse(io.out()) as MonitorSnapshot
    expect(row(snapshot, 'healthy ready').status).toBe('up')
    expect(row(snapshot, 'healthy startup').last).toMatchObject({ startupState: 'started', httpStatus: 200 })
    // A 503 from /health/startup while phases run is "starting", not "down".
    expect(row(snapshot, 'starting startup')).toMatchObject({ status: 'starting' })
    expect(row(snapshot, 'starting startup').last).toMatchObject({ startupPhase: 'database' })
    expect(row(snapshot, 'starting ready').status).toBe('starting')
    expect(row(snapshot, 'dbdown ready')).toMatchObject({ status: 'down' })
    expect(row(snapshot, 'dbdown ready').lastError).toMatchObject({
      errorClass: 'HEALTH_FAIL',
      faultDomain: 'infrastructure',
    })
    expect(row(snapshot, 'dbdown ready').lastError!.message).toContain('postgres:responseTime (TCP_REFUSED)')
    // A service that gives no answer at all is judged unknown: a crash and a broken network look alike.
    expect(row(snapshot, 'gone live').lastError).toMatchObject({
      errorClass: 'TCP_REFUSED',
      faultDomain: 'unknown',
    })
    expect(row(snapshot, 'postgres')).toMatchObject({ status: 'up' })
    expect(row(snapshot, 'postgres').last!.phases).toHaveProperty('auth')
    expect(row(snapshot, 'nodb').lastError).toMatchObject({
      errorClass: 'PG_DB_NOT_FOUND',
      faultDomain: 'configuration',
      faultLayer: 'postgres-auth',
    })
    expect(row(snapshot, 'web')).toMatchObject({ status: 'up' })
    expect(code).toBe(1)
  })

  it('exits 0 when everything is up, 4 when something is still starting, and prints a table', async () => {
    const only = (name: string, url: string) => {
      const sub = mkdtempSync(join(tmpdir(), 'tarmac-monitor-'))
      writeFileSync(join(sub, 'tarmac.yaml'), `services:\n  ${name}: { url: '${url}' }\n`)
      return sub
    }
    const upIo = captureIo(only('healthy', healthy.url))
    expect(await main(['monitor', '--once'], upIo)).toBe(0)
    expect(upIo.out()).toMatch(/^TARGET\s+STATUS\s+P50\s+P95\s+UP 1H\s+24H\s+7D\s+FAILS\s+SINCE/)
    expect(upIo.out()).toMatch(/healthy startup\s+up\s+[\d.]+ ms/)
    expect(await main(['monitor', '--once'], captureIo(only('starting', starting.url)))).toBe(4)
  })

  it('rejects bad usage and config with exit 2 and a pointed message', async () => {
    const io = captureIo(dir, {})
    expect(await main(['monitor', '--once'], io)).toBe(2)
    expect(io.err()).toContain('CLI_ERR_CONFIG_INVALID')
    expect(io.err()).toMatch(
      /tarmac\.yaml:9:\d+: dependencies\.web\.url: environment variable WEB_URL is not set/,
    )
    const usage = captureIo(dir, { WEB_URL: healthy.url })
    expect(await main(['monitor', '--window', '5/3'], usage)).toBe(2)
    expect(usage.err()).toContain('CLI_ERR_USAGE')
  })
})

describe('tarmac monitor on an interval', () => {
  it('prints one JSON line per result until Ctrl-C (the signal), then exits 0', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'tarmac-monitor-'))
    writeFileSync(join(sub, 'tarmac.yaml'), `services:\n  healthy: { url: '${healthy.url}' }\n`)
    const controller = new AbortController()
    const io = captureIo(sub, {}, controller.signal)
    // A generous interval (the per-check deadline is capped at it): on a loaded runner a 100 ms deadline fails.
    const running = main(['monitor', '--json', '--interval', '1000'], io)
    // Two sweeps of the four endpoints, however long they take here.
    await until(() => io.out().trim().split('\n').length >= 8, 60_000, 50)
    controller.abort()
    expect(await running).toBe(0)
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { target: string; state: string })
    expect(lines.length).toBeGreaterThanOrEqual(8)
    expect(new Set(lines.map((line) => line.target))).toEqual(
      new Set(['healthy live', 'healthy ready', 'healthy startup', 'healthy infrastructure']),
    )
    expect(lines.every((line) => line.state === 'pass')).toBe(true)
  })
})

describe('Monitor on an interval', () => {
  it('decides down over an m-of-n window, recovers, and appends every result to the JSONL history', async () => {
    const server = await startHealthServer({ '/health/ready': { status: 200, body: docs.pass } })
    const history = join(dir, 'history.jsonl')
    const config = parseConfig(
      `services:\n  svc: { url: '${server.url}' }\nmonitor: { intervalMs: 100, timeoutMs: 1000, endpoints: [ready], failures: 2, window: 3 }\n`,
    )
    const monitor = new Monitor({
      targets: targetsOf(config),
      concurrency: 4,
      failures: 2,
      window: 3,
      lagBoundMs: 1_000,
      historyFile: history,
    })
    const waitFor = async (predicate: (s: MonitorSnapshot) => boolean) => {
      for (let i = 0; i < 200; i++) {
        if (predicate(monitor.snapshot())) return monitor.snapshot()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`timed out; last snapshot ${JSON.stringify(monitor.snapshot().targets[0])}`)
    }
    monitor.start()
    try {
      await waitFor((s) => s.targets[0]!.checks >= 3)
      expect(monitor.snapshot().targets[0]!.status).toBe('up')
      server.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
      const down = await waitFor((s) => s.targets[0]!.status === 'down')
      expect(down.targets[0]!.windowFailures).toBeGreaterThanOrEqual(2)
      expect(down.targets[0]!.lastError).toMatchObject({
        errorClass: 'HEALTH_FAIL',
        faultDomain: 'application',
      })
      server.answers.set('/health/ready', { status: 200, body: docs.pass })
      const up = await waitFor((s) => s.targets[0]!.status === 'up')
      expect(up.targets[0]!.uptimePercent).toBeLessThan(100)
      expect(up.scheduler.dispatched).toBeGreaterThanOrEqual(up.targets[0]!.checks)
    } finally {
      await monitor.stop()
      await server.close()
    }
    const lines = readFileSync(history, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { state: string; kind?: string })
      .filter((line) => line.kind === undefined) // results; transitions are their own lines
    expect(lines.length).toBeGreaterThanOrEqual(5)
    expect(lines[0]).toMatchObject({ target: 'svc ready', state: 'pass', trusted: expect.any(Boolean) })
    expect(lines.some((line) => line.state === 'fail')).toBe(true)
  })
})

describe('tarmac monitor shows the cold starts the collector recorded', () => {
  it('per service: how many, how many failed and where, the last failure and connect times', async () => {
    const collector = await startHealthServer({
      '/health/live': { status: 200, body: docs.pass },
      '/status/cold-starts': {
        status: 200,
        body: {
          windowMs: 900_000,
          services: [
            {
              service: 'backend',
              windowMs: 900_000,
              total: 3,
              ready: 1,
              failed: 2,
              failedByPhase: { database: 2 },
              lastFailure: {
                at: '2026-11-29T12:00:00.000Z',
                phase: 'database',
                code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
                causeCode: 'PG_ERR_TOO_MANY_CONNECTIONS',
                domain: 'infrastructure',
                layer: 'postgres-capacity',
              },
              connectMs: { tcp: { p50: 1200, p95: 2900, samples: 6 } },
            },
          ],
        },
      },
    })
    try {
      const sub = mkdtempSync(join(tmpdir(), 'tarmac-monitor-cold-'))
      writeFileSync(
        join(sub, 'tarmac.yaml'),
        `services:\n  frontend: { url: '${collector.url}' }\nmonitor: { endpoints: [live] }\n`,
      )
      const io = captureIo(sub)
      expect(await main(['monitor', '--once'], io)).toBe(0)
      expect(io.out()).toContain('COLD STARTS (last 15 min, recorded by frontend)')
      expect(io.out()).toMatch(
        /backend +3 recorded · 1 ready · 2 failed \(2 in database\) · last failure PG_ERR_TOO_MANY_CONNECTIONS \[infrastructure\/postgres-capacity\]/,
      )
      expect(io.out()).toContain('connect p50/p95: tcp 1.2 s/2.9 s')
      const json = captureIo(sub)
      await main(['monitor', '--once', '--json'], json)
      expect(JSON.parse(json.out())).toMatchObject({
        coldStarts: { collector: 'frontend', services: [{ service: 'backend', failed: 2 }] },
      })
    } finally {
      await collector.close()
    }
  })
})
