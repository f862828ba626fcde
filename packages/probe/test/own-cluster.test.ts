import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres, PROBE_FAULTS, probePostgres } from '@tarmac/probe'
import { startOwnCluster, type OwnCluster } from '@tarmac/testing'

// A private cluster: SCRAM auth over TCP (a wrong password is a real 28P01), max_connections=3
// with no reserved slots (a fourth connection is a real 53300), and SSL with a self-signed cert.
describe('probePostgres against a cluster of our own', () => {
  let cluster: OwnCluster
  beforeAll(async () => {
    cluster = await startOwnCluster({ maxConnections: 3, ssl: true })
    await cluster.sql("create role probe_user login password 'right-password'")
  })
  afterAll(() => cluster?.stop())

  it('reports PG_AUTH_FAILED with SQLSTATE 28P01 for a wrong password, never echoing it', async () => {
    const result = await probePostgres(cluster.url({ user: 'probe_user', password: 'wrong-password' }))
    expect(result.error).toMatchObject({ class: 'PG_AUTH_FAILED', phase: 'auth', sqlState: '28P01' })
    expect(PROBE_FAULTS.specs[result.error!.class]).toMatchObject({
      domain: 'configuration',
      layer: 'postgres-auth',
    })
    expect(JSON.stringify(result)).not.toContain('wrong-password')
    const ok = await probePostgres(cluster.url({ user: 'probe_user', password: 'right-password' }))
    expect(ok.ok).toBe(true)
  })

  it('times SSL negotiation as its own phase when sslmode asks for it', async () => {
    const result = await probePostgres(cluster.url({ query: 'sslmode=no-verify' }))
    expect(result.ok).toBe(true)
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp', 'ssl', 'auth', 'firstQuery'])
    expect(result.phases.ssl).toBeGreaterThan(0)
    expect(result.details).toMatchObject({ ssl: true })
  })

  it('reports TLS_FAILED in phase ssl when the certificate does not verify', async () => {
    const result = await probePostgres(cluster.url({ query: 'sslmode=verify-full' }))
    expect(result.error).toMatchObject({
      class: 'TLS_FAILED',
      phase: 'ssl',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    })
  })

  it('reports PG_TOO_MANY_CONNECTIONS with SQLSTATE 53300 when every slot is taken', async () => {
    const held: pg.Client[] = []
    try {
      for (let i = 0; i < 3; i++) held.push((await connectPostgres(cluster.url())).client)
      const result = await probePostgres(cluster.url())
      expect(result.error).toMatchObject({
        class: 'PG_TOO_MANY_CONNECTIONS',
        phase: 'auth',
        sqlState: '53300',
      })
      expect(PROBE_FAULTS.specs[result.error!.class]).toMatchObject({ domain: 'infrastructure' })
    } finally {
      await Promise.all(held.map((client) => client.end()))
    }
  })
})
