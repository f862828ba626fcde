import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capacity, createPool } from '../src/index.js'

async function backendsOf(url: string, applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = current_database()',
      [applicationName],
    )
    return rows[0]?.n ?? -1
  } finally {
    await client.end()
  }
}

describe('createPool (real Postgres)', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg_pool')
  })
  afterAll(() => db.drop())

  it('opens no connection until asked, then grows only to the demand', async () => {
    const { pool, stats } = createPool({ url: db.url, applicationName: 'pool_lazy', max: 8 })
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(stats().total).toBe(0)
      expect(await backendsOf(db.url, 'pool_lazy')).toBe(0)
      await Promise.all([1, 2, 3].map(() => pool.query('select pg_sleep(0.2)')))
      expect(stats()).toMatchObject({ total: 3, idle: 3, waiting: 0, max: 8 })
      expect(await backendsOf(db.url, 'pool_lazy')).toBe(3)
      expect(stats().acquireWaitMsP95).toBeGreaterThan(0)
    } finally {
      await pool.end()
    }
  })

  it('signals exhaustion once requests wait continuously past the bound', async () => {
    let nowMs = 0
    const { pool, stats } = createPool({
      url: db.url,
      applicationName: 'pool_exhaust',
      max: 1,
      exhaustedAfterMs: 1000,
      nowMs: () => nowMs,
    })
    try {
      const held = await pool.connect()
      const waiter = pool.connect()
      expect(stats()).toMatchObject({ total: 1, waiting: 1, exhausted: false, exhaustedForMs: 0 })
      nowMs = 999
      expect(stats().exhausted).toBe(false)
      nowMs = 1500
      expect(stats()).toMatchObject({ waiting: 1, exhausted: true, exhaustedForMs: 1500 })
      held.release()
      const second = await waiter
      expect(stats()).toMatchObject({ waiting: 0, exhausted: false, exhaustedForMs: 0 })
      second.release()
    } finally {
      await pool.end()
    }
  })

  it('fails an acquire on a full pool with PG_ERR_POOL_EXHAUSTED, through connect and query', async () => {
    const { pool } = createPool({ url: db.url, applicationName: 'pool_full', max: 1, acquireTimeoutMs: 200 })
    try {
      const held = await pool.connect()
      await expect(pool.connect()).rejects.toMatchObject({ code: 'PG_ERR_POOL_EXHAUSTED', retryable: true })
      await expect(pool.query('select 1')).rejects.toMatchObject({ code: 'PG_ERR_POOL_EXHAUSTED' })
      held.release()
      await expect(pool.query('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] })
    } finally {
      await pool.end()
    }
  })

  it('rejects bad options with PG_ERR_INVALID_OPTIONS', () => {
    expect(() => createPool({ url: db.url, applicationName: 'x', max: 0 })).toThrow(
      expect.objectContaining({ code: 'PG_ERR_INVALID_OPTIONS' }),
    )
  })
})

describe('capacity (real Postgres)', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg_capacity')
  })
  afterAll(() => db.drop())

  it('reports max, reserved, in use by state and application, and available', async () => {
    const clients = [1, 2].map(
      () => new pg.Client({ connectionString: db.url, application_name: 'cap_test' }),
    )
    await Promise.all(clients.map((c) => c.connect()))
    try {
      const facts = await capacity(clients[0]!)
      const settings = await clients[1]!.query<{ max: string; su: string }>(
        `select current_setting('max_connections') as max, current_setting('superuser_reserved_connections') as su`,
      )
      expect(facts.embedded).toBe(false)
      expect(facts.maxConnections).toBe(Number(settings.rows[0]!.max))
      expect(facts.reserved.superuser).toBe(Number(settings.rows[0]!.su))
      expect(facts.reserved.total).toBe(facts.reserved.superuser + facts.reserved.roles)
      expect(facts.byApplication.cap_test).toBe(2)
      expect(facts.byState.active).toBeGreaterThanOrEqual(1)
      expect(facts.inUse).toBeGreaterThanOrEqual(2)
      expect(facts.available).toBe(facts.maxConnections - facts.reserved.total - facts.inUse!)
      expect(facts.serverVersion).toContain('PostgreSQL')
    } finally {
      await Promise.all(clients.map((c) => c.end()))
    }
  })
})
