import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The test run's PostgreSQL (trust auth): `TEST_PG_ADMIN_URL`, which `npm test` sets to a private cluster it
 * starts (global-setup.ts) unless the environment names one; else the local server on 5432.
 */
export const ADMIN_DATABASE_URL =
  process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** Host and port of the test run's PostgreSQL, for a proxy or connector placed in front of it. */
export const TEST_POSTGRES: { readonly host: string; readonly port: number } = Object.freeze({
  host: new URL(ADMIN_DATABASE_URL).hostname,
  port: Number(new URL(ADMIN_DATABASE_URL).port || 5432),
})

/** The test run's Redis: `TEST_REDIS_URL`, which `npm test` sets to a `redis-server` it starts unless given. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface TestDatabase {
  readonly name: string
  /** A connection string for the new database, same server and user as the admin URL. */
  readonly url: string
  /** Terminates every backend on the database and drops it. Safe to call twice. */
  drop(): Promise<void>
}

/**
 * Creates a database with a random name so test files can run in parallel, and drops it on `drop()`.
 * @example
 * const db = await createTestDatabase('startup')
 * afterAll(() => db.drop())
 */
export async function createTestDatabase(prefix = 'tarmac'): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`
  await admin(`create database ${name}`)
  const url = new URL(ADMIN_DATABASE_URL)
  url.pathname = `/${name}`
  let dropped = false
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return
      dropped = true
      await admin(`drop database if exists ${name} with (force)`)
    },
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
