import { createStartup, StartupError } from '@tarmac/startup'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  advisoryLockKey,
  addPostgresDatabase,
  connectAhead,
  createPostgresAdmission,
  PostgresError,
} from '../src/index.js'

const migrations = [
  { name: '0001_messages.sql', sql: 'create table messages (id serial primary key, body text not null)' },
  { name: '0002_index.sql', sql: 'create index messages_body on messages (body)' },
]

describe('createPostgresAdmission (real Postgres, startup engine)', () => {
  let db: TestDatabase
  let observer: pg.Client
  beforeAll(async () => {
    db = await createTestDatabase('pg_admission')
    observer = new pg.Client({ connectionString: db.url })
    await observer.connect()
  })
  afterAll(async () => {
    await observer.end()
    await db.drop()
  })

  async function backendsOf(app: string): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = $2',
      [app, db.name],
    )
    return rows[0]?.n ?? -1
  }

  it("admits with exactly one connection, migrates, and keeps it as the pool's only one until startup is done", async () => {
    const app = 'admission_one'
    let peak = 0
    const sampler = setInterval(() => {
      void backendsOf(app).then((n) => (peak = Math.max(peak, n)))
    }, 5)
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    const postgres = startup.add(
      createPostgresAdmission({ url: db.url, applicationName: app, migrations, pool: { max: 4 } }),
    )
    try {
      await startup.run()
      const handle = postgres.get()
      // The admission connection is the pool's: kept, idle, and the only one.
      expect(handle.poolStats()).toMatchObject({ total: 1, idle: 1, max: 1, waiting: 0, exhausted: false })
      expect(handle.poolStats().connects).toMatchObject({ total: 1 })
      expect(handle.poolStats().connects.last?.totalMs).toBe(handle.admission.timings.totalMs)
      expect(await backendsOf(app)).toBe(1)
      expect(handle.admission.migrations?.applied.map((m) => m.name)).toEqual([
        '0001_messages.sql',
        '0002_index.sql',
      ])
      expect(handle.admission.serverVersion).toMatch(/^\d+/)
      expect(handle.admission.timings.totalMs).toBeGreaterThan(0)
      expect(handle.admission.capacity).toMatchObject({ embedded: false })
      expect(handle.admission.capacity.byApplication[app]).toBe(1)
      // The budget and its arithmetic are in the startup report.
      const component = startup.report().phases[0]!.components[0]!
      expect(component.details).toMatchObject({
        connect: { totalMs: handle.admission.timings.totalMs },
        budget: { size: 4, requestedMax: 4, fleetSize: 1, fits: true },
      })

      // The first capacity read while starting is the admission's (no queries on the one connection); the
      // next one asks the server.
      expect(await handle.capacity()).toBe(handle.admission.capacity)
      const reread = await handle.capacity()
      expect(reread).not.toBe(handle.admission.capacity)
      expect(reread.observedAtMs).toBeGreaterThanOrEqual(handle.admission.capacity.observedAtMs)

      // Concurrent work while starting queues on the one connection instead of opening more.
      await Promise.all([1, 2, 3].map(() => handle.pool.query('select pg_sleep(0.05)')))
      expect(handle.poolStats().total).toBe(1)
      clearInterval(sampler)
      expect(peak).toBe(1)

      // Once startup is done, the pool grows with demand up to its budget, and times those connects too.
      handle.growToBudget()
      await Promise.all([1, 2, 3, 4, 5].map(() => handle.pool.query('select pg_sleep(0.1)')))
      expect(handle.poolStats()).toMatchObject({ max: 4, total: 4 })
      expect(handle.poolStats().connects.total).toBe(4)
      expect(await backendsOf(app)).toBe(4)
      await handle.pool.query(`insert into messages (body) values ('hi')`)
      const live = await handle.capacity()
      expect(live.byApplication[app]).toBe(4)
    } finally {
      clearInterval(sampler)
      await startup.shutdown('test over')
    }
    await expect.poll(() => backendsOf(app), { timeout: 5000 }).toBe(0)
  })

  it('on a migrated database, checks the migrations with one plain select: it takes no lock', async () => {
    const fresh = await createTestDatabase('pg_admission_migrated')
    const admit = async (deadlineMs: number) => {
      const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs })
      startup.add(
        createPostgresAdmission({
          url: fresh.url,
          applicationName: 'admission_migrated',
          migrations,
          migrationLockName: 'admission-migrated',
        }),
      )
      try {
        await startup.run()
        return startup.report().phases[0]!.components[0]!.details?.migrations
      } finally {
        await startup.shutdown('test over')
      }
    }
    const holder = new pg.Client({ connectionString: fresh.url })
    try {
      expect(await admit(60_000)).toEqual({
        path: 'admission connection (session lock)',
        applied: 2,
        skipped: 0,
      })
      // Another instance holds the migration lock (say, migrating a later release): this one need not wait for it.
      await holder.connect()
      await holder.query('select pg_advisory_lock($1::bigint)', [advisoryLockKey('admission-migrated')])
      expect(await admit(3_000)).toEqual({
        path: 'admission connection (nothing pending, no lock)',
        applied: 0,
        skipped: 2,
      })
    } finally {
      await holder.end()
      await fresh.drop()
    }
  })

  it('addPostgresDatabase with a url adds the admission alone and adopts the connection begun ahead', async () => {
    const app = 'admission_database'
    const ahead = connectAhead({ url: db.url, applicationName: app })!
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    const database = addPostgresDatabase(startup, {
      url: db.url,
      dataDir: '/nonexistent/never-read',
      applicationName: app,
      ahead,
    })
    expect(database.embedded).toBeUndefined()
    expect(database.url.get()).toBe(db.url)
    try {
      await startup.run()
      expect(startup.report().phases[0]!.components.map((c) => c.name)).toEqual(['postgres'])
      expect(database.postgres.get().poolStats()).toMatchObject({ total: 1 })
      expect(ahead.take()).toBeUndefined()
    } finally {
      await startup.shutdown('test over')
    }
    expect(database.postgres.peek()).toBeUndefined()
  })

  it('adopts a connection begun ahead (connectAhead): still exactly one connection', async () => {
    const app = 'admission_ahead'
    const ahead = connectAhead({ url: db.url, applicationName: app })!
    await new Promise((resolve) => setTimeout(resolve, 100))
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    const postgres = startup.add(createPostgresAdmission({ url: db.url, applicationName: app, ahead }))
    try {
      await startup.run()
      const handle = postgres.get()
      expect(handle.poolStats()).toMatchObject({ total: 1, idle: 1 })
      expect(await backendsOf(app)).toBe(1)
      const details = startup.report().phases[0]!.components[0]!.details
      expect(details?.connectAhead).toMatchObject({ begunBeforeAttemptMs: expect.any(Number) as number })
      expect(ahead.take()).toBeUndefined()
    } finally {
      await startup.shutdown('test over')
    }
    await expect.poll(() => backendsOf(app), { timeout: 5000 }).toBe(0)
  })

  it('a connect-ahead that failed is the first failed attempt; the engine retries as usual', async () => {
    const port = await getFreePort()
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`
    const ahead = connectAhead({ url, applicationName: 'admission_ahead_refused' })!
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    startup.add(
      createPostgresAdmission({
        url,
        applicationName: 'admission_ahead_refused',
        ahead,
        retry: { baseMs: 1, capMs: 5, maxAttempts: 2 },
      }),
    )
    await expect(startup.run()).rejects.toBeInstanceOf(Error)
    const component = startup.report().phases[0]!.components[0]!
    expect(component.errors.map((e) => e.code)).toEqual(['PG_ERR_UNREACHABLE', 'PG_ERR_UNREACHABLE'])
    expect(connectAhead({ url: undefined, applicationName: 'x' })).toBeUndefined()
    expect(connectAhead({ url: 'mysql://x', applicationName: 'x' })).toBeUndefined()
  })

  it('retries a retryable failure through the engine and gives up at once on a non-retryable one', async () => {
    const port = await getFreePort()
    const refused = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    refused.add(
      createPostgresAdmission({
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        applicationName: 'admission_refused',
        retry: { baseMs: 1, capMs: 5, maxAttempts: 3 },
      }),
    )
    const refusedError = await refused.run().catch((e: unknown) => e)
    const refusedReport = refused.report().phases[0]!.components[0]!
    expect(refusedError).toBeInstanceOf(Error)
    expect(refusedReport.attempts).toBe(3)
    expect(refusedReport.errors.map((e) => e.code)).toEqual([
      'PG_ERR_UNREACHABLE',
      'PG_ERR_UNREACHABLE',
      'PG_ERR_UNREACHABLE',
    ])

    const url = new URL(db.url)
    url.pathname = '/no_such_database_here'
    const missing = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
    missing.add(
      createPostgresAdmission({
        url: url.toString(),
        applicationName: 'admission_missing',
        retry: { baseMs: 1, capMs: 5, maxAttempts: 5 },
      }),
    )
    await missing.run().catch(() => undefined)
    const missingReport = missing.report().phases[0]!.components[0]!
    expect(missingReport.attempts).toBe(1)
    expect(missingReport.errors[0]?.code).toBe('PG_ERR_DATABASE_NOT_FOUND')
  })

  it('cancels attempts stuck behind the migration lock, retries them, and leaves no backend', async () => {
    const app = 'admission_stuck'
    const key = advisoryLockKey('stuck_lock')
    await observer.query('select pg_advisory_lock($1::bigint)', [key])
    try {
      const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 60_000 })
      startup.add(
        createPostgresAdmission({
          url: db.url,
          applicationName: app,
          // A migration pending, so the admission needs the lock (with none pending it takes no lock).
          migrations: [...migrations, { name: '0003_stuck.sql', sql: 'select 1' }],
          migrationLockName: 'stuck_lock',
          timeoutMs: 1000,
          retry: { maxAttempts: 2, baseMs: 1, capMs: 5 },
        }),
      )
      await expect(startup.run()).rejects.toBeInstanceOf(Error)
      const report = startup.report().phases[0]!.components[0]!
      expect(report.attempts).toBe(2)
      expect(report.errors.map((e) => e.code)).toEqual([
        'STARTUP_ERR_ATTEMPT_TIMEOUT',
        'STARTUP_ERR_ATTEMPT_TIMEOUT',
      ])
      await expect.poll(() => backendsOf(app), { timeout: 5000 }).toBe(0)
    } finally {
      await observer.query('select pg_advisory_unlock($1::bigint)', [key])
    }
  })

  it('exposes retry with a predicate built on isRetryablePostgresError, honouring the caller’s', () => {
    const component = createPostgresAdmission({
      url: db.url,
      applicationName: 'x',
      phase: 'db',
      name: 'primary',
      retry: { maxAttempts: 2, retryable: (_e, attempt) => attempt < 2 },
    })
    expect(component).toMatchObject({ name: 'primary', phase: 'db', retry: { maxAttempts: 2 } })
    const timeout = new PostgresError('PG_ERR_TIMEOUT', 'slow')
    expect(component.retry?.retryable?.(timeout, 1)).toBe(true)
    expect(component.retry?.retryable?.(timeout, 2)).toBe(false)
    expect(component.retry?.retryable?.(new PostgresError('PG_ERR_AUTH_FAILED', 'no'), 1)).toBe(false)
    const engineTimeout = new StartupError('STARTUP_ERR_ATTEMPT_TIMEOUT', 'attempt 1 timed out')
    expect(component.retry?.retryable?.(engineTimeout, 1)).toBe(true)
    expect(component.retry?.retryable?.(new StartupError('STARTUP_ERR_INVALID_OPTIONS', 'x'), 1)).toBe(false)
    expect(() => createPostgresAdmission({ url: db.url } as never)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_INVALID_OPTIONS' }),
    )
  })
})
