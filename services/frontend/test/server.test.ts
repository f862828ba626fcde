import { getFreePort } from '@tarmac/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { parseTrustProxy } from '@tarmac/service'
import { createFrontendApp } from '../src/app.js'
import type { StatusBoard } from '../src/status-types.js'
import { createPublicDir, startUpstream } from './support.js'

const config = (backend: string, auth: string, publicDir: string) => ({
  BACKEND_URL: backend,
  AUTH_URL: auth,
  HEALTH_TOKEN: undefined,
  STATUS_TIMEOUT_MS: 2_000,
  PUBLIC_DIR: publicDir,
  NODE_ENV: 'test' as const,
})

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

/** Opens a WebSocket and resolves once it is open, or rejects with the HTTP status of a refused handshake. */
function openSocket(url: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols)
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) =>
      reject(Object.assign(new Error('refused'), { statusCode: response.statusCode })),
    )
    socket.once('error', reject)
  })
}

describe('frontend server with backend and auth up', () => {
  const site = createPublicDir()
  let backend: Awaited<ReturnType<typeof startUpstream>>
  let auth: Awaited<ReturnType<typeof startUpstream>>
  let app: FastifyInstance
  let host: string

  beforeAll(async () => {
    backend = await startUpstream()
    auth = await startUpstream({ failingDependency: true })
    app = await createFrontendApp({ config: config(backend.url, auth.url, site.dir) })
    host = await listen(app)
  })
  afterAll(async () => {
    await app?.close()
    await backend?.app.close()
    await auth?.app.close()
    site.remove()
  })

  it('serves index.html with no-cache and the security headers', async () => {
    const response = await fetch(`http://${host}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(await response.text()).toContain('<div id="root">')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain(`connect-src 'self' ws://${host}`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('serves hashed assets immutable and answers a missing asset with 404, not the page', async () => {
    const asset = await fetch(`http://${host}/assets/index-abc123.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const missing = await fetch(`http://${host}/assets/index-gone.js`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND')
  })

  it('falls back to index.html for app routes but not for reserved paths', async () => {
    const statusPage = await fetch(`http://${host}/status`)
    expect(statusPage.status).toBe(200)
    expect(await statusPage.text()).toContain('<div id="root">')
    const deep = await fetch(`http://${host}/chat/0b1c`)
    expect(deep.status).toBe(200)
    expect(deep.headers.get('cache-control')).toBe('no-cache')
    expect(await deep.text()).toContain('<div id="root">')
    const reserved = await fetch(`http://${host}/status/nothing-here`)
    expect(reserved.status).toBe(404)
    expect(((await reserved.json()) as { code: string }).code).toBe('NOT_FOUND')
  })

  it('proxies /api to the backend and /auth to auth with the headers the browser sent', async () => {
    const api = await fetch(`http://${host}/api/threads?limit=5`, {
      headers: { authorization: 'Bearer abc' },
    })
    const apiBody = (await api.json()) as { url: string; headers: Record<string, string> }
    expect(apiBody.url).toBe('/api/threads?limit=5')
    expect(apiBody.headers.authorization).toBe('Bearer abc')
    expect(apiBody.headers['x-forwarded-host']).toBe(host)
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'")
    const login = await fetch(`http://${host}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.c' }),
    })
    expect(((await login.json()) as { body: unknown }).body).toEqual({ email: 'a@b.c' })
  })

  it('exposes each service health under /status/<service>/health', async () => {
    const ready = await fetch(`http://${host}/status/backend/health/ready`)
    expect(ready.status).toBe(200)
    expect(((await ready.json()) as { serviceId: string }).serviceId).toBe('upstream')
  })

  it('tunnels /ws with every subprotocol, frames both ways and the close code', async () => {
    const socket = await openSocket(`ws://${host}/ws`, ['tarmac.v1', 'bearer.token-123'])
    expect(socket.protocol).toBe('tarmac.v1')
    expect(backend.offeredProtocols).toEqual(['tarmac.v1', 'bearer.token-123'])
    const echoed = new Promise<string>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(data.toString('utf8'))),
    )
    socket.send('{"type":"ping"}')
    expect(await echoed).toBe('{"type":"ping"}')
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
    socket.send('close-4401')
    expect(await closed).toBe(4401)
  })

  it('reports every service on /status/services with phases, checks and a fault class', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100)) // let the first background checks land
    const board = (await (await fetch(`http://${host}/status/services`)).json()) as StatusBoard
    expect(board.services.map((s) => s.name)).toEqual(['frontend', 'backend', 'auth'])
    const [frontend, up, failing] = board.services
    expect(frontend).toMatchObject({ status: expect.stringMatching(/pass|warn/), reachable: true })
    expect(up).toMatchObject({ status: 'pass', reachable: true, state: 'started', fault: null })
    expect(up!.phases.map((p) => p.name)).toEqual(['init', 'database'])
    expect(up!.checks.find((c) => c.name === 'postgres:connect')).toMatchObject({
      status: 'pass',
      observedValue: 3.2,
      observedUnit: 'ms',
    })
    expect(failing).toMatchObject({
      status: 'fail',
      reachable: true,
      fault: { domain: 'infrastructure', code: 'PG_ERR_TIMEOUT', component: 'postgres' },
    })
  })
})

