import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@tarmac/postgres'
import { getFreePort } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../src/config/load-config.js'
import { main } from '../src/main.js'
import { alerterFor } from '../src/monitor/alert-setup.js'
import type { IncidentEvent } from '../src/monitor/incident.js'
import { Monitor, type MonitorSnapshot } from '../src/monitor/monitor.js'
import { targetsOf } from '../src/monitor/monitor-targets.js'
import type { ValidationReport } from '../src/validate/run-criteria.js'
import { startAlertReceiver, waitUntil } from './alert-receiver.js'
import { captureIo } from './capture-io.js'
import { junitErrors } from './junit-schema.js'

// The real stack: `tarmac up` (as a child process, from source) runs auth and backend against an embedded
// Postgres this test owns, so the test can stop Postgres under them.
const root = fileURLToPath(new URL('../../..', import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

let db: EmbeddedPostgres
let up: ChildProcess
let upOutput = ''
let upExit: Promise<number | null>
let dir: string
let backendUrl: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-stack-'))
  db = await startEmbeddedPostgres({ dataDir: join(dir, 'pgdata') })
  const [authPort, backendPort] = [await getFreePort(), await getFreePort()]
  backendUrl = `http://127.0.0.1:${backendPort}`
  writeFileSync(
    join(dir, 'tarmac.yaml'),
    [
      'services:',
      `  backend: { url: 'http://127.0.0.1:${backendPort}', authService: auth }`,
      `  auth: { url: 'http://127.0.0.1:${authPort}' }`,
      'dependencies:',
      '  postgres: { type: postgres, url: $DATABASE_URL }',
    ].join('\n'),
  )
  up = spawn(
    process.execPath,
    [
      '--conditions=@tarmac/source',
      '--import',
      tsx,
      join(root, 'packages/cli/src/bin.ts'),
      'up',
      '--source',
      '--only',
      'auth,backend',
      '--ports',
      `auth=${authPort},backend=${backendPort}`,
      '--database-url',
      db.url,
    ],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the test can send SIGINT to the whole group, as a terminal's Ctrl-C does.
      detached: true,
    },
  )
  upExit = new Promise((resolve) => up.once('close', (code) => resolve(code)))
  up.stdout!.on('data', (chunk: Buffer) => (upOutput += chunk.toString()))
  up.stderr!.on('data', (chunk: Buffer) => (upOutput += chunk.toString()))
  const deadline = Date.now() + 170_000
  while (!upOutput.includes('Ctrl-C to stop')) {
    if (up.exitCode !== null || Date.now() > deadline)
      throw new Error(`tarmac up did not get ready:\n${upOutput}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}, 200_000)

afterAll(async () => {
  if (up && up.exitCode === null) {
    // A failed test left the stack running: stop it gracefully first, so its services stop too.
    up.kill('SIGINT')
    const timer = setTimeout(() => up.kill('SIGKILL'), 20_000)
    await upExit
    clearTimeout(timer)
  }
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
}, 60_000)

describe('the real local stack', () => {
  it('tarmac up prints each service phase and the URLs once ready', () => {
    expect(upOutput).toMatch(/backend\s+│ phase database completed in \d+ ms/)
    expect(upOutput).toMatch(/ready in [\d.]+ s/)
    expect(upOutput).toMatch(/backend\s+http:\/\/127\.0\.0\.1:\d+/)
    expect(upOutput).toMatch(/backend\s+init \d+ ms → dependencies \d+ ms → database \d+ ms/)
  })

  it('passes the shipped criteria (health, DB connection p95, database phase, chat round trip)', async () => {
    const io = captureIo(dir, { DATABASE_URL: db.url })
    const code = await main(['validate', '--json', '--junit', 'pass.xml'], io)
    const report = JSON.parse(io.out()) as ValidationReport
    expect(report.checks.filter((c) => !c.passed)).toEqual([])
    expect(report.checks.find((c) => c.type === 'chat')).toMatchObject({ passed: true })
    expect(report.passRate).toBe(1)
    expect(code).toBe(0)
    // The connector criterion: fresh connects through auth's own path; the frontend, not in this config, skipped.
    expect(report.checks.find((c) => c.category === 'connector')).toMatchObject({
      type: 'db-connect',
      passed: true,
      samples: 10,
    })
    expect(report.checks.find((c) => c.name === 'auth infrastructure passes')).toMatchObject({ passed: true })
    expect(report.skipped.map((s) => s.check)).toEqual([
      'health/frontend live',
      'health/frontend ready',
      'health/frontend started',
    ])
    const monitor = captureIo(dir, { DATABASE_URL: db.url })
    expect(await main(['monitor', '--once', '--json'], monitor)).toBe(0)
    const snapshot = JSON.parse(monitor.out()) as MonitorSnapshot
    expect(snapshot.targets.find((t) => t.target === 'backend startup')!.last).toMatchObject({
      startupState: 'started',
    })
    // The real auth and backend: a throwaway user signed up, the socket opened with it, auth.ok received.
    expect(snapshot.targets.find((t) => t.target === 'backend websocket')).toMatchObject({
      status: 'up',
      kind: 'websocket',
      last: { state: 'pass', phases: { token: expect.any(Number), auth: expect.any(Number) } },
    })
    expect(snapshot.targets.find((t) => t.target === 'auth infrastructure')).toMatchObject({ status: 'up' })
  }, 120_000)

  it('with Postgres stopped, the gate fails, naming and classifying the failing checks', async () => {
    await db.close()
    // The stack is every test's fixture: give it its Postgres back (same data, same port) and wait until the
    // backend is ready on it again, so no later test runs on what this one broke.
    onTestFinished(async () => {
      db = await startEmbeddedPostgres({ dataDir: db.dataDir, port: db.port })
      await expect
        .poll(async () => (await fetch(`${backendUrl}/health/ready`).catch(() => undefined))?.status, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe(200)
    }, 90_000)
    writeFileSync(
      join(dir, 'down.yaml'),
      [
        'threshold: 0.8',
        'categories:',
        '  - name: health',
        '    checks:',
        '      - { name: backend live, type: http, service: backend, path: /health/live }',
        '      - { name: backend ready, type: http, service: backend, path: /health/ready, critical: true }',
        '  - name: database',
        '    checks:',
        '      - { name: postgres connect, type: db-connect, dependency: postgres, maxMs: 30000 }',
        '  - name: chat',
        '    checks:',
        '      - { name: chat, type: chat, service: backend, timeoutMs: 8000 }',
      ].join('\n'),
    )
    let report: ValidationReport | undefined
    let code = -1
    // The backend notices on its next background health check (every few seconds).
    for (let attempt = 0; attempt < 30; attempt++) {
      const io = captureIo(dir, { DATABASE_URL: db.url })
      code = await main(['validate', '-f', 'down.yaml', '--json', '--junit', 'down.xml'], io)
      report = JSON.parse(io.out()) as ValidationReport
      if (!report.checks.find((c) => c.name === 'backend ready')!.passed) break
      await new Promise((resolve) => setTimeout(resolve, 2_000))
    }
    const check = (name: string) => report!.checks.find((c) => c.name === name)!
    expect(code).toBe(1)
    expect(report!.passed).toBe(false)
    expect(report!.criticalFailed).toContain('health/backend ready')
    expect(check('backend live')).toMatchObject({ passed: true })
    expect(check('backend ready')).toMatchObject({
      passed: false,
      errorClass: 'HTTP_STATUS',
      faultDomain: 'infrastructure',
    })
    expect(check('backend ready').message).toMatch(/postgres/)
    expect(check('postgres connect')).toMatchObject({
      passed: false,
      errorClass: 'TCP_REFUSED',
      faultDomain: 'infrastructure',
    })
    expect(check('chat')).toMatchObject({ passed: false })
    expect(await junitErrors(readFileSync(join(dir, 'down.xml'), 'utf8'))).toEqual([])
  }, 150_000)

  it('one database outage under backend and auth is one alert: opened, updated, then resolved', async () => {
    const receiver = await startAlertReceiver()
    const loaded = loadConfig('tarmac.yaml', dir, { DATABASE_URL: db.url })
    // Every change a message at once (no grouping window): the outage's targets go down one result at a time,
    // so the alert is opened with the first and updated with the others, deterministically.
    const config = {
      ...loaded.config,
      monitor: { ...loaded.config.monitor, intervalMs: 1_000, timeoutMs: 1_000, websocket: false },
      alerts: { ...loaded.config.alerts, groupWindowMs: 0 },
    }
    let monitor: Monitor | undefined = undefined
    const alerter = alerterFor(
      config,
      { webhook: receiver.url },
      {},
      {
        verdict: (targets) => monitor!.incidentVerdict(targets),
        onEvent: (event) => monitor!.recordAlert(event),
        onIncident: (event) => monitor!.recordIncident(event),
        onDelivery: () => {},
      },
    )
    monitor = new Monitor({
      targets: targetsOf(config, {}),
      concurrency: 16,
      failures: 2,
      window: 3,
      lagBoundMs: 1_000,
      alerter,
    })
    const bodies = receiver.bodies as IncidentEvent[]
    const rows = () => monitor.snapshot().targets
    const describeState = () =>
      `${rows()
        .map((t) => `${t.target}=${t.status}${t.degraded ? ' (degraded)' : ''}`)
        .join(', ')}; alerts: ${bodies.map((b) => `${b.id} ${b.status}`).join(', ')}`
    let stopped = false
    onTestFinished(async () => {
      await monitor.stop()
      await receiver.close()
      if (!stopped) return
      // As the test above: the stack is every test's fixture, so its database comes back whatever happened.
      db = await startEmbeddedPostgres({ dataDir: db.dataDir, port: db.port }).catch(() => db)
      await expect
        .poll(async () => (await fetch(`${backendUrl}/health/ready`).catch(() => undefined))?.status, {
          timeout: 60_000,
          interval: 500,
        })
        .toBe(200)
    }, 90_000)
    monitor.start()
    // A stack just started may say it is degraded (its pool still filling): that is an incident of its own,
    // a warning. The outage starts from a clean slate: every target up, not degraded, no incident open.
    await waitUntil(
      () => rows().every((t) => t.status === 'up' && !t.degraded) && alerter!.incident === null,
      describeState,
      60_000,
    )
    receiver.bodies.length = 0

    await db.close()
    stopped = true
    const down = ['postgres', 'backend ready', 'auth ready']
    await waitUntil(
      () => {
        const last = bodies.at(-1)
        return last !== undefined && down.every((name) => last.targets.some((t) => t.target === name))
      },
      describeState,
      90_000,
    )
    db = await startEmbeddedPostgres({ dataDir: db.dataDir, port: db.port })
    stopped = false
    await waitUntil(() => bodies.at(-1)?.status === 'resolved', describeState, 90_000)
    await monitor.stop()

    // One alert: one id, opened once, updated as the other targets joined and left, resolved once.
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1)
    const statuses = bodies.map((b) => b.status)
    expect(statuses[0]).toBe('opened')
    expect(statuses.at(-1)).toBe('resolved')
    expect(statuses.slice(1, -1).length).toBeGreaterThan(0)
    expect(new Set(statuses.slice(1, -1))).toEqual(new Set(['updated']))
    expect(bodies.map((b) => b.sequence)).toEqual(bodies.map((_, i) => i + 1))
    // With the whole picture, diagnose's model names the database, and whose move it is.
    const whole = bodies.find((b) => down.every((name) => b.targets.some((t) => t.target === name)))!
    expect(whole.verdict).toMatchObject({
      basis: 'diagnose',
      domain: 'infrastructure',
      layer: 'postgres-availability',
      owner: 'the database team',
    })
    expect(whole.verdict.handoff).toMatch(/^# Handoff: infrastructure \/ postgres-availability/)
    expect(whole.title).toMatch(/^infrastructure \/ postgres-availability .*; for the database team$/)
    expect(bodies.at(-1)!.involved).toEqual(expect.arrayContaining(down))
    expect(bodies.at(-1)!.targets).toEqual([])
    // On its way out (the database back, the services' checks not yet), the verdict stays as told.
    expect(bodies.at(-1)!.verdict).toMatchObject({
      layer: 'postgres-availability',
      owner: 'the database team',
    })
    // What the operator receives, for the runbook.
    console.log(bodies.map((b) => `${b.id} #${b.sequence} ${b.status}: ${b.title}`).join('\n'))
  }, 300_000)

  it('Ctrl-C (SIGINT to the whole process group) stops everything in reverse order and exits 0', async () => {
    const from = upOutput.length // what the shutdown printed, not what earlier tests made the stack say
    process.kill(-up.pid!, 'SIGINT')
    expect(await upExit).toBe(0)
    expect(upOutput.slice(from)).toContain('stopped backend, auth')
    expect(upOutput.slice(from)).not.toMatch(/did not stop cleanly|exited with code/)
  }, 60_000)
})
