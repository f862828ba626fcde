import { connect } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startTestPostgres } from './test-postgres.js'
import { startTestRedis } from './test-redis.js'

// What `npm test` provisions when the environment names no server (global-setup.ts), started for real.
const reply = (port: number, command: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => socket.write(command))
    socket.once('data', (data) => (socket.destroy(), resolve(data.toString())))
    socket.once('error', reject)
  })

describe('the servers a test run provisions', () => {
  it('a private PostgreSQL with trust auth on a free port, gone after stop()', async () => {
    const postgres = await startTestPostgres()
    expect(postgres.url).toBe(`postgres://postgres@127.0.0.1:${postgres.port}/postgres`)
    const client = new pg.Client({ connectionString: postgres.url })
    await client.connect()
    const { rows } = await client.query<{ max: string }>("select current_setting('max_connections') as max")
    await client.end()
    expect(Number(rows[0]!.max)).toBeGreaterThanOrEqual(100)
    await postgres.stop()
    await postgres.stop()
    await expect(reply(postgres.port, '')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  }, 60_000)

  it('a redis-server on a free port that answers PING, gone after stop()', async () => {
    const redis = await startTestRedis()
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
    expect(await reply(redis.port, 'PING\r\n')).toBe('+PONG\r\n')
    await redis.stop()
    await expect(reply(redis.port, 'PING\r\n')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('a redis-server a test kills and restarts on the same port, empty', async () => {
    const redis = await startTestRedis()
    try {
      expect(await reply(redis.port, 'SET k v\r\n')).toBe('+OK\r\n')
      await redis.kill()
      await expect(reply(redis.port, 'PING\r\n')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
      await redis.restart()
      expect(await reply(redis.port, 'GET k\r\n')).toBe('$-1\r\n')
    } finally {
      await redis.stop()
    }
  })

  it('a redis-server that cannot be spawned is an error naming it, not a crash or a hang', async () => {
    const missing = '/nonexistent/redis-server'
    await expect(startTestRedis({ ...process.env, TEST_REDIS_SERVER_BIN: missing })).rejects.toThrow(
      `redis-server could not be started (${missing}): spawn ${missing} ENOENT`,
    )
  })
})
