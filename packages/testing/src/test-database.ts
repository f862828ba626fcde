import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The local PostgreSQL that CI and every session provide (trust auth). `TEST_PG_ADMIN_URL` overrides it. */
export const ADMIN_DATABASE_URL =
  process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

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
