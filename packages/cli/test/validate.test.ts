import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_DATABASE_URL, getFreePort } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCriteria } from '../src/validate/validate-command.js'
import { main } from '../src/main.js'
import { runCriteria, type ValidationReport } from '../src/validate/run-criteria.js'
import { parseConfig } from '../src/config/load-config.js'
import { toJunit } from '../src/validate/junit.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'
import { junitErrors } from './junit-schema.js'

let backend: HealthServer
let dir: string
let closedPort: number

beforeAll(async () => {
  backend = await startHealthServer({
    '/health/live': { status: 200, body: docs.pass },
    '/health/ready': { status: 503, body: docs.readyPostgresDown },
    '/health/startup': { status: 200, body: docs.startupStarted },
    '/health/infrastructure': { status: 200, body: docs.infrastructure(25.5) },
    '/health/probe/postgres': { status: 200, body: docs.probe([20, 25.5, 22]) },
  })
  closedPort = await getFreePort()
  dir = mkdtempSync(join(tmpdir(), 'tarmac-validate-'))
  writeFileSync(
    join(dir, 'tarmac.yaml'),
    `services:\n  backend: { url: '${backend.url}' }\n  gone: { url: 'http://127.0.0.1:${closedPort}' }\n`,
  )
})

afterAll(() => backend.close())

function criteria(name: string, yaml: string): string {
  writeFileSync(join(dir, name), yaml)
  return name
}

const CRITERIA = `
threshold: 0.6
categories:
  - name: health
    checks:
      - { name: live, type: http, service: backend, path: /health/live, critical: true, json: [{ path: status, equals: pass }] }
      - { name: ready, type: http, service: backend, path: /health/ready }
      - { name: gone, type: http, service: gone, path: /health/live }
  - name: database
    checks:
      - { name: connect p95, type: db-connect, service: backend, samples: 3, intervalMs: 0, maxMs: 30000 }
      - { name: connect direct, type: db-connect, url: "${ADMIN_DATABASE_URL}", samples: 3, intervalMs: 0, maxMs: 30000 }
      - { name: database phase, type: startup-phase, service: backend, phase: database, maxMs: 30000 }
      - { name: database phase fast, type: startup-phase, service: backend, phase: database, maxMs: 100 }
`

