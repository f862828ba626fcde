import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { HealthRegistry } from '@tarmac/health'
import { createHealthRegistry, healthPlugin } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, probe, recordingLogger, until } from './support.js'

let app: FastifyInstance | undefined
let registry: HealthRegistry | undefined
afterEach(async () => {
  registry?.close()
  await app?.close()
  app = registry = undefined
})

describe('health plugin', () => {
  it('rejects unknown or bad options by code', async () => {
    registry = createHealthRegistry()
    const bare = Fastify({ logger: false })
    await expect(
      bare.register(healthPlugin, { registry, maxEventLoopLagMs: -5, tokn: 'typo' } as never).ready(),
    ).rejects.toMatchObject({ code: 'HEALTH_ERR_INVALID_OPTIONS' })
    await bare.close()
  })

  it('fails /health/live while the event loop is blocked past the bound', async () => {
    registry = createHealthRegistry()
    app = await buildApp({ registry, maxEventLoopLagMs: 100 })
    await until(async () => {
      const blockedUntil = Date.now() + 600
      while (Date.now() < blockedUntil); // a synchronous hot path: the loop cannot turn
      const live = await probe(app!, '/health/live', { remoteAddress: '127.0.0.1' })
      if (live.statusCode !== 503) return false
      expect(live.body.checks['eventLoop:lag'][0]).toMatchObject({
        status: 'fail',
        code: 'HEALTH_ERR_EVENT_LOOP_LAG',
      })
      expect(live.body.checks['eventLoop:lag'][0].observedValue).toBeGreaterThan(100)
      return true
    })
  })

  it('logs a contribution whose factory throws, and serves the component as down', async () => {
    const { lines, logger } = recordingLogger()
    registry = createHealthRegistry({ logger })
    const startup = createStartup({ name: 'svc', phases: ['cache'] })
    const redis = startup.add({ name: 'redis', phase: 'cache', start: () => 'redis' })
    registry.contribute(startup, redis, () => {
      throw Object.assign(new Error('bad factory'), { code: 'EFACTORY' })
    })
    app = await buildApp({ registry, startup })
    await startup.run()
    expect(lines.find((line) => line.object.code === 'HEALTH_ERR_CONTRIBUTION_FAILED')?.object).toMatchObject(
      {
        component: 'redis',
        cause: 'EFACTORY',
      },
    )
    const infrastructure = await probe(app, '/health/infrastructure/redis', { remoteAddress: '127.0.0.1' })
    expect(infrastructure.body.checks['redis:component'][0]).toMatchObject({ observedValue: 'started' })
    await startup.shutdown()
  })

  it('registers a contribution at once when its component is already up', async () => {
    registry = createHealthRegistry()
    const startup = createStartup({ name: 'svc', phases: ['database'] })
    const db = startup.add({ name: 'db', phase: 'database', start: () => ({ ping: () => 1 }) })
    await startup.run()
    registry.contribute(startup, db, (resource) => [
      { name: 'db:ping', run: () => ({ observedValue: resource.ping() }) },
    ])
    app = await buildApp({ registry, startup })
    await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
    const { body } = await probe(app, '/health/infrastructure/db', { remoteAddress: '127.0.0.1' })
    expect(body.checks['db:ping'][0]).toMatchObject({ status: 'pass', observedValue: 1 })
    await startup.shutdown()
  })
})
