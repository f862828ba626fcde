import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnector, type Connector } from '@tarmac/connector'
import { createTestDatabase, TEST_POSTGRES, type TestDatabase } from '@tarmac/testing'
import { newAccount, startAuth, type RunningAuth } from './support.js'

// The test run's server stays up: the outage is a connector between the service and Postgres.
let db: TestDatabase
let connector: Connector
let auth: RunningAuth

beforeAll(async () => {
  db = await createTestDatabase('auth_outage')
  connector = createConnector({ upstream: TEST_POSTGRES })
  const address = await connector.listen()
  auth = await startAuth(
    { DB_QUERY_TIMEOUT_MS: '3000' },
    { db, databaseUrl: address.url(db.url), manualStop: true },
  )
})

afterAll(async () => {
  await auth?.stop()
  await connector?.close()
  await db?.drop()
})

async function waitForStatus(path: string, status: number, withinMs: number): Promise<number> {
  const startedAt = Date.now()
  for (;;) {
    const response = await fetch(auth.baseUrl + path)
    await response.arrayBuffer()
    if (response.status === status) return Date.now() - startedAt
    if (Date.now() - startedAt > withinMs)
      throw new Error(`${path} still ${response.status} after ${withinMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('Postgres goes away at runtime and comes back', () => {
  it('answers 503 DEPENDENCY_UNAVAILABLE quickly, fails ready, and recovers by itself', async () => {
    await waitForStatus('/health/ready', 200, 15_000)
    const account = newAccount()
    expect((await auth.post('/auth/signup', account)).status).toBe(201)

    connector.down({ resetOpen: true })

    const startedAt = Date.now()
    const during = await auth.post('/auth/login', account)
    expect(during.status).toBe(503)
    expect(during.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(during.headers.get('retry-after')).toBe('5')
    // A refusal needs no timer: the answer comes in milliseconds. 10 s (over three query budgets) only tells
    // "answered" from "hung" on a loaded machine.
    expect(Date.now() - startedAt).toBeLessThan(10_000)
    const me = await auth.post('/auth/refresh', { refreshToken: 'tarmac_rt_whatever' })
    expect(me.status).toBe(503)

    // The critical postgres:responseTime check runs every 5 s; ready follows its next failure.
    await waitForStatus('/health/ready', 503, 20_000)
    const infrastructure = await fetch(`${auth.baseUrl}/health/infrastructure`)
    expect(infrastructure.status).toBe(503)
    const body = (await infrastructure.json()) as { checks: Record<string, { status: string }[]> }
    expect(body.checks['postgres:responseTime']?.[0]?.status).toBe('fail')
    // liveness is not the database's business
    expect((await fetch(`${auth.baseUrl}/health/live`)).status).toBe(200)

    connector.up()

    await waitForStatus('/health/ready', 200, 20_000)
    const after = await auth.post('/auth/login', account)
    expect(after.status).toBe(200)
    expect(after.body.user.email).toBe(account.email)
  })

  it('answers 503 within the query budget when Postgres hangs instead of refusing (blackhole)', async () => {
    await waitForStatus('/health/ready', 200, 20_000)
    const account = newAccount()
    expect((await auth.post('/auth/signup', account)).status).toBe(201)
    connector.down({ blackhole: true, resetOpen: true })
    try {
      const startedAt = Date.now()
      const during = await auth.post('/auth/login', account)
      expect(during.status).toBe(503)
      expect(during.body.code).toBe('DEPENDENCY_UNAVAILABLE')
      // Time is the title here: DB_QUERY_TIMEOUT_MS is 3 000, and without it the request would hang for good.
      // Four budgets, for a loaded machine.
      expect(Date.now() - startedAt).toBeLessThan(12_000)
    } finally {
      connector.up()
    }
    await waitForStatus('/health/ready', 200, 20_000)
    expect((await auth.post('/auth/login', account)).status).toBe(200)
  })
})
