import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort, TEST_REDIS_URL, until, type TestDatabase } from '@tarmac/testing'
import { buildBackend, type BuiltBackend } from './support/built-backend.js'
import { spawnBackend, type ChildBackend } from './support/child-backend.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'

// The bundle, not the sources: `node dist/main.js` with REDIS_URL, as the images and `tarmac up --backends 2` run
// it. From a bundle that split ioredis into a chunk of its own, phase `cache` failed with `TypeError: Redis is
// not a constructor` while every test of the sources passed.
const TOKEN = 'built-redis-health-token'
let built: BuiltBackend
let db: TestDatabase
let auth: TestAuth
let child: ChildBackend | undefined
beforeAll(async () => {
  built = await buildBackend()
  db = await createTestDatabase('backend_built_redis')
  auth = await startTestAuth()
}, 180_000)
afterAll(async () => {
  if (child && child.child.exitCode === null) {
    child.child.kill('SIGTERM')
    await child.exited
  }
  await auth?.close()
  await db?.drop()
  await built?.remove()
})

describe('the built backend with REDIS_URL (a real process from the bundle)', () => {
  it('becomes ready with the Redis event bus in its startup report', async () => {
    const port = await getFreePort()
    const url = `http://127.0.0.1:${port}`
    child = spawnBackend(
      {
        PORT: String(port),
        DATABASE_URL: db.url,
        AUTH_URL: auth.url,
        REDIS_URL: TEST_REDIS_URL,
        HEALTH_TOKEN: TOKEN,
        STARTUP_DEADLINE_MS: '90000',
      },
      { built: built.main },
    )
    const running = child
    let exited = false
    void running.exited.then(() => (exited = true))
    await until(async () => {
      if (exited) throw new Error(`the built backend exited before ready: ${running.stderr().slice(-1500)}`)
      const response = await fetch(`${url}/health/ready`).catch(() => undefined)
      return response?.status === 200
    }, 120_000)

    const startup = (await fetch(`${url}/health/startup`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.json())) as {
      report: { phases: { name: string; components: { name: string; state: string; attempts: number }[] }[] }
    }
    const cache = startup.report.phases.find((phase) => phase.name === 'cache')
    expect(cache?.components).toEqual([
      expect.objectContaining({ name: 'redis', state: 'started', attempts: 1 }),
      expect.objectContaining({ name: 'caps', state: 'started', attempts: 1 }),
    ])
    // The caps' own Redis connection loads ioredis lazily too, and counts fleet-wide.
    expect(running.stdout()).toContain('"scope":"fleet"')
    expect(running.stdout()).toMatch(/"bus":"redis","msg":"websocket bus self-test passed"/)
    expect(running.stdout()).not.toContain('is not a constructor')

    const infrastructure = (await fetch(`${url}/health/infrastructure`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.json())) as { checks: Record<string, { status: string }[]> }
    expect(infrastructure.checks['redis:responseTime']?.[0]?.status).toBe('pass')

    running.child.kill('SIGTERM')
    expect((await running.exited).code).toBe(0)
  }, 180_000)
})
