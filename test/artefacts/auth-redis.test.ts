import { createTestDatabase, startTestRedis, type TestDatabase, type TestRedis } from '@tarmac/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  startAllReady,
  startBuiltService,
  startedBeforeAll,
  stopBuiltServices,
} from './support/built-service.js'

// Auth's Redis client is loaded only when REDIS_URL is set (a dynamic import of ioredis, left external by the
// bundler): two auth bundles, as `npm start -w` starts them, sharing their rate limits through a real Redis.
let db: TestDatabase | undefined
let redis: TestRedis | undefined

const stack = startedBeforeAll(async () => {
  ;[db, redis] = await Promise.all([createTestDatabase('artefacts_auth_redis'), startTestRedis()])
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_ACCOUNT: '3',
    LOG_LEVEL: 'info',
    DB_FLEET_SIZE: '2',
  }
  const first = await startAllReady([startBuiltService('auth', { form: 'npm-start', name: 'auth-a', env })])
  const second = await startAllReady([startBuiltService('auth', { form: 'npm-start', name: 'auth-b', env })])
  return [first[0]!, second[0]!] as const
})

afterAll(async () => {
  await stopBuiltServices()
  await redis?.stop()
  await db?.drop()
}, 60_000)

describe('auth from the bundle with REDIS_URL', () => {
  it('loads the Redis client and counts one account’s wrong guesses across both instances', async () => {
    const [a, b] = await stack()
    for (const auth of [a, b])
      expect(auth.output()).toContain('rate limits: shared by every auth instance through Redis')
    const email = `bundle.${Date.now()}@example.com`
    const statuses: number[] = []
    for (let guess = 0; guess < 5; guess++) {
      const response = await fetch(`${(guess % 2 === 0 ? a : b).url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${guess + 1}` },
        body: JSON.stringify({ email, password: `wrong guess ${guess}` }),
      })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429])
  }, 120_000)
})
