import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPrivateCluster, pgBinDir, type PrivateCluster } from '../src/cluster.js'
import { connect } from '../src/index.js'

let primary: PrivateCluster
beforeAll(async () => {
  primary = await startPrivateCluster({
    maxConnections: 10,
    settings: { wal_level: 'replica', max_wal_senders: 3 },
  })
})
afterAll(() => primary?.stop())

describe('startPrivateCluster (the installed server tools)', () => {
  it('finds the server tools of whatever major version is installed, or names the package', async () => {
    expect(await pgBinDir({})).toMatch(/bin$/)
    await expect(pgBinDir({ TARMAC_PG_BIN: '/opt/pg/bin' })).resolves.toBe('/opt/pg/bin')
  })

  it('runs a real server with scram passwords: a wrong one is a real 28P01', async () => {
    const { client, serverVersion } = await connect(primary.url())
    await client.end()
    expect(serverVersion).toMatch(/^\d+/)
    await expect(connect(primary.url({ password: 'wrong' }))).rejects.toMatchObject({
      code: 'PG_ERR_AUTH_FAILED',
      sqlState: '28P01',
    })
  })

  it('starts a standby that stays in recovery and refuses connections with 57P03: a database "starting up"', async () => {
    const standby = await primary.startStandby({ hotStandby: false })
    try {
      await expect(connect(standby.url(), { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'PG_ERR_STARTING_UP',
        sqlState: '57P03',
        retryable: true,
      })
    } finally {
      await standby.stop()
    }
  }, 60_000)
})
