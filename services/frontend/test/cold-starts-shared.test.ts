import { deriveStartupReportCredential } from '@tarmac/service'
import { getFreePort, TEST_REDIS_URL } from '@tarmac/testing'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendApp } from '../src/app.js'
import { maxSizeRecord } from './max-report.js'
import { createPublicDir } from './support.js'

// With REDIS_URL, every frontend writes and reads the same cold-start records: a report posted to frontend A is
// served by frontend B, and outlives A. Real servers on real ports, the test run's real Redis (its database 7,
// which only this file uses).

const SECRET = 'collector-secret-0123456789'
const REDIS_URL = `${TEST_REDIS_URL.replace(/\/\d*$/, '')}/7`
const site = createPublicDir()

async function frontend(redisUrl = REDIS_URL): Promise<{ app: FastifyInstance; base: string }> {
  const closed = `http://127.0.0.1:${await getFreePort()}`
  const app = await createFrontendApp({
    config: {
      BACKEND_URL: closed,
      AUTH_URL: closed,
      HEALTH_TOKEN: undefined,
      STARTUP_REPORT_TOKEN: SECRET,
      REDIS_URL: redisUrl,
      STATUS_TIMEOUT_MS: 1_000,
      PUBLIC_DIR: site.dir,
      NODE_ENV: 'test',
    },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

const post = (base: string, service: string, index: number) =>
  fetch(`${base}/startup-reports`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${deriveStartupReportCredential(SECRET, service)}`,
    },
    body: JSON.stringify(maxSizeRecord(service, index)),
  })

interface Page {
  records: { service: string; instance: string }[]
  nextCursor: string | null
}
const records = async (base: string, query = '') =>
  (await (await fetch(`${base}/startup-reports?limit=100${query}`)).json()) as Page

describe('the collector shared through Redis (two frontends)', () => {
  const redis = new Redis(REDIS_URL)
  const apps: FastifyInstance[] = []
  let a: string
  let b: string

  beforeAll(async () => {
    await redis.flushdb()
    const first = await frontend()
    const second = await frontend()
    apps.push(first.app, second.app)
    a = first.base
    b = second.base
  })
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    await redis.flushdb()
    redis.disconnect()
    site.remove()
  })

  it('serves on frontend B a report posted to frontend A, and keeps it after A is gone', async () => {
    expect((await records(b)).records).toEqual([])
    expect((await post(a, 'backend', 1)).status).toBe(202)
    await expect
      .poll(async () => (await records(b, '&service=backend')).records.map((r) => r.instance))
      .toEqual(['backend-1:4242'])
    await expect
      .poll(async () => {
        const body = (await (await fetch(`${b}/status/cold-starts`)).json()) as {
          services: { service: string; failed: number }[]
        }
        return body.services
      })
      .toEqual([expect.objectContaining({ service: 'backend', failed: 1 })])

    await apps.shift()!.close()
    const restarted = await frontend()
    apps.push(restarted.app)
    expect((await records(restarted.base, '&service=backend')).records).toHaveLength(1)
  })

  it('keeps the bounds in Redis: bytes per service, services at most maxServices', async () => {
    for (let i = 0; i < 60; i++) expect((await post(b, 'auth', i)).status).toBe(202)
    const bytes = Number(await redis.get('tarmac:cold-starts:bytes:auth'))
    expect(bytes).toBeGreaterThan(0)
    expect(bytes).toBeLessThanOrEqual(1024 * 1024)
    const stored = await redis.hvals('tarmac:cold-starts:rec:auth')
    expect(stored.reduce((sum, json) => sum + Buffer.byteLength(json), 0)).toBe(bytes)
    expect(await redis.llen('tarmac:cold-starts:facts:auth')).toBe(stored.length)
    expect(stored.length).toBeLessThan(60)
    expect(await redis.pttl('tarmac:cold-starts:rec:auth')).toBeGreaterThan(0) // they expire

    for (let i = 0; i < 18; i++)
      expect((await post(b, `svc-${String(i).padStart(2, '0')}`, i)).status).toBe(202)
    expect(await redis.zcard('tarmac:cold-starts:services')).toBe(16)
    expect(await redis.exists('tarmac:cold-starts:facts:backend')).toBe(0) // heard from least recently: gone
  })

  it('answers 503 with a code when its Redis is away, and still serves reads', async () => {
    const away = await frontend(`redis://127.0.0.1:${await getFreePort()}`)
    apps.push(away.app)
    const response = await post(away.base, 'backend', 2)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ code: 'STARTUP_REPORT_STORE_UNAVAILABLE' })
    expect((await fetch(`${away.base}/status/cold-starts`)).status).toBe(200)
  })
})
