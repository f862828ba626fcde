import { createConnector, type Connector } from '@tarmac/connector'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/index.js'

const APP = 'pg_leak_test'

/**
 * node-postgres #3543: a connect that timed out on the client can stay open on the server and hold a
 * `max_connections` slot, so retries make an outage worse. Here every connect goes through a connector
 * that delays establishment by 1 s while the client gives up after 500 ms.
 */
describe('connect timeouts leave no backend behind (through a 1 s establishment delay)', () => {
  let db: TestDatabase
  let connector: Connector
  let proxiedUrl: string

  async function backends(): Promise<number> {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = $2',
        [APP, db.name],
      )
      return rows[0]?.n ?? -1
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('pg_leak')
    const upstream = new URL(db.url)
    connector = createConnector({
      upstream: { host: upstream.hostname, port: Number(upstream.port) },
      establishDelayMs: 1000,
    })
    await connector.listen()
    proxiedUrl = connector.address.url(db.url)
  })
  afterAll(async () => {
    await connector.close()
    await db.drop()
  })

  it('counts backends through the proxy (positive control)', async () => {
    const { client } = await connect(proxiedUrl, { applicationName: APP, timeoutMs: 10_000 })
    expect(await backends()).toBe(1)
    await client.end()
    await expect.poll(backends, { timeout: 5000 }).toBe(0)
  })

  it('50 attempts with a 500 ms timeout all fail with PG_ERR_TIMEOUT and hold no slot afterwards', async () => {
    const before = await backends()
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => connect(proxiedUrl, { applicationName: APP, timeoutMs: 500 })),
    )
    const codes = results.map((r) =>
      r.status === 'rejected' ? (r.reason as { code: string }).code : 'CONNECTED',
    )
    expect(new Set(codes)).toEqual(new Set(['PG_ERR_TIMEOUT']))
    // Past the establishment delay: a leaked connection would have reached the server by now.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const after = await backends()
    console.info(`leak test: ${APP} backends before=${before} after=${after} (50 attempts, 500 ms timeout)`)
    expect(before).toBe(0)
    expect(after).toBe(0)
  })
})
