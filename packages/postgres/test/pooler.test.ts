import { createStartup } from '@tarmac/startup'
import {
  getFreePort,
  startOwnCluster,
  startPgBouncer,
  withClient,
  type OwnCluster,
  type PgBouncer,
} from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresAdmission, migrate, pendingMigrations } from '../src/index.js'

// A private cluster behind Debian's PgBouncer (1.18) in transaction pooling with TWO server connections: every
// transaction may land on either, which is what breaks session features.
const USER = 'pooled_app'
const PASSWORD = 'pooled-pw'
let cluster: OwnCluster
let bouncer: PgBouncer
let database = 0
beforeAll(async () => {
  cluster = await startOwnCluster({ maxConnections: 20 })
  await cluster.sql(`create role ${USER} login password '${PASSWORD}'`)
  bouncer = await startPgBouncer({
    upstream: cluster,
    users: { [USER]: PASSWORD },
    settings: { default_pool_size: 2, max_client_conn: 100, server_login_retry: 1 },
  })
})
afterAll(async () => {
  await bouncer?.stop()
  await cluster?.stop()
})

/** A fresh database: its URL through the bouncer, and straight to Postgres. */
async function freshDatabase(): Promise<{ pooled: string; direct: string }> {
  const name = `pooled_${++database}`
  await cluster.sql(`create database ${name} owner ${USER}`)
  return {
    pooled: bouncer.url({ user: USER, password: PASSWORD, database: name }),
    direct: cluster.url({ user: USER, password: PASSWORD, database: name }),
  }
}

const steps = Array.from({ length: 6 }, (_, i) => ({
  name: `${String(i + 1).padStart(4, '0')}_step.sql`,
  sql: `create table step_${i + 1} (id int); insert into counter select 1`,
}))
steps.unshift({ name: '0000_counter.sql', sql: 'create table counter (n int)' })

async function admit(options: Omit<Parameters<typeof createPostgresAdmission>[0], 'applicationName'>) {
  const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 30_000 })
  const postgres = startup.add(createPostgresAdmission({ applicationName: 'pooled', ...options }))
  await startup.run()
  const handle = postgres.get()
  const details = startup.report().phases[0]!.components[0]!.details as Record<string, unknown>
  await startup.shutdown('test over')
  return { handle, details }
}

describe('behind a transaction pooler (PgBouncer 1.18, real cluster)', () => {
  it('5 concurrent runners with a transaction-scoped lock apply each migration once and leave no lock', async () => {
    const { pooled, direct } = await freshDatabase()
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        withClient(pooled, (client) => migrate(client, { migrations: steps, lockScope: 'transaction' })),
      ),
    )
    expect(results.map((r) => r.applied.length).reduce((a, b) => a + b, 0)).toBe(steps.length)
    const state = await withClient(direct, async (client) => {
      const counter = await client.query<{ n: number }>('select count(*)::int as n from counter')
      const locks = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_locks where locktype = 'advisory'`,
      )
      return { counter: counter.rows[0]?.n, locks: locks.rows[0]?.n }
    })
    expect(state).toEqual({ counter: 6, locks: 0 })
  })

  it('admits through the pooler: migrations in one transaction, the budget is the pooler\u2019s', async () => {
    const { pooled } = await freshDatabase()
    const { handle, details } = await admit({
      url: pooled,
      pooler: 'transaction',
      fleetSize: 40,
      migrations: steps,
      pool: { max: 5 },
    })
    expect(handle.admission.migrations?.applied).toHaveLength(steps.length)
    expect(details.migrations).toEqual({
      path: 'admission connection (one transaction, transaction lock)',
      applied: steps.length,
      skipped: 0,
    })
    // 40 instances could never get one slot each of max_connections 20; through the pooler they need none.
    expect(handle.admission.budget).toMatchObject({ size: 5, fits: true, pooler: 'transaction' })
  })

  it('with a migration URL, opens a session only while something is pending', async () => {
    const { pooled, direct } = await freshDatabase()
    const first = await admit({ url: pooled, pooler: 'transaction', migrationUrl: direct, migrations: steps })
    expect(first.details.migrations).toMatchObject({ path: 'migration url (session lock)', applied: 7 })
    // Nothing pending: the migration URL is never dialled — a closed port proves it.
    const nowhere = `postgres://${USER}:${PASSWORD}@127.0.0.1:${await getFreePort()}/x`
    const second = await admit({
      url: pooled,
      pooler: 'transaction',
      migrationUrl: nowhere,
      migrations: steps,
    })
    expect(second.details.migrations).toEqual({
      path: 'migration url not needed (nothing pending)',
      applied: 0,
      skipped: 7,
    })
    expect(await withClient(pooled, (client) => pendingMigrations(client, { migrations: steps }))).toEqual([])
    const edited = steps.map((m, i) => (i === 1 ? { ...m, sql: `${m.sql} -- edited` } : m))
    await expect(
      withClient(pooled, (client) => pendingMigrations(client, { migrations: edited })),
    ).rejects.toMatchObject({ code: 'PG_ERR_MIGRATION_CHANGED' })
  })

  it('parameterised queries (unnamed statements) work; named prepared statements collide across clients', async () => {
    const { pooled } = await freshDatabase()
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const client = new pg.Client({ connectionString: pooled, application_name: 'pooled' })
        await client.connect()
        return client
      }),
    )
    try {
      const answers = await Promise.all(
        clients.map((client, i) => client.query<{ n: number }>('select $1::int * 2 as n', [i])),
      )
      expect(answers.map((a) => a.rows[0]?.n)).toEqual(clients.map((_, i) => i * 2))
      // The reason Tarmac never names a statement: PgBouncer < 1.21 does not track them, so two clients
      // preparing the same name on one server connection collide (or one finds it missing).
      const named = await Promise.allSettled(
        clients.map((client) => client.query({ name: 'twice', text: 'select $1::int as n', values: [1] })),
      )
      expect(named.some((r) => r.status === 'rejected')).toBe(true)
    } finally {
      await Promise.all(clients.map((client) => client.end()))
    }
  })
})
