import { createConnector } from '@tarmac/connector'
import {
  createTestDatabase,
  getFreePort,
  withClient,
  TEST_POSTGRES,
  type TestDatabase,
} from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probeConnects } from '../src/index.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('pg_connect_probe')
})
afterAll(() => db?.drop())

const backendsOf = (app: string) =>
  withClient(db.url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [app],
    )
    return rows[0]!.n
  })

describe('probeConnects: the in-service path probe (real Postgres)', () => {
  it('times N concurrent fresh connects per phase, reads capacity on one, and closes them all', async () => {
    const result = await probeConnects(db.url, { connects: 4, applicationName: 'probe_ok' })
    expect(result).toMatchObject({ connects: 4, ok: 4, failed: 0 })
    expect(Object.keys(result.stepsMs).sort()).toEqual(['auth', 'dns', 'firstQuery', 'ssl', 'tcp', 'total'])
    expect(result.stepsMs.total!.p95).toBeGreaterThanOrEqual(result.stepsMs.total!.p50)
    expect(result.capacity).toMatchObject({ embedded: false })
    expect(result.capacity!.byApplication.probe_ok).toBe(4)
    expect(JSON.stringify(result)).not.toContain('postgres://')
    await expect.poll(() => backendsOf('probe_ok'), { timeout: 5_000 }).toBe(0)
  })

  it('classifies every failed connect, with the phase it failed in and the timings up to it', async () => {
    const port = await getFreePort()
    const refused = await probeConnects(`postgres://postgres@127.0.0.1:${port}/postgres`, {
      connects: 2,
      applicationName: 'probe_refused',
    })
    expect(refused).toMatchObject({ ok: 0, failed: 2, capacity: null })
    expect(refused.attempts[0]).toMatchObject({
      ok: false,
      code: 'PG_ERR_UNREACHABLE',
      errorClass: 'TCP_REFUSED',
      phase: 'tcp',
    })
    expect(refused.attempts[0]!.timingsMs).toHaveProperty('dns')
  })

  it('shows where a slow connector spends the time, and gives up at the timeout', async () => {
    const connector = createConnector({
      upstream: TEST_POSTGRES,
      establishDelayMs: 600,
      capacity: 1,
    })
    const { url } = await connector.listen()
    try {
      const slow = await probeConnects(url(db.url), {
        connects: 3,
        timeoutMs: 1_000,
        applicationName: 'probe_slow',
      })
      // One establishment slot, 600 ms each: the first gets through, the others run out of time queued.
      expect(slow.ok).toBeGreaterThanOrEqual(1)
      expect(slow.failed).toBeGreaterThanOrEqual(1)
      expect(slow.attempts.find((a) => !a.ok)).toMatchObject({ code: 'PG_ERR_TIMEOUT' })
      // The connector accepts at once; the wait shows before the server's first byte, in `auth`.
      expect(slow.stepsMs.auth!.p95).toBeGreaterThanOrEqual(500)
    } finally {
      await connector.close()
    }
    await expect.poll(() => backendsOf('probe_slow'), { timeout: 5_000 }).toBe(0)
  })
})
