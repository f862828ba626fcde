import { createFaultModel } from '@tarmac/faults'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_FAULTS, toPostgresError } from '../src/index.js'

// A query that fails on a real server is PG_ERR_QUERY_FAILED; whose move it is, its SQLSTATE's class says.
const faults = createFaultModel(POSTGRES_FAULTS)
let db: TestDatabase
let client: pg.Client

beforeAll(async () => {
  db = await createTestDatabase('pg_query_class')
  client = new pg.Client({ connectionString: db.url })
  await client.connect()
})
afterAll(async () => {
  await client?.end()
  await db?.drop()
})

const failure = (sql: string) =>
  client.query(sql).then(
    () => {
      throw new Error(`${sql} did not fail`)
    },
    (error: unknown) => toPostgresError(error),
  )

describe('PG_ERR_QUERY_FAILED is judged by its SQLSTATE', () => {
  it('a statement the application sent (42P01, class 42) is the application’s', async () => {
    const error = await failure('select * from no_such_table')
    expect(error).toMatchObject({ code: 'PG_ERR_QUERY_FAILED', sqlState: '42P01' })
    expect(faults.classify(error)).toMatchObject({
      domain: 'application',
      layer: 'application',
      code: '42P01',
      basis: 'cause',
    })
  })

  it('a unique violation (23505) too; a privilege the role lacks (42501) is a grant someone set', async () => {
    await client.query('create table t (id int primary key); insert into t values (1)')
    expect(faults.classify(await failure('insert into t values (1)'))).toMatchObject({
      domain: 'application',
      code: '23505',
    })
    const role = `q_${Math.random().toString(36).slice(2, 8)}`
    await client.query(`create role ${role}`)
    try {
      await client.query(`set role ${role}`)
      expect(faults.classify(await failure('select * from t'))).toMatchObject({
        domain: 'configuration',
        layer: 'postgres-auth',
        code: '42501',
      })
    } finally {
      await client.query('reset role')
      await client.query(`drop role ${role}`)
    }
  })

  it('falls back on the application without a cause', () => {
    expect(faults.classify({ code: 'PG_ERR_QUERY_FAILED' })).toMatchObject({
      domain: 'application',
      basis: 'fallback',
    })
  })
})
