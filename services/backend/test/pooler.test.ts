import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  getFreePort,
  startOwnCluster,
  startPgBouncer,
  type OwnCluster,
  type PgBouncer,
} from '@tarmac/testing'
import { spawnBackend, type ChildBackend } from './support/child-backend.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'

// Two backends behind Debian's PgBouncer (transaction pooling, 2 server connections) on a cluster of
// max_connections 6. Declared as a fleet of 30 — far more than the server could give one slot each.
const USER = 'chat_app'
const PASSWORD = 'chat-app-pw'
let cluster: OwnCluster
let bouncer: PgBouncer
let auth: TestAuth
beforeAll(async () => {
  cluster = await startOwnCluster({ maxConnections: 6 })
  await cluster.sql(`create role ${USER} login password '${PASSWORD}'`)
  await cluster.sql(`create database chat owner ${USER}`)
  bouncer = await startPgBouncer({
    upstream: cluster,
    users: { [USER]: PASSWORD },
    settings: { default_pool_size: 2, max_client_conn: 200, server_login_retry: 1 },
  })
  auth = await startTestAuth()
})
afterAll(async () => {
  await auth?.close()
  await bouncer?.stop()
  await cluster?.stop()
})

interface StartupBody {
  report: { phases: { components: { name: string; details?: Record<string, unknown> }[] }[] }
}

describe('the backend behind a transaction pooler (DB_POOLER=transaction)', () => {
  it('migrates in one transaction, self-tests, serves, and holds only the pooler\u2019s server connections', async () => {
    const children: ChildBackend[] = []
    try {
      const urls: string[] = []
      for (let i = 0; i < 2; i++) {
        const port = await getFreePort()
        urls.push(`http://127.0.0.1:${port}`)
        children.push(
          spawnBackend({
            PORT: String(port),
            DATABASE_URL: bouncer.url({ user: USER, password: PASSWORD, database: 'chat' }),
            DB_POOLER: 'transaction',
            DB_FLEET_SIZE: '30',
            DB_POOL_MAX: '4',
            AUTH_URL: auth.url,
          }),
        )
      }
      // Ready means the finalize round trip (store, assistant run over the bus, read back) passed through it.
      for (const url of urls)
        await expect
          .poll(async () => (await fetch(`${url}/health/ready`).catch(() => null))?.status, {
            timeout: 90_000,
            interval: 250,
          })
          .toBe(200)

      const paths = await Promise.all(
        urls.map(async (url) => {
          const body = (await (await fetch(`${url}/health/startup`)).json()) as StartupBody
          const postgres = body.report.phases.flatMap((p) => p.components).find((c) => c.name === 'postgres')!
          expect(postgres.details?.budget).toMatchObject({ pooler: 'transaction', size: 4, fits: true })
          return (postgres.details?.migrations as { path: string; applied: number }).applied
        }),
      )
      // Both instances raced for the migrations; exactly one applied them, in one transaction.
      expect(paths.sort()).toEqual([0, expect.any(Number) as number])
      expect(paths[1]).toBeGreaterThan(0)

      // The API works through the pooler from both instances (parameterised queries, transactions).
      const token = await auth.mint()
      for (const url of urls) {
        const created = await fetch(`${url}/api/threads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'pooled' }),
        })
        expect(created.status).toBe(201)
      }
      const listed = (await (
        await fetch(`${urls[0]}/api/threads`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { items: unknown[] }
      expect(listed.items).toHaveLength(2)

      // The server sees at most the pooler's two connections for the app role; the pooler sees the clients.
      const { rows } = await cluster.sql(
        `select count(*)::int as n from pg_stat_activity where usename = '${USER}' and backend_type = 'client backend'`,
      )
      expect((rows[0] as { n: number }).n).toBeLessThanOrEqual(2)
      const pools = await bouncer.admin<{ database: string; cl_active: number; cl_idle?: number }>(
        'SHOW POOLS',
      )
      const chat = pools.find((pool) => pool.database === 'chat')!
      expect(chat.cl_active).toBeGreaterThanOrEqual(2)
    } finally {
      for (const child of children) child.child.kill('SIGTERM')
      await Promise.all(children.map((child) => child.exited))
    }
  })
})
