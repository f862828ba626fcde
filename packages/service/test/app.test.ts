import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createStartup } from '@tarmac/startup'
import {
  createHttpServerComponent,
  createLogger,
  HttpError,
  installErrorHandler,
  installReadinessGate,
} from '../src/index.js'

function buildApp() {
  const app = Fastify({ bodyLimit: 1024 })
  installErrorHandler(app)
  app.post('/echo', async (request) => ({ got: request.body }))
  app.get('/missing-thread', () => {
    throw new HttpError(404, 'THREAD_NOT_FOUND', 'no such thread')
  })
  app.get('/boom', () => {
    throw new Error('secret internals at /srv/app/db.ts:42 password=hunter2')
  })
  app.get('/db-down', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
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

  it('passes HttpError through, hides internals of unknown errors, and maps dependency errors to 503', async () => {
    app = buildApp()
    const missing = await app.inject({ method: 'GET', url: '/missing-thread' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ code: 'THREAD_NOT_FOUND', message: 'no such thread' })
    const boom = await app.inject({ method: 'GET', url: '/boom' })
    expect(boom.statusCode).toBe(500)
    expect(boom.json()).toEqual({ code: 'INTERNAL', message: 'internal error' })
    expect(boom.body).not.toContain('hunter2')
    const down = await app.inject({ method: 'GET', url: '/db-down' })
    expect(down.statusCode).toBe(503)
    expect(down.json()).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })
    expect(down.headers['retry-after']).toBe('5')
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
