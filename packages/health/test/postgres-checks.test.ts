import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { HealthRegistry } from '@tarmac/health'
import { createHealthRegistry, createPostgresChecks } from '@tarmac/health'
import { connect, createPostgresAdmission, startEmbeddedPostgres } from '@tarmac/postgres'
import { createStartup } from '@tarmac/startup'
import type { TestDatabase } from '@tarmac/testing'
import { createTestDatabase } from '@tarmac/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, probe, until } from './support.js'

const LOOPBACK = { remoteAddress: '127.0.0.1' }
let database: TestDatabase
let app: FastifyInstance | undefined
let registry: HealthRegistry | undefined
beforeAll(async () => {
  database = await createTestDatabase('health_pg')
})
afterEach(async () => {
  registry?.close()
  await app?.close()
  app = registry = undefined
})
afterAll(() => database.drop())

async function service(url: string) {
  registry = createHealthRegistry()
  const startup = createStartup({ name: 'svc', phases: ['database'] })
  const postgres = startup.add(
    createPostgresAdmission({ url, applicationName: 'health-test', pool: { max: 4 } }),
  )
  registry.contribute(startup, postgres, (handle) =>
    createPostgresChecks(handle, { url, applicationName: 'health-test' }),
  )
  app = await buildApp({ registry, startup })
  await startup.run()
  await until(async () => {
    const { body } = await probe(app!, '/health/infrastructure/postgres', LOOPBACK)
    return Object.values(body.checks as Record<string, { code?: string }[]>).every(
      ([entry]) => entry!.code !== 'HEALTH_ERR_CHECK_PENDING',
    )
  })
  return { app, startup, postgres }
}

describe('postgres checks (real PostgreSQL)', () => {
  it('report connection time phases, response time, pool use and budget, and server capacity', async () => {
    const { app, startup, postgres } = await service(database.url)
    const { statusCode, body } = await probe(app, '/health/infrastructure/postgres', LOOPBACK)
    expect(statusCode).toBe(200)
    const [connection] = body.checks['postgres:connectionTime']
    expect(connection).toMatchObject({ status: 'pass', observedUnit: 'ms', componentType: 'datastore' })
    // Passive: the admission connection's own timings, with no connection opened for the check.
    const handle = postgres.get()
    expect(connection.observedValue).toBe(Math.round(handle.admission.timings.totalMs * 10) / 10)
    expect(connection.details).toMatchObject({ connects: 1 })
    expect(Object.keys(connection.details.timingsMs as object).sort()).toEqual([
      'auth',
      'dns',
      'firstQuery',
      'ssl',
      'tcp',
    ])
    expect(body.checks['postgres:freshConnectionTime']).toBeUndefined()
    expect(body.checks['postgres:responseTime'][0]).toMatchObject({ status: 'pass', observedUnit: 'ms' })
    const [pool] = body.checks['postgres:pool']
    expect(pool.details.pool).toMatchObject({ max: 1, total: 1, waiting: 0 })
    expect(pool.details.budget).toMatchObject({ size: 4, requestedMax: 4, fleetSize: 1 })
    expect(pool.details.budget.reason).toMatch(/^min\(DB_POOL_MAX 4, floor\(/)
    const [capacity] = body.checks['postgres:capacity']
    expect(capacity.status).toMatch(/pass|warn/)
    expect(capacity.observedUnit).toBe('% of usable connections')
    expect(capacity.details.capacity.max).toBeGreaterThan(0)
    expect(capacity.details.capacity.inUse).toBeGreaterThan(0)
    await startup.shutdown()
  })

  it('probes cost no database work: 400 probes issue no query and open no connection', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['database'] })
    const postgres = startup.add(
      createPostgresAdmission({ url: database.url, applicationName: 'health-test' }),
    )
    let queries = 0
    let connections = 0
    registry.contribute(startup, postgres, (handle) =>
      createPostgresChecks(
        // Counts what reaches the real pool and the real connect; nothing is faked.
        { ...handle, pool: { query: (text: string) => (queries++, handle.pool.query(text)) } },
        {
          url: database.url,
          applicationName: 'health-test',
          activeConnect: {
            connect: (url, options) => (connections++, connect(url, options)),
            intervalMs: 600_000,
          },
          intervals: {
            connectionTimeMs: 600_000,
            responseTimeMs: 600_000,
            poolMs: 600_000,
            capacityMs: 600_000,
          },
        },
      ),
    )
    app = await buildApp({ registry, startup })
    await startup.run()
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    await until(() => connections === 1) // the first background run of each check
    const before = { queries, connections }
    for (let i = 0; i < 100; i++)
      for (const url of [
        '/health/ready',
        '/health',
        '/health/infrastructure',
        '/health/infrastructure/postgres',
      ])
        await probe(app, url)
    expect({ queries, connections }).toEqual(before)
    expect(before.queries).toBeGreaterThan(0)
    await startup.shutdown()
  })

  async function fleetCapacity(pooler: 'none' | 'transaction') {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['database'] })
    const postgres = startup.add(
      createPostgresAdmission({
        url: database.url,
        applicationName: 'health-fleet',
        fleetSize: 100_000,
        pooler,
      }),
    )
    registry.contribute(startup, postgres, (handle) =>
      createPostgresChecks(handle, { url: database.url, applicationName: 'health-fleet' }),
    )
    app = await buildApp({ registry, startup })
    await startup.run()
    await until(async () => {
      const { body } = await probe(app!, '/health/infrastructure/postgres', LOOPBACK)
      return body.checks['postgres:capacity'][0].code !== 'HEALTH_ERR_CHECK_PENDING'
    })
    const { body } = await probe(app, '/health/infrastructure/postgres', LOOPBACK)
    await startup.shutdown()
    return body.checks['postgres:capacity'][0] as {
      status: string
      output?: string
      details: { fleet?: Record<string, unknown> }
    }
  }

  it('warns on capacity when a fleet of this size cannot get one connection per instance', async () => {
    const capacity = await fleetCapacity('none')
    expect(capacity.status).toBe('warn')
    expect(capacity.output).toMatch(/a fleet of 100000 instances needs at least 100000 connections/)
    expect(capacity.details.fleet).toMatchObject({ fleetSize: 100_000, fits: false })
  })

  it('does not hold the fleet to max_connections behind a transaction pooler (the pooler is budgeted)', async () => {
    const capacity = await fleetCapacity('transaction')
    expect(capacity.output).not.toMatch(/a fleet of/)
    expect(capacity.details.fleet).toMatchObject({ fleetSize: 100_000, fits: true, usableForFleet: null })
  })

  it('says "embedded" on the embedded server instead of pretending to count its connections', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'health-embedded-'))
    const embedded = await startEmbeddedPostgres({ dataDir })
    try {
      const { app, startup } = await service(embedded.url)
      const { body } = await probe(app, '/health/infrastructure/postgres', LOOPBACK)
      expect(body.checks['postgres:capacity'][0]).toMatchObject({
        status: 'pass',
        observedValue: 'embedded',
        details: { embedded: true },
      })
      expect(body.checks['postgres:responseTime'][0].status).toBe('pass')
      await startup.shutdown()
    } finally {
      registry?.close()
      await embedded.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})
