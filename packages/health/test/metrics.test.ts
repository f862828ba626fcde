import type { FastifyInstance } from 'fastify'
import type { HealthRegistry } from '@tarmac/health'
import { createHealthRegistry } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import { promtoolCheckMetrics } from '@tarmac/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, probe, until } from './support.js'

const apps: FastifyInstance[] = []
const registries: HealthRegistry[] = []
afterEach(async () => {
  for (const registry of registries.splice(0)) registry.close()
  for (const app of apps.splice(0)) await app.close()
})

async function service(name: string, gate: { token?: string; metricsAccess?: 'details' | 'public' } = {}) {
  const registry = createHealthRegistry()
  registries.push(registry)
  registry.add({
    name: 'postgres:connectionTime',
    componentType: 'datastore',
    run: () => ({
      observedValue: 12,
      observedUnit: 'ms',
      details: {
        timingsMs: { dns: 1, tcp: 2, tls: 0, auth: 5, firstQuery: 4 },
        pool: { total: 3, idle: 2, waiting: 0, max: 10 },
      },
    }),
  })
  const startup = createStartup({ name, phases: ['init', 'database'] })
  startup.add({ name: 'config', phase: 'init', start: () => 'config' })
  startup.add({ name: 'db', phase: 'database', start: () => 'db' })
  await startup.run()
  const app = await buildApp({ registry, startup, ...gate })
  apps.push(app)
  await until(async () => (await probe(app, '/health/ready')).statusCode === 200)
  return app
}

describe('/metrics', () => {
  it('exposes startup, check, pool, connect-phase and event-loop metrics', async () => {
    const app = await service('svc')
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/plain')
    const text = response.body
    expect(text).toMatch(/^tarmac_startup_state\{state="started"\} 1$/m)
    expect(text).toMatch(/^tarmac_startup_state\{state="starting"\} 0$/m)
    expect(text).toMatch(/^tarmac_startup_phase_duration_seconds\{phase="database"\} /m)
    expect(text).toMatch(/^tarmac_startup_component_duration_seconds\{component="db",phase="database"\} /m)
    expect(text).toMatch(/^tarmac_startup_component_attempts\{component="db",phase="database"\} 1$/m)
    expect(text).toMatch(/^tarmac_startup_component_state\{component="db",state="started"\} 1$/m)
    expect(text).toMatch(/^tarmac_health_check_status\{check="postgres:connectionTime",status="pass"\} 1$/m)
    expect(text).toMatch(
      /^tarmac_health_check_duration_seconds_count\{check="postgres:connectionTime"\} [1-9]/m,
    )
    expect(text).toMatch(
      /^tarmac_health_check_runs_total\{check="postgres:connectionTime",status="pass"\} [1-9]/m,
    )
    expect(text).toMatch(/^tarmac_pool_connections\{component="postgres",kind="max"\} 10$/m)
    expect(text).toMatch(
      /^tarmac_connect_phase_duration_seconds_count\{component="postgres",phase="auth"\} [1-9]/m,
    )
    expect(text).toMatch(/^tarmac_event_loop_lag_p99_seconds \d/m)
    expect(text).toMatch(/^tarmac_event_loop_lag_max_seconds \d/m)
    expect(text).not.toContain('quantile=')
  })

  it('passes promtool check metrics', async () => {
    const app = await service('linted')
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' })
  })

  it('keeps a registry per plugin instance: two services in one process do not collide', async () => {
    const first = await service('first')
    const second = await service('second')
    for (const app of [first, second]) {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
      expect(text.match(/^tarmac_startup_state\{state="started"\} 1$/gm)).toHaveLength(1)
    }
    expect(first.health.metricsRegister).not.toBe(second.health.metricsRegister)
  })

  describe('who may read it', () => {
    const scrape = (app: FastifyInstance, remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers })

    it('with a token: only its holder, not even loopback', async () => {
      const app = await service('gated', { token: 'a-health-token-of-16+' })
      for (const [remoteAddress, headers] of [
        ['203.0.113.9', {}],
        ['127.0.0.1', {}],
        ['203.0.113.9', { authorization: 'Bearer not-the-token' }],
      ] as const) {
        const response = await scrape(app, remoteAddress, headers)
        expect(response.statusCode).toBe(401)
        expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' })
        expect(response.body).not.toContain('tarmac_')
      }
      const holder = await scrape(app, '203.0.113.9', { authorization: 'Bearer a-health-token-of-16+' })
      expect(holder.statusCode).toBe(200)
      expect(holder.body).toContain('tarmac_startup_state')
    })

    it('without a token: loopback callers no proxy forwarded', async () => {
      const app = await service('local')
      expect((await scrape(app, '127.0.0.1')).statusCode).toBe(200)
      expect((await scrape(app, '10.0.0.7')).statusCode).toBe(401)
      expect((await scrape(app, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(401)
    })

    it('metricsAccess public: anyone', async () => {
      const app = await service('open', { token: 'a-health-token-of-16+', metricsAccess: 'public' })
      expect((await scrape(app, '203.0.113.9')).statusCode).toBe(200)
    })
  })
})
