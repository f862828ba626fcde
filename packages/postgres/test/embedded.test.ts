import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStartup } from '@tarmac/startup'
import { withClient } from '@tarmac/testing'
import {
  addPostgresDatabase,
  capacity,
  createPool,
  createPostgresAdmission,
  migrate,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../src/index.js'

const migrations = [
  { name: '0001_notes.sql', sql: 'create table notes (id serial primary key, body text not null)' },
  { name: '0002_seed.sql', sql: "insert into notes (body) values ('kept across restarts')" },
]

describe('startEmbeddedPostgres (PGlite over the wire protocol)', () => {
  let folder: string
  let dataDir: string
  let embedded: EmbeddedPostgres | undefined
  let sleeper: ChildProcess | undefined

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tarmac-embedded-'))
    dataDir = join(folder, 'pgdata')
    embedded = await startEmbeddedPostgres({ dataDir })
  })
  afterAll(async () => {
    sleeper?.kill()
    await embedded?.close()
    await rm(folder, { recursive: true, force: true })
  })

  it('serves a loopback postgres:// URL that pg connects to', async () => {
    expect(embedded!.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
    expect(embedded!.embedded).toBe(true)
    const version = await withClient(
      embedded!.url,
      async (c) => (await c.query<{ v: string }>('select version() as v')).rows[0],
    )
    expect(version).toMatchObject({ v: expect.stringContaining('PGlite') })
  })

  it('runs migrations from 5 concurrent runners once each', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => withClient(embedded!.url, (c) => migrate(c, { migrations }))),
    )
    expect(results.reduce((sum, r) => sum + r.applied.length, 0)).toBe(2)
    const rows = await withClient(
      embedded!.url,
      async (c) => (await c.query<{ body: string }>('select body from notes order by id')).rows,
    )
    expect(rows).toEqual([{ body: 'kept across restarts' }])
  })

  it('says "embedded" in capacity instead of counting one shared backend', async () => {
    const { pool, stats } = createPool({ url: embedded!.url, applicationName: 'embedded_pool', max: 4 })
    try {
      await Promise.all([1, 2, 3].map(() => pool.query('select 1')))
      expect(stats().total).toBeGreaterThanOrEqual(1)
      expect(stats().total).toBeLessThanOrEqual(3)
      const facts = await capacity(pool)
      expect(facts).toMatchObject({ embedded: true, inUse: null, available: null })
      expect(facts.maxConnections).toBeGreaterThan(0)
    } finally {
      await pool.end()
    }
  })

  it('keeps concurrent parameterised queries from a pool apart (Parse…Sync stays together)', async () => {
    const { pool } = createPool({ url: embedded!.url, applicationName: 'embedded_params', max: 10 })
    try {
      const values = Array.from({ length: 300 }, (_, i) => i)
      const results = await Promise.all(
        values.map(
          async (i) => (await pool.query<{ n: number }>(`select $1::int + ${i} as n`, [i])).rows[0]?.n,
        ),
      )
      expect(results).toEqual(values.map((i) => 2 * i))
    } finally {
      await pool.end()
    }
  })

  it('admits a service through the startup engine, unchanged', async () => {
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    const more = [...migrations, { name: '0003_author.sql', sql: 'alter table notes add column author text' }]
    const postgres = startup.add(
      createPostgresAdmission({ url: embedded!.url, applicationName: 'embedded_svc', migrations: more }),
    )
    try {
      await startup.run()
      const handle = postgres.get()
      expect(handle.admission.capacity).toMatchObject({ embedded: true, inUse: null })
      expect(handle.admission.migrations).toMatchObject({
        applied: [{ name: '0003_author.sql' }],
        skipped: ['0001_notes.sql', '0002_seed.sql'],
      })
      // The admission connection stays as the pool's first; the budget is DB_POOL_MAX as is (nothing to count).
      expect(handle.poolStats().total).toBe(1)
      expect(handle.admission.budget).toMatchObject({ size: 10, maxConnections: null, fits: true })
      expect(handle.admission.budget.reason).toMatch(/^embedded server/)
      await handle.pool.query('insert into notes (body, author) values ($1, $2)', ['from the pool', 'svc'])
      expect(handle.poolStats().total).toBe(1)
      expect(await handle.capacity()).toMatchObject({ embedded: true })
    } finally {
      await startup.shutdown('test over')
    }
  })

  it('addPostgresDatabase without a url starts an embedded server first, admits to it, stops both', async () => {
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    const database = addPostgresDatabase(startup, {
      dataDir: join(folder, 'second-pgdata'),
      applicationName: 'embedded_database',
      migrations,
    })
    expect(database.url.peek()).toBeUndefined()
    try {
      await startup.run()
      expect(startup.report().phases[0]!.components.map((c) => c.name)).toEqual([
        'embedded-postgres',
        'postgres',
      ])
      expect(database.url.get()).toBe(database.embedded!.get().url)
      const handle = database.postgres.get()
      expect(handle.admission.capacity).toMatchObject({ embedded: true })
      expect((await handle.pool.query('select count(*)::int as n from notes')).rows).toEqual([{ n: 1 }])
    } finally {
      await startup.shutdown('test over')
    }
    expect(database.embedded!.peek()).toBeUndefined()
    expect(existsSync(join(folder, 'second-pgdata'))).toBe(true)
  })

  it('refuses a second opener of the same data dir with PG_ERR_EMBEDDED_FAILED naming the pid', async () => {
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toMatchObject({
      code: 'PG_ERR_EMBEDDED_FAILED',
      message: expect.stringContaining(String(process.pid)),
    })
  })

  it('keeps data across a restart on the same data dir', async () => {
    await embedded!.close()
    await embedded!.close()
    expect(existsSync(`${dataDir}.lock`)).toBe(false)
    embedded = await startEmbeddedPostgres({ dataDir })
    const rows = await withClient(
      embedded.url,
      async (c) => (await c.query<{ body: string }>('select body from notes order by id')).rows,
    )
    expect(rows).toEqual([{ body: 'kept across restarts' }, { body: 'from the pool' }])
    const again = await withClient(embedded.url, (c) => migrate(c, { migrations }))
    expect(again.applied).toEqual([])
  })

  it('names another live process that holds the lock', async () => {
    const other = join(folder, 'other')
    sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
    await writeFile(`${other}.lock`, `${sleeper.pid}\n`)
    await expect(startEmbeddedPostgres({ dataDir: other })).rejects.toMatchObject({
      code: 'PG_ERR_EMBEDDED_FAILED',
      message: expect.stringContaining(`process ${sleeper.pid}`),
    })
    expect(existsSync(other)).toBe(false)
  })
})
