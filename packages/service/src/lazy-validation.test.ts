import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { installErrorHandler } from './error-handler.js'
import { createServiceFaultModel } from './fault-catalogs.js'
import { installLazyValidation } from './lazy-validation.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})

const pageQuery = {
  type: 'object',
  properties: {
    cursor: { type: 'string', maxLength: 8 },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
  },
  additionalProperties: false,
} as const

function appWith(lazy: boolean, schema: object = pageQuery): FastifyInstance {
  const app = Fastify()
  apps.push(app)
  installErrorHandler(app, createServiceFaultModel())
  if (lazy) installLazyValidation(app)
  app.get('/page', { schema: { querystring: schema } }, async (request) => ({ query: request.query }))
  app.post(
    '/body',
    { schema: { body: { type: 'object', required: ['name'] } } },
    async (request) => request.body,
  )
  return app
}

describe('installLazyValidation', () => {
  it('answers every request exactly as Fastify’s own validation does (coercion, extra keys, errors)', async () => {
    const requests = [
      { method: 'GET', url: '/page?limit=5&cursor=abc' },
      { method: 'GET', url: '/page?limit=500' },
      { method: 'GET', url: '/page?limit=x' },
      { method: 'GET', url: '/page?cursor=123456789' },
      { method: 'GET', url: '/page?other=1&limit=2' },
      { method: 'POST', url: '/body', payload: { name: 'a', extra: 1 } },
      { method: 'POST', url: '/body', payload: { nope: 1 } },
    ] as const
    const eager = appWith(false)
    const lazy = appWith(true)
    for (const request of requests) {
      const [expected, actual] = await Promise.all([eager.inject(request), lazy.inject(request)])
      expect({ request, status: actual.statusCode, body: actual.json<unknown>() }).toEqual({
        request,
        status: expected.statusCode,
        body: expected.json<unknown>(),
      })
    }
    expect((await lazy.inject(requests[0])).json()).toEqual({ query: { limit: 5, cursor: 'abc' } })
    expect((await lazy.inject(requests[1])).statusCode).toBe(400)
  })

  it("takes Fastify's ajv options (auth's coerceTypes: false)", async () => {
    const app = Fastify()
    apps.push(app)
    installErrorHandler(app, createServiceFaultModel())
    installLazyValidation(app, { customOptions: { coerceTypes: false } })
    app.post(
      '/body',
      { schema: { body: { type: 'object', properties: { email: { type: 'string' } } } } },
      (r) => r.body,
    )
    const numeric = await app.inject({ method: 'POST', url: '/body', payload: { email: 12 } })
    expect(numeric.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
    expect((await app.inject({ method: 'POST', url: '/body', payload: { email: 'a' } })).json()).toEqual({
      email: 'a',
    })
  })

  it('compiles nothing at ready: a schema Ajv rejects fails its first request, not the start', async () => {
    const broken = { type: 'object', properties: { limit: { type: 'not-a-type' } } }
    await expect(appWith(false, broken).ready()).rejects.toThrow(/not-a-type|schema/i)
    const lazy = appWith(true, broken)
    await lazy.ready()
    expect((await lazy.inject({ method: 'GET', url: '/page?limit=1' })).statusCode).toBe(500)
  })
})
