import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/index.js'
import { startOwnCluster, type OwnCluster } from '@tarmac/testing'

describe('connect (local Postgres)', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg_connect')
  })
  afterAll(() => db.drop())

  it('returns a ready client, the server version and a timing per phase', async () => {
    const { client, timings, serverVersion } = await connect(db.url, { applicationName: 'connect_test' })
    try {
      expect(serverVersion).toMatch(/^\d+/)
      for (const phase of ['dnsMs', 'tcpMs', 'sslMs', 'authMs', 'firstQueryMs'] as const) {
        expect(timings[phase]).toBeGreaterThanOrEqual(0)
      }
      expect(timings.totalMs).toBeGreaterThan(0)
      expect(timings.totalMs).toBeGreaterThanOrEqual(timings.authMs)
      const { rows } = await client.query<{ app: string }>(
        `select current_setting('application_name') as app`,
      )
      expect(rows[0]?.app).toBe('connect_test')
    } finally {
      await client.end()
    }
  })

  it('maps a refused port to PG_ERR_UNREACHABLE (retryable, phase tcp)', async () => {
    const port = await getFreePort()
    await expect(connect(`postgres://postgres@127.0.0.1:${port}/postgres`)).rejects.toMatchObject({
      code: 'PG_ERR_UNREACHABLE',
      errorClass: 'TCP_REFUSED',
      phase: 'tcp',
      retryable: true,
    })
  })

  it('maps an unresolvable host to PG_ERR_HOST_NOT_FOUND (not retryable, phase dns)', async () => {
    await expect(connect('postgres://postgres@no-such-host.invalid:5432/postgres')).rejects.toMatchObject({
      code: 'PG_ERR_HOST_NOT_FOUND',
      phase: 'dns',
      retryable: false,
    })
  })

  it('maps a missing database to PG_ERR_DATABASE_NOT_FOUND (not retryable)', async () => {
    const url = new URL(db.url)
    url.pathname = `/${db.name}_missing`
    await expect(connect(url.toString())).rejects.toMatchObject({
      code: 'PG_ERR_DATABASE_NOT_FOUND',
      sqlState: '3D000',
      retryable: false,
    })
  })

  it('maps an aborted signal to PG_ERR_ABORTED', async () => {
    await expect(connect(db.url, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'PG_ERR_ABORTED',
      retryable: true,
    })
  })

  it('rejects bad options with PG_ERR_INVALID_OPTIONS', async () => {
    await expect(connect(db.url, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS' })
    await expect(connect('mysql://x@127.0.0.1/db')).rejects.toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS' })
  })
})

describe('connect (a cluster of our own: scram auth, max_connections 3)', () => {
  let cluster: OwnCluster
  beforeAll(async () => {
    cluster = await startOwnCluster({ maxConnections: 3 })
  })
  afterAll(() => cluster.stop())

  it('maps a wrong password to PG_ERR_AUTH_FAILED without leaking the password', async () => {
    const url = cluster.url({ password: 'wrong-secret' })
    const error: unknown = await connect(url).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'PG_ERR_AUTH_FAILED', sqlState: '28P01', retryable: false })
    expect((error as Error).message).not.toContain('wrong-secret')
    expect((error as Error).message).not.toContain(cluster.password)
  })

  it('maps a full server to PG_ERR_TOO_MANY_CONNECTIONS (retryable)', async () => {
    const holders = [1, 2, 3].map(() => new pg.Client({ connectionString: cluster.url() }))
    await Promise.all(holders.map((c) => c.connect()))
    try {
      await expect(connect(cluster.url())).rejects.toMatchObject({
        code: 'PG_ERR_TOO_MANY_CONNECTIONS',
        sqlState: '53300',
        retryable: true,
      })
    } finally {
      await Promise.all(holders.map((c) => c.end()))
    }
  })
})
