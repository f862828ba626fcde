import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { defineFaults } from '@tarmac/faults'
import { PostgresError } from '@tarmac/postgres'
import { createStartup } from '@tarmac/startup'
import {
  createHttpServerComponent,
  createLogger,
  createServiceFaultModel,
  HttpError,
  installErrorHandler,
  installReadinessGate,
} from '../src/index.js'

const OWN_FAULTS = defineFaults('svc', {
  THREAD_NOT_FOUND: { status: 404, domain: 'application', layer: 'client', meaning: 'm', action: 'a' },
  SVC_LOGIN_FAILED: {
    status: 401,
    answersAs: 'UNAUTHORIZED',
    domain: 'application',
    layer: 'client',
    meaning: 'm',
    action: 'a',
  },
})

function buildApp() {
  const app = Fastify({ bodyLimit: 1024 })
  installErrorHandler(app, createServiceFaultModel(OWN_FAULTS))
  app.post('/echo', async (request) => ({ got: request.body }))
  app.get('/missing-thread', () => {
    throw new HttpError('THREAD_NOT_FOUND', 'no such thread')
  })
  app.get('/login', () => {
    throw Object.assign(new Error('bad token'), { code: 'SVC_LOGIN_FAILED' })
  })
  app.get('/limited', () => {
    throw new HttpError('RATE_LIMITED', 'too many attempts; retry in 7 s', { retryAfterS: 7 })
  })
  app.get('/boom', () => {
    throw new Error('secret internals at /srv/app/db.ts:42 password=hunter2')
  })
  app.get('/undeclared', () => {
    throw new HttpError('NOT_IN_ANY_CATALOG', 'whatever')
  })
  app.get('/db-down', () => {
    throw new PostgresError('PG_ERR_UNREACHABLE', 'connect ECONNREFUSED 10.0.0.7:5432 (db.internal)')
  })
  app.get('/db-down-wrapped', () => {
    throw new Error('listing threads failed', {
      cause: new PostgresError('PG_ERR_TOO_MANY_CONNECTIONS', 'sorry, too many clients already'),
    })
  })
  app.get('/health/live', () => ({ status: 'pass' }))
  return app
}

let app: ReturnType<typeof buildApp> | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('installErrorHandler', () => {
  it('answers bad input with a 4xx and a code, never a 5xx', async () => {
    app = buildApp()
    const json = { 'content-type': 'application/json' }
    const cases = [
      { payload: '{"a":', headers: json, status: 400, code: 'INVALID_JSON' },
      {
        payload: '<a/>',
        headers: { 'content-type': 'application/xml' },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        payload: JSON.stringify({ big: 'x'.repeat(2048) }),
        headers: json,
        status: 413,
        code: 'BODY_TOO_LARGE',
      },
    ]
    for (const c of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/echo',
        payload: c.payload,
        headers: c.headers,
      })
      expect(response.statusCode, c.code).toBe(c.status)
      expect(response.json(), c.code).toMatchObject({ code: c.code, message: expect.any(String) })
    }
    const notFound = await app.inject({ method: 'GET', url: '/nope?x=1' })
    expect(notFound.statusCode).toBe(404)
    expect(notFound.json()).toEqual({ code: 'NOT_FOUND', message: 'no route GET /nope' })
  })

  it('answers with the catalog entry of the thrown code: status, answersAs, Retry-After; internals hidden', async () => {
    app = buildApp()
    const missing = await app.inject({ method: 'GET', url: '/missing-thread' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ code: 'THREAD_NOT_FOUND', message: 'no such thread' })
    const login = await app.inject({ method: 'GET', url: '/login' })
    expect(login.statusCode).toBe(401)
    expect(login.json()).toEqual({ code: 'UNAUTHORIZED', message: 'bad token' })
    const limited = await app.inject({ method: 'GET', url: '/limited' })
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('7')
    const boom = await app.inject({ method: 'GET', url: '/boom' })
    expect(boom.statusCode).toBe(500)
    expect(boom.json()).toEqual({ code: 'INTERNAL', message: 'internal error' })
    expect(boom.body).not.toContain('hunter2')
    const undeclared = await app.inject({ method: 'GET', url: '/undeclared' })
    expect(undeclared.statusCode).toBe(500)
    expect(undeclared.json()).toMatchObject({ code: 'INTERNAL' })
    for (const url of ['/db-down', '/db-down-wrapped']) {
      const down = await app.inject({ method: 'GET', url })
      expect(down.statusCode, url).toBe(503)
      expect(down.json(), url).toEqual({
        code: 'DEPENDENCY_UNAVAILABLE',
        message: 'a dependency is unavailable; retry shortly',
      })
      expect(down.headers['retry-after'], url).toBe('5')
    }
  })

  it('refuses a fault model that lacks INTERNAL or a code some entry answers as', () => {
    const orphan = defineFaults('orphan', {
      ORPHAN: {
        status: 503,
        answersAs: 'NOWHERE',
        domain: 'infrastructure',
        layer: 'tcp',
        meaning: 'm',
        action: 'a',
      },
    })
    expect(() => installErrorHandler(Fastify(), createServiceFaultModel(orphan))).toThrow(/ORPHAN/)
  })
})

describe('installReadinessGate', () => {
  it('answers 503 SERVICE_STARTING except on health routes until serving, then SERVICE_STOPPING', async () => {
    app = buildApp()
    const gate = installReadinessGate(app)
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200)
    const starting = await app.inject({ method: 'GET', url: '/missing-thread' })
    expect(starting.statusCode).toBe(503)
    expect(starting.json()).toMatchObject({ code: 'SERVICE_STARTING' })
    gate.set('serving')
    expect((await app.inject({ method: 'GET', url: '/missing-thread' })).statusCode).toBe(404)
    gate.set('stopping')
    expect((await app.inject({ method: 'GET', url: '/missing-thread' })).json()).toMatchObject({
      code: 'SERVICE_STOPPING',
    })
  })
})

describe('createHttpServerComponent', () => {
  it('listens on start and closes on stop, through the startup engine', async () => {
    const server = buildApp()
    const startup = createStartup({ name: 'svc', phases: ['init'] })
    const http = startup.add(createHttpServerComponent({ app: server, port: 0, host: '127.0.0.1' }))
    await startup.run()
    const { port } = http.get()
    const response = await fetch(`http://127.0.0.1:${port}/health/live`)
    expect(response.status).toBe(200)
    await startup.shutdown()
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow()
  })
})

describe('createLogger', () => {
  it('redacts secrets and logs errors as code and message without a stack', () => {
    let output = ''
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString()
        callback()
      },
    })
    const logger = createLogger({ name: 'svc', destination })
    logger.info(
      { req: { headers: { authorization: 'Bearer abc.def' } }, body: { password: 'hunter22' } },
      'login',
    )
    logger.error(
      { err: Object.assign(new Error('connect to postgres://u:pw@db/x failed'), { code: 'X' }) },
      'oops',
    )
    expect(output).not.toContain('abc.def')
    expect(output).not.toContain('hunter22')
    expect(output).not.toContain(':pw@')
    expect(output).not.toContain('at ')
    const errorLine = JSON.parse(output.trim().split('\n')[1]!) as { err: unknown }
    expect(errorLine.err).toEqual({
      type: 'Error',
      code: 'X',
      message: 'connect to postgres://u:***@db/x failed',
    })
  })
})
