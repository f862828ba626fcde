import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '@tarmac/testing'
import type { TestDatabase } from '@tarmac/testing'
import { Cleanup, startConnector } from './support.js'

const cleanup = new Cleanup()
let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('connector')
})
afterEach(() => cleanup.run())
afterAll(() => db.drop())

describe('in front of a real Postgres', () => {
  it('carries a pg round trip, with the establishment delay visible in the connect time', async () => {
    const upstream = new URL(db.url)
    const { connector } = await startConnector(cleanup, Number(upstream.port), {
      establishDelayMs: 300,
      capacity: 2,
    })
    const client = new pg.Client({ connectionString: connector.address.url(db.url) })
    cleanup.add(() => client.end().catch(() => {}))
    const startedMs = performance.now()
    await client.connect()
    const connectMs = performance.now() - startedMs
    const { rows } = await client.query<{ one: number }>('select 1 as one')
    expect(rows).toEqual([{ one: 1 }])
    expect(connectMs).toBeGreaterThanOrEqual(280)
    const stats = connector.stats()
    expect(stats).toMatchObject({ establishedTotal: 1, open: 1 })
    expect(stats.bytesIn).toBeGreaterThan(0)
    expect(stats.bytesOut).toBeGreaterThan(0)
  })

  it('queues the third of three simultaneous pg connects behind a capacity of 2', async () => {
    const upstream = new URL(db.url)
    const { connector } = await startConnector(cleanup, Number(upstream.port), {
      establishDelayMs: 300,
      capacity: 2,
    })
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: connector.address.url(db.url) }))
    for (const client of clients) cleanup.add(() => client.end().catch(() => {}))
    await Promise.all(clients.map((client) => client.connect()))
    const results = await Promise.all(clients.map((client) => client.query('select 1')))
    expect(results.map((result) => result.rowCount)).toEqual([1, 1, 1])
    const stats = connector.stats()
    expect(stats.peakEstablishing).toBe(2)
    expect(stats.establishMs.p95).toBeGreaterThanOrEqual(580)
  })
})
