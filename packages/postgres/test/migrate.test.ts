import { createTestDatabase, withClient, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_TABLE, migrate } from '../src/index.js'

const migrations = [
  { name: '0002_add_email.sql', sql: 'alter table users add column email text' },
  { name: '0001_users.sql', sql: 'create table users (id serial primary key, name text not null)' },
  { name: '0003_seed.sql', sql: "insert into users (name, email) values ('ada', 'ada@example.com')" },
]

describe('migrate (real Postgres)', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg_migrate')
  })
  afterAll(() => db.drop())

  it('applies in number order, records each, and skips them the second time', async () => {
    const first = await withClient(db.url, (client) => migrate(client, { migrations, lockName: 'order' }))
    expect(first.applied.map((m) => m.name)).toEqual([
      '0001_users.sql',
      '0002_add_email.sql',
      '0003_seed.sql',
    ])
    const second = await withClient(db.url, (client) => migrate(client, { migrations, lockName: 'order' }))
    expect(second.applied).toEqual([])
    expect(second.skipped).toHaveLength(3)
    const rows = await withClient(db.url, async (client) => {
      const recorded = await client.query<{ name: string; checksum: string; duration_ms: number }>(
        `select name, checksum, duration_ms from ${MIGRATIONS_TABLE} order by name`,
      )
      const users = await client.query('select * from users')
      return { recorded: recorded.rows, users: users.rowCount }
    })
    expect(rows.recorded.map((r) => r.name)).toEqual([
      '0001_users.sql',
      '0002_add_email.sql',
      '0003_seed.sql',
    ])
    expect(rows.recorded[0]?.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(rows.users).toBe(1)
  })

  it('fails with PG_ERR_MIGRATION_CHANGED when an applied file changes', async () => {
    const changed = migrations.map((m) =>
      m.name === '0001_users.sql' ? { ...m, sql: `${m.sql} -- edited` } : m,
    )
    await expect(
      withClient(db.url, (client) => migrate(client, { migrations: changed })),
    ).rejects.toMatchObject({
      code: 'PG_ERR_MIGRATION_CHANGED',
      retryable: false,
    })
  })

  it('keeps services that share a database apart with their own tables', async () => {
    const authMigrations = [{ name: '0001_init.sql', sql: 'create table accounts (id serial primary key)' }]
    const chatMigrations = [{ name: '0001_init.sql', sql: 'create table threads (id serial primary key)' }]
    await withClient(db.url, (client) =>
      migrate(client, { migrations: authMigrations, table: 'auth_migrations' }),
    )
    const chat = await withClient(db.url, (client) =>
      migrate(client, { migrations: chatMigrations, table: 'backend_migrations' }),
    )
    expect(chat.applied.map((m) => m.name)).toEqual(['0001_init.sql'])
    await expect(
      withClient(db.url, (client) =>
        migrate(client, { migrations: chatMigrations, table: 'x; drop table users' }),
      ),
    ).rejects.toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS' })
  })

  it('rolls a failing migration back and reports PG_ERR_MIGRATION_FAILED', async () => {
    const failing = [
      ...migrations,
      { name: '0004_half.sql', sql: 'create table half (id int); select * from no_such_table' },
    ]
    await expect(
      withClient(db.url, (client) => migrate(client, { migrations: failing })),
    ).rejects.toMatchObject({
      code: 'PG_ERR_MIGRATION_FAILED',
      sqlState: '42P01',
    })
    const state = await withClient(db.url, async (client) => {
      const half = await client.query(`select to_regclass('half') as t`)
      const recorded = await client.query(`select 1 from ${MIGRATIONS_TABLE} where name = '0004_half.sql'`)
      return { half: (half.rows[0] as { t: string | null }).t, recorded: recorded.rowCount }
    })
    expect(state).toEqual({ half: null, recorded: 0 })
  })
})

describe('migrate: 5 concurrent runners on a fresh database', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg_migrate_race')
  })
  afterAll(() => db.drop())

  it('applies each migration exactly once, without errors', async () => {
    const many = Array.from({ length: 8 }, (_, i) => ({
      name: `${String(i + 1).padStart(4, '0')}_step.sql`,
      sql: `create table step_${i + 1} (id int); insert into counter select 1`,
    }))
    many.unshift({ name: '0000_counter.sql', sql: 'create table counter (n int)' })
    const results = await Promise.all(
      Array.from({ length: 5 }, () => withClient(db.url, (client) => migrate(client, { migrations: many }))),
    )
    const appliedCounts = results.map((r) => r.applied.length)
    expect(appliedCounts.reduce((a, b) => a + b, 0)).toBe(9)
    const counts = await withClient(db.url, async (client) => {
      const recorded = await client.query<{ n: number }>(`select count(*)::int as n from ${MIGRATIONS_TABLE}`)
      const counter = await client.query<{ n: number }>('select count(*)::int as n from counter')
      return { recorded: recorded.rows[0]?.n, counter: counter.rows[0]?.n }
    })
    expect(counts).toEqual({ recorded: 9, counter: 8 })
  })
})
