import type { FastifyInstance } from 'fastify'
import type { HealthRegistry } from '@tarmac/health'
import { createHealthRegistry } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, probe, recordingLogger, until } from './support.js'

const LOOPBACK = { remoteAddress: '127.0.0.1' }
let app: FastifyInstance | undefined
let registry: HealthRegistry | undefined
afterEach(async () => {
  registry?.close()
  await app?.close()
  app = registry = undefined
})

describe('probes read cached results only (real time)', () => {
  it('answers /health/ready and /health/infrastructure fast while a check hangs for 10 s', async () => {
    registry = createHealthRegistry()
    let hangs = 0
    let hangEnded = false
    registry.add({ name: 'db:ping', critical: false, timeoutMs: 20_000, run: () => ({ observedValue: 1 }) })
    registry.add({
      name: 'slow:ping',
      critical: false,
      timeoutMs: 20_000,
      run: ({ signal }) =>
        new Promise((resolve) => {
          hangs++
          const timer = setTimeout(() => ((hangEnded = true), resolve({ observedValue: 10_000 })), 10_000)
          signal.addEventListener('abort', () => clearTimeout(timer))
        }),
    })
    app = await buildApp({ registry })
    await until(
      async () => (await probe(app!, '/health/ready', LOOPBACK)).body.checks['db:ping'][0].status === 'pass',
    )
    expect(hangs).toBe(1)
    for (let i = 0; i < 20; i++) {
      for (const url of ['/health/ready', '/health/infrastructure', '/health']) {
        const reply = await probe(app, url, LOOPBACK)
        // Fast means without waiting for the hanging run: answered while it still hangs (no time bound).
        expect(hangEnded, url).toBe(false)
        expect(reply.body.checks['slow:ping'][0]).toMatchObject({
          status: 'fail',
          code: 'HEALTH_ERR_CHECK_PENDING',
        })
      }
    }
    expect(hangs).toBe(1) // probes never start a run
  })

  it('turns ready to 503 once the only result of a critical check goes stale', async () => {
    registry = createHealthRegistry()
    let runs = 0
    registry.add({
      name: 'db:ping',
      intervalMs: 50,
      timeoutMs: 60_000,
      staleAfterMs: 1_000, // wide enough to see the fresh 200 first on a loaded machine
      run: ({ signal }) => {
        runs++
        if (runs === 1) return { observedValue: 1 }
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        )
      },
    })
    app = await buildApp({ registry })
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 503)
    const ready = await probe(app, '/health/ready', LOOPBACK)
    expect(ready.body.status).toBe('fail')
    expect(ready.body.checks['db:ping'][0]).toMatchObject({ status: 'fail', code: 'HEALTH_ERR_CHECK_STALE' })
    expect(runs).toBe(2) // the second run is still in flight: never overlapped
  })
})

describe('probe semantics with a real startup engine', () => {
  it('fails readiness before any component stops on shutdown', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['init', 'database'] })
    const seenByStop: number[] = []
    const [db] = ['db', 'cache'].map((name) =>
      startup.add({
        name,
        phase: name === 'db' ? 'init' : 'database',
        start: () => ({ name }),
        stop: async () => {
          seenByStop.push((await probe(app!, '/health/ready')).statusCode)
        },
      }),
    )
    registry.contribute(startup, db!, () => [{ name: 'db:ping', run: () => ({ observedValue: 1 }) }])
    app = await buildApp({ registry, startup })
    expect((await probe(app, '/health/ready')).statusCode).toBe(503)
    await startup.run()
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    const shutdown = startup.shutdown('test')
    expect((await probe(app, '/health/ready')).statusCode).toBe(503)
    await shutdown
    expect(seenByStop).toEqual([503, 503])
    const infrastructure = await probe(app, '/health/infrastructure', LOOPBACK)
    expect(infrastructure.body.checks['db:ping']).toBeUndefined() // removed when the component stopped
    expect(infrastructure.body.checks['db:component'][0]).toMatchObject({ observedValue: 'stopped' })
  })

  it('/health/startup: 503 with phase and progress while starting, 200 once started', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['init', 'database', 'finalize'] })
    let release!: () => void
    startup.add({ name: 'config', phase: 'init', start: () => 'config' })
    startup.add({
      name: 'db',
      phase: 'database',
      start: () => new Promise((resolve) => (release = () => resolve('db'))),
    })
    startup.add({ name: 'warmup', phase: 'finalize', start: () => 'warm' })
    app = await buildApp({ registry, startup }) // listening before the slow phases, as a service does
    const running = startup.run()
    await until(() => startup.report().currentPhase === 'database')
    const starting = await probe(app, '/health/startup')
    expect(starting.statusCode).toBe(503)
    expect(starting.body).toMatchObject({ status: 'fail', state: 'starting', phase: 'database' })
    expect(starting.body.progress).toEqual({
      phasesCompleted: 1,
      phases: 3,
      componentsStarted: 1,
      components: 3,
    })
    expect(starting.body.report).toBeUndefined()
    expect((await probe(app, '/health/live')).statusCode).toBe(200)
    expect((await probe(app, '/health/ready')).statusCode).toBe(503)
    release()
    await running
    const started = await probe(app, '/health/startup', LOOPBACK)
    expect(started.statusCode).toBe(200)
    expect(started.body.status).toBe('pass')
    expect(started.body.report.state).toBe('started')
    expect(started.body.checks['db:startup'][0]).toMatchObject({ status: 'pass', observedValue: 'started' })
  })

  it('/health/startup: 503 with the failure if startup failed; ready stays 503', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['database'] })
    startup.add({
      name: 'db',
      phase: 'database',
      start: () => {
        throw Object.assign(new Error('refused by postgres://u:pw@db/x'), { code: 'ECONNREFUSED' })
      },
    })
    app = await buildApp({ registry, startup, token: 't0ken' })
    await expect(startup.run()).rejects.toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED' })
    const anonymous = await probe(app, '/health/startup')
    expect(anonymous.statusCode).toBe(503)
    expect(anonymous.body.failure).toEqual({ phase: 'database', component: 'db', code: 'ECONNREFUSED' })
    expect(JSON.stringify(anonymous.body)).not.toContain('refused')
    const detailed = await probe(app, '/health/startup', { headers: { authorization: 'Bearer t0ken' } })
    expect(detailed.body.report.failure.message).toBe('refused by postgres://u:***@db/x')
    expect(detailed.body.checks['db:startup'][0]).toMatchObject({ status: 'fail', code: 'ECONNREFUSED' })
    const ready = await probe(app, '/health/ready', { headers: { authorization: 'Bearer t0ken' } })
    expect(ready.statusCode).toBe(503)
    expect(ready.body.output).toMatch(/^HEALTH_ERR_STARTUP_FAILED/)
  })

  it('shows an optional component that is down as a warning, and ready stays 200', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['cache'] })
    const redis = startup.add({
      name: 'redis',
      phase: 'cache',
      critical: false,
      retry: { baseMs: 60_000, capMs: 60_000, maxAttempts: 1 },
      start: () => Promise.reject(Object.assign(new Error('no redis'), { code: 'ECONNREFUSED' })),
    })
    registry.contribute(startup, redis, () => [{ name: 'redis:ping', run: () => ({}) }])
    app = await buildApp({ registry, startup })
    await startup.run()
    const infrastructure = await probe(app, '/health/infrastructure/redis', LOOPBACK)
    expect(infrastructure.statusCode).toBe(200)
    expect(infrastructure.body.status).toBe('warn')
    expect(infrastructure.body.checks['redis:component'][0]).toMatchObject({
      status: 'warn',
      code: 'ECONNREFUSED',
    })
    const ready = await probe(app, '/health/ready')
    expect(ready.statusCode).toBe(200)
    expect(ready.body.status).toBe('warn')
    await startup.shutdown()
  })
})