describe('the public status board', () => {
  const site = createPublicDir()
  let backend: Awaited<ReturnType<typeof startUpstream>>
  let auth: Awaited<ReturnType<typeof startUpstream>>
  let app: FastifyInstance
  let host: string
  const token = 'health-token-for-the-test'

  beforeAll(async () => {
    backend = await startUpstream()
    auth = await startUpstream({ failingDependency: true })
    app = await createFrontendApp({
      config: { ...config(backend.url, auth.url, site.dir), HEALTH_TOKEN: token },
    })
    host = await listen(app)
    await new Promise((resolve) => setTimeout(resolve, 100)) // let the first background checks land
  })
  afterAll(async () => {
    await app?.close()
    await backend?.app.close()
    await auth?.app.close()
    site.remove()
  })

  // Through a reverse proxy (x-forwarded-for), as the public reaches it: not loopback, no token.
  const read = async (headers: Record<string, string>) => {
    const response = await fetch(`http://${host}/status/services`, {
      headers: { 'x-forwarded-for': '203.0.113.7', ...headers },
    })
    return { text: await response.text(), status: response.status }
  }

  it("shows an anonymous caller each service's state only", async () => {
    const { text, status } = await read({})
    expect(status).toBe(200)
    const board = JSON.parse(text) as StatusBoard
    expect(board.details).toBe(false)
    const failing = board.services.find((s) => s.name === 'auth')!
    expect(failing).toMatchObject({
      status: 'fail',
      reachable: true,
      state: 'started',
      fault: null,
      checks: [],
      phases: [],
      readyLatencyMs: null,
      startedAt: null,
      coldStarts: null,
    })
    expect(failing.timeline.changes.length).toBeGreaterThan(0)
    expect(failing.timeline.changes.every((change) => change.code === null)).toBe(true)
    for (const secret of [
      'db.internal.example',
      'llm.internal.example',
      'timed out',
      'answers from the provider',
      'PG_ERR_TIMEOUT',
      'postgres:connect',
      'pool:utilization',
      'provider:endpoint',
      backend.url,
      auth.url,
    ])
      expect(text).not.toContain(secret)
  })

  it('shows every detail to the health token holder only, not to loopback once a token is set', async () => {
    const withToken = JSON.parse((await read({ authorization: `Bearer ${token}` })).text) as StatusBoard
    expect(withToken.details).toBe(true)
    const auth = withToken.services.find((s) => s.name === 'auth')!
    expect(auth.checks.find((c) => c.name === 'postgres:connect')!.output).toContain('db.internal.example')
    expect(auth.fault!.evidence.length).toBeGreaterThan(0)
    const wrong = JSON.parse((await read({ authorization: 'Bearer not-the-token' })).text) as StatusBoard
    expect(wrong.details).toBe(false)
    const loopback = (await (await fetch(`http://${host}/status/services`)).json()) as StatusBoard
    expect(loopback.details).toBe(false)
    const loopbackWithToken = (await (
      await fetch(`http://${host}/status/services`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as StatusBoard
    expect(loopbackWithToken.details).toBe(true)
  })

  it('serves its own /metrics to the health token holder only', async () => {
    const anonymous = await fetch(`http://${host}/metrics`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED' })
    const holder = await fetch(`http://${host}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    expect(holder.status).toBe(200)
    expect(await holder.text()).toContain('tarmac_health_check_status')
  })
})

describe('without a health token', () => {
  const site = createPublicDir()
  let backend: Awaited<ReturnType<typeof startUpstream>>
  let app: FastifyInstance
  let host: string

  beforeAll(async () => {
    backend = await startUpstream()
    app = await createFrontendApp({ config: config(backend.url, backend.url, site.dir) })
    host = await listen(app)
  })
  afterAll(async () => {
    await app?.close()
    await backend?.app.close()
    site.remove()
  })

  it('shows details and metrics to a loopback caller no proxy forwarded, and to nobody else', async () => {
    const board = async (headers: Record<string, string>) =>
      ((await (await fetch(`http://${host}/status/services`, { headers })).json()) as StatusBoard).details
    expect(await board({})).toBe(true)
    expect(await board({ 'x-forwarded-for': '203.0.113.7' })).toBe(false)
    expect((await fetch(`http://${host}/metrics`)).status).toBe(200)
    expect(
      (await fetch(`http://${host}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status,
    ).toBe(401)
  })
})

describe('the client address it forwards to backend and auth', () => {
  const site = createPublicDir()
  let upstream: Awaited<ReturnType<typeof startUpstream>>
  const apps: FastifyInstance[] = []

  beforeAll(async () => {
    upstream = await startUpstream()
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    await upstream?.app.close()
    site.remove()
  })

  /** A frontend in production with `TRUST_PROXY`; the test client (on loopback) plays the public or a balancer. */
  const frontend = async (trust: string) => {
    const app = await createFrontendApp({
      config: {
        ...config(upstream.url, upstream.url, site.dir),
        NODE_ENV: 'production',
        TRUST_PROXY: parseTrustProxy(trust),
      },
    })
    apps.push(app)
    return listen(app)
  }
  const forwardedFor = async (host: string, path: string, claimed: string) => {
    const response = await fetch(`http://${host}${path}`, { headers: { 'x-forwarded-for': claimed } })
    return ((await response.json()) as { headers: Record<string, string> }).headers['x-forwarded-for']
  }
  const upgradeForwardedFor = async (host: string, claimed: string) => {
    const before = upstream.upgrades.length
    const socket = new WebSocket(`ws://${host}/ws`, ['tarmac.v1'], {
      headers: { 'x-forwarded-for': claimed },
    })
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    socket.close()
    return upstream.upgrades[before]!['x-forwarded-for']
  }

  it('reached directly (TRUST_PROXY=none): the socket peer, whatever the client claims', async () => {
    const host = await frontend('none')
    expect(await forwardedFor(host, '/auth/echo', '6.6.6.6')).toBe('127.0.0.1')
    expect(await forwardedFor(host, '/api/echo', '6.6.6.6, 7.7.7.7')).toBe('127.0.0.1')
    expect(await upgradeForwardedFor(host, '6.6.6.6')).toBe('127.0.0.1')
  })

  it('behind one balancer (TRUST_PROXY=1): the address the balancer appended, not what came before it', async () => {
    const host = await frontend('1')
    expect(await forwardedFor(host, '/auth/echo', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7')
    expect(await upgradeForwardedFor(host, '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7')
  })
})

describe('frontend server with backend and auth down', () => {
  const site = createPublicDir()
  let app: FastifyInstance
  let host: string

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`
    app = await createFrontendApp({ config: config(closed, closed, site.dir) })
    host = await listen(app)
  })
  afterAll(async () => {
    await app?.close()
    site.remove()
  })

  it('stays ready and live: its readiness depends on no other service', async () => {
    type Ready = { checks: Record<string, { status: string; code?: string }[]> }
    const backendCheck = async () => {
      const ready = await fetch(`http://${host}/health/ready`)
      expect(ready.status).toBe(200)
      return ((await ready.json()) as Ready).checks['backend:responseTime']?.[0]
    }
    // The non-critical reachability check says why, without failing readiness.
    await expect.poll(backendCheck, { timeout: 10_000 }).toMatchObject({
      status: 'fail',
      code: 'UPSTREAM_UNAVAILABLE',
      output: expect.stringContaining('TCP_REFUSED'),
    })
    expect((await fetch(`http://${host}/health/live`)).status).toBe(200)
    expect((await fetch(`http://${host}/`)).status).toBe(200)
  })

  it('answers proxied requests with UPSTREAM_UNAVAILABLE and the network class', async () => {
    const response = await fetch(`http://${host}/api/threads`)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      service: 'backend',
      errorClass: 'TCP_REFUSED',
    })
  })

  it('fails the WebSocket handshake with 503 instead of opening a dead socket', async () => {
    await expect(openSocket(`ws://${host}/ws`, ['tarmac.v1'])).rejects.toMatchObject({ statusCode: 503 })
  })

  it('shows backend and auth unreachable, cause unknown with what was seen, and since when', async () => {
    const board = (await (await fetch(`http://${host}/status/services`)).json()) as StatusBoard
    const backend = board.services.find((s) => s.name === 'backend')
    expect(board.status).toBe('fail')
    expect(backend).toMatchObject({
      status: 'fail',
      reachable: false,
      state: 'unreachable',
      fault: { domain: 'unknown', layer: 'unknown', code: 'TCP_REFUSED' },
    })
    expect(backend!.fault!.evidence).toEqual([
      expect.stringMatching(/^no HTTP answer from \/health\/ready: TCP_REFUSED/),
      'no cold start recorded for it in the last 15 minutes',
    ])
    expect(Date.parse(backend!.since)).toBeLessThanOrEqual(Date.now())
  })
})
