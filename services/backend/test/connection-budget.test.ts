import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import pg from 'pg'
import { createConnector, type Connector } from '@tarmac/connector'
import type { PostgresHandle } from '@tarmac/postgres'
import { loadConfig } from '@tarmac/service'
import {
  createTestDatabase,
  getFreePort,
  startOwnCluster,
  withClient,
  type OwnCluster,
  type TestDatabase,
  TEST_POSTGRES,
} from '@tarmac/testing'
import { configSchema, createBackend, type Backend } from '../src/index.js'
import { spawnBackend } from './support/child-backend.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'

let auth: TestAuth
beforeAll(async () => {
  auth = await startTestAuth()
})
afterAll(() => auth?.close())

interface StartupBody {
  report: {
    phases: {
      name: string
      components: {
        name: string
        attempts: number
        errors: { code: string }[]
        details?: Record<string, unknown>
      }[]
    }[]
  }
}
const componentOf = (body: StartupBody, name: string) =>
  body.report.phases.flatMap((phase) => phase.components).find((component) => component.name === name)!

describe('through a slow connector, a starting instance pays for one establishment', () => {
  let db: TestDatabase
  let connector: Connector
  beforeAll(async () => {
    db = await createTestDatabase('backend_one_conn')
    connector = createConnector({
      upstream: TEST_POSTGRES,
      establishDelayMs: 400,
      capacity: 1,
    })
    await connector.listen()
  })
  afterAll(async () => {
    await connector?.close()
    await db?.drop()
  })

  it('exactly one server backend (by application_name) and one connector establishment, ready and after', async () => {
    const port = await getFreePort()
    const child = spawnBackend({
      PORT: String(port),
      DATABASE_URL: connector.address.url(db.url),
      AUTH_URL: auth.url,
      DB_FLEET_SIZE: '4',
    })
    try {
      await child.waitForOutput(/"startup\.completed"/, 90_000)
      const url = `http://127.0.0.1:${port}`
      // Health checks have run (ready needs postgres:responseTime) and opened nothing of their own.
      await expect
        .poll(async () => (await fetch(`${url}/health/ready`)).status, { timeout: 15_000 })
        .toBe(200)
      const backends = await withClient(db.url, async (client) => {
        const { rows } = await client.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where application_name = 'tarmac-backend' and datname = current_database()`,
        )
        return rows[0]!.n
      })
      expect(backends).toBe(1)
      expect(connector.stats().establishedTotal).toBe(1)

      const body = (await (await fetch(`${url}/health/startup`)).json()) as StartupBody
      const postgres = componentOf(body, 'postgres')
      expect(postgres.details).toMatchObject({
        connect: { totalMs: expect.any(Number) as number },
        // The connection was asked for at process start, before the service's modules loaded.
        connectAhead: { begunBeforeAttemptMs: expect.any(Number) as number },
        budget: { fleetSize: 4, requestedMax: 10, fits: true },
      })
      const infrastructure = (await (await fetch(`${url}/health/infrastructure`)).json()) as {
        checks: Record<string, { observedValue: unknown; details?: Record<string, unknown> }[]>
      }
      expect(infrastructure.checks['postgres:pool']![0]!.details?.budget).toMatchObject({ fleetSize: 4 })
      expect(infrastructure.checks['postgres:connectionTime']![0]!.details).toMatchObject({ connects: 1 })

      // The in-service path probe: fresh connects from inside the backend, through the same connector.
      const probed = await fetch(`${url}/health/probe/postgres?connects=3&timeoutMs=10000`, {
        method: 'POST',
      })
      expect(probed.status).toBe(200)
      const result = (await probed.json()) as {
        ok: number
        stepsMs: Record<string, { p50: number }>
        capacity: { byApplication: Record<string, number> }
      }
      expect(result.ok).toBe(3)
      expect(result.stepsMs.auth!.p50).toBeGreaterThanOrEqual(300) // the connector's establishment delay
      expect(result.capacity.byApplication['tarmac-backend:probe']).toBe(3)
      expect(connector.stats().establishedTotal).toBe(4)
    } finally {
      child.child.kill('SIGTERM')
      await child.exited
    }
  }, 120_000)
})

describe('a database out of slots (53300)', () => {
  let cluster: OwnCluster
  let appUrl: string
  const hogs: pg.Client[] = []

  beforeAll(async () => {
    // 8 slots, 2 of them for superusers: the app role can hold 6.
    cluster = await startOwnCluster({ maxConnections: 8, settings: { superuser_reserved_connections: 2 } })
    await cluster.sql(`create role budget_app login password 'budget-pw'`)
    await cluster.sql(`create database budget_chat owner budget_app`)
    appUrl = cluster.url({ user: 'budget_app', password: 'budget-pw', database: 'budget_chat' })
  })
  afterAll(async () => {
    await releaseHogs()
    await cluster?.stop()
  })

  /** A backend of the test's own on the cluster (the app role's 6 slots fit one at a time): stopped after it. */
  function backendOnCluster(): Backend {
    const config = loadConfig(configSchema, {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: appUrl,
      AUTH_URL: auth.url,
      LOG_LEVEL: 'silent',
    })
    const backend = createBackend(config)
    onTestFinished(async () => {
      await backend.shutdown('test done')
      await releaseHogs()
    })
    return backend
  }

  /** Cuts the backend's pooled connections and takes every free slot, as a storm of other instances would. */
  async function takeEverySlot(handle: PostgresHandle): Promise<void> {
    await cluster.sql(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tarmac-backend'`,
    )
    await expect.poll(() => handle.poolStats().total, { timeout: 10_000 }).toBe(0)
    for (;;) {
      const client = new pg.Client({ connectionString: appUrl, application_name: 'hog' })
      client.on('error', () => undefined)
      try {
        await client.connect()
      } catch (error) {
        expect((error as { code?: string }).code).toBe('53300')
        return
      }
      hogs.push(client)
    }
  }
  async function releaseHogs(): Promise<void> {
    for (const client of hogs.splice(0)) await client.end().catch(() => undefined)
  }

  it('in finalize, is retried under the deadline and recovers when slots free up', async () => {
    const backend = backendOnCluster()
    // Between admission and the self-test, the slots run out; they come back 1.5 s later.
    backend.startup.add({
      name: 'storm',
      phase: 'websocket',
      async start() {
        await takeEverySlot(backend.postgres)
        setTimeout(() => void releaseHogs(), 1_500)
      },
    })
    await backend.run()
    const selfTest = backend.startup
      .report()
      .phases.flatMap((phase) => phase.components)
      .find((component) => component.name === 'self-test')!
    expect(selfTest.state).toBe('started')
    expect(selfTest.attempts).toBeGreaterThan(1)
    expect(selfTest.errors.map((error) => error.code)).toContain('PG_ERR_TOO_MANY_CONNECTIONS')
  }, 60_000)

  it('at run time, answers 503 DEPENDENCY_UNAVAILABLE with Retry-After, then recovers', async () => {
    const backend = backendOnCluster()
    await backend.run()
    const url = `http://127.0.0.1:${backend.port}`
    const token = await auth.mint()
    const headers = { authorization: `Bearer ${token}` }
    expect((await fetch(`${url}/api/threads`, { headers })).status).toBe(200)
    const handle = backend.postgres
    await takeEverySlot(handle)
    const refused = await fetch(`${url}/api/threads`, { headers })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(((await refused.json()) as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE')
    await releaseHogs()
    expect((await fetch(`${url}/api/threads`, { headers })).status).toBe(200)
  }, 60_000)
})