describe('infrastructure', () => {
  it('gives per-dependency figures, filters by component, and 404s an unknown one', async () => {
    registry = createHealthRegistry()
    registry.add({
      name: 'postgres:pool',
      componentType: 'datastore',
      run: () => ({
        observedValue: 3,
        observedUnit: 'connections',
        details: { pool: { total: 4, idle: 1, waiting: 0, max: 10 } },
      }),
    })
    registry.add({
      name: 'postgres:capacity',
      componentType: 'datastore',
      run: () => ({
        status: 'warn',
        observedValue: 85,
        observedUnit: '%',
        details: { capacity: { inUse: 85, max: 100, embedded: false } },
      }),
    })
    registry.add({
      name: 'llm:responseTime',
      critical: false,
      run: () => ({ status: 'fail', output: 'timeout' }),
    })
    app = await buildApp({ registry })
    await until(
      async () =>
        (await probe(app!, '/health/infrastructure')).body.checks['postgres:pool'][0].status === 'pass',
    )
    const all = await probe(app, '/health/infrastructure', LOOPBACK)
    expect(all.statusCode).toBe(200)
    expect(all.body.status).toBe('warn')
    expect(all.body.checks['postgres:pool'][0].details.pool).toEqual({
      total: 4,
      idle: 1,
      waiting: 0,
      max: 10,
    })
    const postgres = await probe(app, '/health/infrastructure/postgres', LOOPBACK)
    expect(Object.keys(postgres.body.checks as object).sort()).toEqual(['postgres:capacity', 'postgres:pool'])
    expect(postgres.body.checks['postgres:capacity'][0]).toMatchObject({ status: 'warn', observedValue: 85 })
    const unknown = await probe(app, '/health/infrastructure/mysql')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.body).toEqual({ code: 'HEALTH_ERR_UNKNOWN_COMPONENT', message: expect.any(String) })
  })
})

describe('logging', () => {
  it('logs a readiness change once, however often it is probed', async () => {
    registry = createHealthRegistry()
    const { lines, logger } = recordingLogger()
    let healthy = true
    // Stale only after a minute: on a loaded runner a 90 ms staleness bound flips readiness on its own.
    registry.add({
      name: 'db:ping',
      intervalMs: 30,
      staleAfterMs: 60_000,
      run: () => ({ status: healthy ? 'pass' : 'fail' }),
    })
    app = await buildApp({ registry, logger })
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    lines.length = 0 // from here on: one pass → fail and one fail → pass
    healthy = false
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 503)
    for (let i = 0; i < 30; i++) await probe(app, '/health/ready')
    healthy = true
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    for (let i = 0; i < 30; i++) await probe(app, '/health/ready')
    const readiness = lines.filter((line) => line.object.probe === 'ready').map((line) => line.object.to)
    expect(readiness).toEqual(['fail', 'pass'])
  })
})
