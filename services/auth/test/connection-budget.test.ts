import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { createConnector, type Connector } from '@tarmac/connector'
import {
  createTestDatabase,
  startOwnCluster,
  withClient,
  type OwnCluster,
  type TestDatabase,
  TEST_POSTGRES,
} from '@tarmac/testing'
import { newAccount, startAuth, type RunningAuth } from './support.js'

describe('through a slow connector, auth starts on one connection and sizes its pool to the fleet', () => {
  let db: TestDatabase
  let connector: Connector
  let auth: RunningAuth
  beforeAll(async () => {
    db = await createTestDatabase('auth_budget')
    connector = createConnector({
      upstream: TEST_POSTGRES,
      establishDelayMs: 300,
      capacity: 1,
    })
    const address = await connector.listen()
    auth = await startAuth(
      { DB_FLEET_SIZE: '3', DB_POOL_MAX: '4' },
      { db, databaseUrl: address.url(db.url), manualStop: true },
    )
  })
  afterAll(async () => {
    await auth?.stop()
    await connector?.close()
    await db?.drop()
  })

  it('one server backend and one establishment once ready; the budget is in the startup report', async () => {
    const backends = await withClient(db.url, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where application_name = 'auth' and datname = current_database()`,
      )
      return rows[0]!.n
    })
    expect(backends).toBe(1)
    expect(connector.stats().establishedTotal).toBe(1)
    const postgres = auth.service.startup
      .report()
      .phases.flatMap((phase) => phase.components)
      .find((component) => component.name === 'postgres')!
    expect(postgres.details).toMatchObject({ budget: { fleetSize: 3, requestedMax: 4, fits: true } })
    // After startup the pool may grow to its budget with demand.
    const handle = auth.service.database.postgres.get()
    expect(handle.poolStats().max).toBe(handle.admission.budget.size)
  })
})

describe('a database out of slots (53300) at run time', () => {
  let cluster: OwnCluster
  let auth: RunningAuth
  const hogs: pg.Client[] = []
  beforeAll(async () => {
    cluster = await startOwnCluster({ maxConnections: 8, settings: { superuser_reserved_connections: 2 } })
    await cluster.sql(`create role auth_app login password 'auth-pw'`)
    await cluster.sql(`create database auth_budget owner auth_app`)
    const url = cluster.url({ user: 'auth_app', password: 'auth-pw', database: 'auth_budget' })
    auth = await startAuth(
      {},
      { db: { name: 'auth_budget', url, drop: () => Promise.resolve() }, manualStop: true },
    )
  })
  afterAll(async () => {
    await auth?.stop()
    for (const client of hogs) await client.end().catch(() => undefined)
    await cluster?.stop()
  })

  it('answers 503 DEPENDENCY_UNAVAILABLE with Retry-After, then recovers', async () => {
    const account = newAccount()
    expect((await auth.post('/auth/signup', account)).status).toBe(201)
    const handle = auth.service.database.postgres.get()
    await cluster.sql(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'auth'`,
    )
    await expect.poll(() => handle.poolStats().total, { timeout: 10_000 }).toBe(0)
    const appUrl = cluster.url({ user: 'auth_app', password: 'auth-pw', database: 'auth_budget' })
    for (;;) {
      const client = new pg.Client({ connectionString: appUrl })
      client.on('error', () => undefined)
      const connected = await client.connect().then(
        () => true,
        (error: { code?: string }) => (expect(error.code).toBe('53300'), false),
      )
      if (!connected) break
      hogs.push(client)
    }
    const refused = await auth.post('/auth/login', account)
    expect(refused.status).toBe(503)
    expect(refused.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(refused.headers.get('retry-after')).toBe('5')
    for (const client of hogs.splice(0)) await client.end()
    expect((await auth.post('/auth/login', account)).status).toBe(200)
  })
})
