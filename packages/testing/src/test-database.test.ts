import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { createTestDatabase, getFreePort } from './index.js'

describe('createTestDatabase', () => {
  it('creates a database that accepts connections and drops it', async () => {
    const db = await createTestDatabase('testing')
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const { rows } = await client.query<{ name: string }>('select current_database() as name')
    expect(rows[0]?.name).toBe(db.name)
    await client.end()
    await db.drop()
    await db.drop()
    const probe = new pg.Client({ connectionString: db.url })
    await expect(probe.connect()).rejects.toMatchObject({ code: '3D000' })
  })
})

describe('getFreePort', () => {
  it('returns a bindable port', async () => {
    const port = await getFreePort()
    expect(port).toBeGreaterThan(0)
    expect(port).toBeLessThan(65536)
  })
})
