import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { getFreePort } from './free-port.js'
import { findRedisServer, pingRedis } from './local-redis.js'

const dir = mkdtempSync(join(tmpdir(), 'local-redis-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('findRedisServer', () => {
  it('looks on the PATH, then in the extra directories, and nowhere else', () => {
    writeFileSync(join(dir, 'redis-server'), '#!/bin/sh\n')
    chmodSync(join(dir, 'redis-server'), 0o755)
    expect(findRedisServer({ PATH: ['/nowhere', dir].join(delimiter) })).toBe(join(dir, 'redis-server'))
    expect(findRedisServer({ PATH: '/nowhere' }, [dir])).toBe(join(dir, 'redis-server'))
    expect(findRedisServer({ PATH: '/nowhere' })).toBeUndefined()
  })
})

describe('pingRedis', () => {
  it('is true for +PONG, false for another answer or nothing listening', async () => {
    const server = createServer((socket) =>
      socket.once('data', () => socket.end(server.listening && answer === 'pong' ? '+PONG\r\n' : '-ERR\r\n')),
    )
    let answer = 'pong'
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      expect(await pingRedis(port)).toBe(true)
      answer = 'error'
      expect(await pingRedis(port)).toBe(false)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(await pingRedis(await getFreePort())).toBe(false)
  })
})
