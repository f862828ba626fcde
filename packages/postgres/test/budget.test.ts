import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { createStartup } from '@tarmac/startup'
import { startOwnCluster, type OwnCluster } from '@tarmac/testing'
import { createPostgresAdmission, type PostgresHandle } from '../src/index.js'

// A private cluster: max_connections 20 with 2 slots reserved for superusers; the services connect as an
// ordinary role, as they would on a managed Postgres.
let cluster: OwnCluster
let appUrl: string
const others: pg.Client[] = []
beforeAll(async () => {
  cluster = await startOwnCluster({ maxConnections: 20, settings: { superuser_reserved_connections: 2 } })
  await cluster.sql(`create role budget_app login password 'budget-pw'`)
  appUrl = cluster.url({ user: 'budget_app', password: 'budget-pw' })
  // Another application holds three connections.
  for (let i = 0; i < 3; i++) {
    const client = new pg.Client({ connectionString: appUrl, application_name: 'someone-else' })
    await client.connect()
    others.push(client)
  }
})
afterAll(async () => {
  for (const client of others) await client.end().catch(() => undefined)
  await cluster?.stop()
})

async function admit(fleetSize: number, max: number): Promise<PostgresHandle> {
  const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 30_000 })
  const postgres = startup.add(
    createPostgresAdmission({ url: appUrl, applicationName: 'budgeted', fleetSize, pool: { max } }),
  )
  await startup.run()
  const handle = postgres.get()
  await handle.close()
  return handle
}

describe('the pool budget follows max_connections, reserved slots and DB_FLEET_SIZE (real cluster)', () => {
  it('gives each of 5 instances floor((20 − 2 − 3) / 5) = 3 connections', async () => {
    const { budget } = (await admit(5, 10)).admission
    expect(budget).toMatchObject({ size: 3, maxConnections: 20, reserved: 2, heldByOthers: 3, usable: 15 })
  })

  it('is capped by DB_POOL_MAX, and a fleet of 1 gets all of it', async () => {
    expect((await admit(1, 10)).admission.budget.size).toBe(10)
    expect((await admit(5, 2)).admission.budget.size).toBe(2)
  })

  it('a fleet larger than the free slots still gets 1 each, flagged as not fitting', async () => {
    const { budget } = (await admit(16, 10)).admission
    expect(budget).toMatchObject({ size: 1, usable: 15, fits: false })
  })
})