describe('tarmac validate against real local servers', () => {
  it('names and classifies each failure; 4/7 fails a 0.6 gate and passes a 0.5 one', async () => {
    const io = captureIo(dir)
    const code = await main(['validate', '-f', criteria('a.yaml', CRITERIA), '--json'], io)
    const report = JSON.parse(io.out()) as ValidationReport
    const check = (name: string) => report.checks.find((c) => c.name === name)!
    expect(check('live')).toMatchObject({ passed: true, samples: 1 })
    expect(check('ready')).toMatchObject({
      passed: false,
      errorClass: 'HTTP_STATUS',
      faultDomain: 'infrastructure',
      faultLayer: 'tcp',
    })
    expect(check('ready').message).toContain('postgres:responseTime')
    // A service that does not answer: crashed or cut off, nobody can tell from outside.
    expect(check('gone')).toMatchObject({
      passed: false,
      errorClass: 'TCP_REFUSED',
      faultDomain: 'unknown',
      faultLayer: 'unknown',
    })
    expect(check('connect p95')).toMatchObject({ passed: true, samples: 3, observedMs: 25.5 })
    expect(check('connect direct')).toMatchObject({ passed: true, samples: 3 })
    expect(check('connect direct').observedMs).toBeGreaterThan(0)
    expect(check('database phase')).toMatchObject({ passed: true, observedMs: 420 })
    expect(check('database phase fast')).toMatchObject({
      passed: false,
      errorClass: 'OVER_BOUND',
      observedMs: 420,
    })
    expect(report).toMatchObject({ passed: false, criticalFailed: [] })
    expect(report.passRate).toBeCloseTo(4 / 7)
    expect(code).toBe(1)
    // Lower the bar: the same results pass at 0.5.
    expect(await main(['validate', '-f', 'a.yaml', '--threshold', '0.5'], captureIo(dir))).toBe(0)
  })

  it('fails the gate when a critical check fails, whatever the pass rate', async () => {
    const file = criteria(
      'b.yaml',
      `threshold: 0.1\ncategories:\n  - name: health\n    checks:\n      - { name: live, type: http, service: backend, path: /health/live }\n      - { name: ready, type: http, service: backend, path: /health/ready, critical: true }\n`,
    )
    const io = captureIo(dir)
    expect(await main(['validate', '-f', file], io)).toBe(1)
    expect(io.out()).toContain(
      'GATE FAILED: 1/2 checks passed (50.0 %, threshold 10 %); critical failed: health/ready',
    )
  })

  it('writes JUnit XML that validates against the JUnit schema, failures typed by class', async () => {
    const io = captureIo(dir)
    await main(['validate', '-f', criteria('c.yaml', CRITERIA), '--junit', 'out/../report.xml'], io)
    const xml = readFileSync(join(dir, 'report.xml'), 'utf8')
    expect(await junitErrors(xml)).toEqual([])
    expect(xml).toContain('<testsuite name="health" tests="3" failures="2"')
    expect(xml).toMatch(
      /<failure type="TCP_REFUSED" message="TCP_REFUSED \(unknown\/unknown\): connect ECONNREFUSED/,
    )
    // The check really is strict: a broken document is rejected.
    expect(await junitErrors(xml.replace('tests="3"', 'tests="three"'))).not.toEqual([])
  })

  it('points criteria errors at the line and exits 2', async () => {
    const file = criteria(
      'bad.yaml',
      [
        'categories:',
        '  - name: health',
        '    checks:',
        '      - name: live',
        '        type: htp',
        '        service: backend',
        '      - { name: x, type: http, samples: 0 }',
      ].join('\n'),
    )
    const io = captureIo(dir)
    expect(await main(['validate', '-f', file], io)).toBe(2)
    expect(io.err()).toContain('CLI_ERR_CRITERIA_INVALID')
    expect(io.err()).toMatch(/bad\.yaml:5:15: categories\.0\.checks\.0\.type: /)
    expect(io.err()).toMatch(/bad\.yaml:7:\d+: categories\.0\.checks\.1\.samples: /)
  })

  it('ships default criteria that parse, with the success criteria of the issue', () => {
    const shipped = loadCriteria(undefined, dir, {})
    expect(shipped.threshold).toBe(0.8)
    const checks = shipped.categories.flatMap((c) => c.checks)
    expect(checks.map((c) => c.type).sort()).toEqual(
      expect.arrayContaining(['chat', 'db-connect', 'http', 'startup-phase']),
    )
    expect(checks.find((c) => c.type === 'db-connect')).toMatchObject({
      service: 'backend',
      samples: 10,
      percentile: 95,
      maxMs: 30_000,
    })
    expect(checks.find((c) => c.type === 'startup-phase')).toMatchObject({ phase: 'database', maxMs: 30_000 })
    // HTTP 200 from every health endpoint: the frontend's and auth's too (issue 23).
    const health = (service: string) =>
      checks.flatMap((c) => (c.type === 'http' && c.service === service ? [c.path] : []))
    expect(health('frontend').sort()).toEqual(['/health/live', '/health/ready', '/health/startup'])
    expect(health('auth').sort()).toEqual([
      '/health/infrastructure',
      '/health/live',
      '/health/ready',
      '/health/startup',
    ])
    for (const check of checks.filter((c) => c.type === 'http' && c.service === 'frontend'))
      expect(check).toMatchObject({ ifConfigured: true, status: 200 })
    // The connector criterion: fresh connects through auth's own path, as the backend's.
    const connector = shipped.categories.find((c) => c.name === 'connector')!
    expect(connector.checks).toMatchObject([
      { type: 'db-connect', service: 'auth', samples: 10, percentile: 95, maxMs: 30_000 },
    ])
  })

  it('runs the shipped health checks against every configured service, and skips the frontend when absent', async () => {
    const up = { status: 200, body: docs.pass }
    const healthy = () =>
      startHealthServer({
        '/health/live': up,
        '/health/ready': up,
        '/health/startup': up,
        '/health/infrastructure': up,
      })
    const [api, auth, web] = await Promise.all([healthy(), healthy(), healthy()])
    try {
      const shipped = loadCriteria(undefined, dir, {})
      const only = (name: string) => ({
        ...shipped,
        categories: shipped.categories.filter((c) => c.name === name),
      })
      const withFrontend = `services:\n  backend: { url: '${api.url}' }\n  auth: { url: '${auth.url}' }\n  frontend: { url: '${web.url}' }\n`
      const all = await runCriteria(only('health'), { config: parseConfig(withFrontend), env: {} })
      expect(all.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'frontend live',
          'frontend ready',
          'frontend started',
          'auth infrastructure passes',
        ]),
      )
      expect(all.checks.filter((c) => !c.passed)).toEqual([])
      expect(web.hits.get('/health/ready')).toBe(1)
      expect(all.skipped).toEqual([])
      web.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
      const failing = await runCriteria(only('health'), { config: parseConfig(withFrontend), env: {} })
      expect(failing.criticalFailed).toEqual(['health/frontend ready'])
      expect(failing.passed).toBe(false)
      const without = await runCriteria(only('health'), {
        config: parseConfig(withFrontend.split('\n').slice(0, 3).join('\n')),
        env: {},
      })
      expect(without.checks.some((c) => c.name.startsWith('frontend'))).toBe(false)
      const reason = 'no service "frontend" in the config'
      expect(without.skipped).toEqual([
        { check: 'health/frontend live', reason },
        { check: 'health/frontend ready', reason },
        { check: 'health/frontend started', reason },
      ])
      expect(without.passed).toBe(true)
      // CI sees them as skipped, never as passed.
      const junit = toJunit(without)
      expect(junit).toContain(
        '<testcase classname="health" name="frontend ready" time="0.000">\n      <skipped message="skipped: no service &quot;frontend&quot; in the config"/>',
      )
      expect(await junitErrors(junit)).toEqual([])
    } finally {
      await Promise.all([api.close(), auth.close(), web.close()])
    }
  })

  it('teaches with --help, and names an unknown service', async () => {
    const help = captureIo(dir)
    expect(await main(['validate', '--help'], help)).toBe(0)
    expect(help.out()).toMatch(/Exit codes:\n {2}0 +the gate passed/)
    const file = criteria(
      'd.yaml',
      'categories:\n  - name: x\n    checks:\n      - { name: y, type: http, service: nope }\n',
    )
    const io = captureIo(dir)
    expect(await main(['validate', '-f', file], io)).toBe(2)
    expect(io.err()).toContain('CLI_ERR_SERVICE_NOT_FOUND')
  })
})
