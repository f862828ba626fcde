import type { FastifyInstance } from 'fastify'
import type { HealthRegistry } from '@tarmac/health'
import { createHealthRegistry } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import { afterEach, describe, expect, it } from 'vitest'
import type { Json } from './support.js'
import { buildApp, probe, until } from './support.js'

const PATHS = [
  '/health',
  '/health/ready',
  '/health/live',
  '/health/startup',
  '/health/infrastructure',
  '/health/infrastructure/db',
]
let app: FastifyInstance | undefined
let registry: HealthRegistry | undefined
afterEach(async () => {
  registry?.close()
  await app?.close()
  app = registry = undefined
})

async function serviceWith(token?: string) {
  registry = createHealthRegistry()
  registry.add({
    name: 'db:pool',
    componentType: 'datastore',
    run: () => ({
      observedValue: 2,
      observedUnit: 'connections',
      output: 'fine',
      details: { pool: { total: 2, idle: 0, waiting: 0, max: 10 } },
    }),
  })
  const startup = createStartup({ name: 'svc', phases: ['init'] })
  startup.add({ name: 'config', phase: 'init', start: () => 'config' })
  await startup.run()
  app = await buildApp({
    registry,
    startup,
    serviceId: 'svc',
    version: '1',
    releaseId: '1.0.0',
    ...(token !== undefined && { token }),
  })
  await until(async () => (await probe(app!, '/health/ready')).statusCode === 200)
  return app
}

/** Whether any check entry (or the body) carries something beyond statuses. */
function showsDetails(body: Json): boolean {
  if (body.report !== undefined || body.output !== undefined) return true
  return Object.values(body.checks as Record<string, Record<string, unknown>[]>).some((entries) =>
    entries.some((entry) => Object.keys(entry).some((key) => key !== 'status' && key !== 'componentType')),
  )
}

describe('details are gated', () => {
  it('with HEALTH_TOKEN: details only with the right bearer token', async () => {
    const app = await serviceWith('s3cret-token')
    for (const url of PATHS) {
      const right = await probe(app, url, { headers: { authorization: 'Bearer s3cret-token' } })
      expect(showsDetails(right.body), url).toBe(true)
      const wrong = await probe(app, url, { headers: { authorization: 'Bearer s3cret-tokeN' } })
      expect(showsDetails(wrong.body), url).toBe(false)
      const none = await probe(app, url, { remoteAddress: '127.0.0.1' })
      expect(showsDetails(none.body), url).toBe(false)
      expect(none.statusCode).toBe(right.statusCode)
      expect(none.body.status).toBe(right.body.status)
      expect(none.body.serviceId).toBe('svc')
    }
    const detailed = await probe(app, '/health/infrastructure', {
      headers: { authorization: 'Bearer s3cret-token' },
    })
    expect(detailed.body.checks['db:pool'][0]).toMatchObject({
      observedValue: 2,
      observedUnit: 'connections',
      output: 'fine',
      details: { pool: { total: 2, idle: 0, waiting: 0, max: 10 } },
    })
  })

  it('without a token: details for loopback callers only', async () => {
    const app = await serviceWith()
    for (const url of PATHS) {
      expect(showsDetails((await probe(app, url, { remoteAddress: '127.0.0.1' })).body), url).toBe(true)
      expect(showsDetails((await probe(app, url, { remoteAddress: '::1' })).body), url).toBe(true)
      expect(showsDetails((await probe(app, url, { remoteAddress: '10.0.0.8' })).body), url).toBe(false)
      const forwarded = await probe(app, url, {
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '198.51.100.4' },
      })
      expect(showsDetails(forwarded.body), url).toBe(false)
    }
  })

  it('keeps the cached ready bodies apart for callers with and without details', async () => {
    const app = await serviceWith('tok')
    for (let i = 0; i < 3; i++) {
      expect(showsDetails((await probe(app, '/health/ready')).body)).toBe(false)
      expect(
        showsDetails((await probe(app, '/health/ready', { headers: { authorization: 'Bearer tok' } })).body),
      ).toBe(true)
    }
  })
})

describe('DNS rebinding', () => {
  /** A real request on a real socket from loopback, with the Host a rebound page's browser would send. */
  async function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
    const { request } = await import('node:http')
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
        .on('error', reject)
        .end()
    })
  }

  it('without a token, a loopback caller with Host: evil.example gets no details and no /metrics', async () => {
    const app = await serviceWith()
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as { port: number }
    const local = await get(port, '/health/infrastructure', `127.0.0.1:${port}`)
    expect(showsDetails(JSON.parse(local.body) as Json)).toBe(true)
    expect((await get(port, '/metrics', `localhost:${port}`)).status).toBe(200)

    const rebound = await get(port, '/health/infrastructure', `evil.example:${port}`)
    expect(rebound.status).toBe(200)
    expect(showsDetails(JSON.parse(rebound.body) as Json)).toBe(false)
    const metrics = await get(port, '/metrics', 'evil.example')
    expect(metrics.status).toBe(401)
    expect(metrics.body).not.toContain('tarmac_')
  })
})
