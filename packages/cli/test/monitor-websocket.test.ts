import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getFreePort } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { parseConfig } from '../src/config/load-config.js'
import { runCheck } from '../src/monitor/run-check.js'
import { targetsOf, type MonitorTarget } from '../src/monitor/monitor-targets.js'
import { TokenSource } from '../src/monitor/token-source.js'

// A stand-in auth service and backend on real sockets, speaking the real protocol: /auth/signup and /auth/login
// give a token, /ws accepts `bearer.<token>` with `auth.ok` or closes 4401. The real ones are checked in
// stack.test.ts; this one lets the test revoke tokens and refuse upgrades at will.
let server: Server
let base: string
const valid = new Set<string>()
const hits = { signup: 0, login: 0, upgrades: 0 }
let upgradeAnswer: { status: number; body: unknown } | null = null
let issued = 0

beforeAll(async () => {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (p) => (p.has('tarmac.v1') ? 'tarmac.v1' : false),
  })
  server = createServer((request, response) => {
    const path = request.url ?? '/'
    if (path === '/auth/signup' || path === '/auth/login') {
      hits[path === '/auth/signup' ? 'signup' : 'login']++
      const token = `header.${Buffer.from(JSON.stringify({ n: ++issued })).toString('base64url')}.sig`
      valid.add(token)
      response.writeHead(path === '/auth/signup' ? 201 : 200, { 'content-type': 'application/json' })
      return response.end(JSON.stringify({ accessToken: token, refreshToken: 'r', expiresIn: 900 }))
    }
    response.writeHead(404).end()
  })
  server.on('upgrade', (request, socket, head) => {
    hits.upgrades++
    if (upgradeAnswer) {
      const body = JSON.stringify(upgradeAnswer.body)
      socket.end(
        `HTTP/1.1 ${upgradeAnswer.status} Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const bearer = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .find((p) => p.startsWith('bearer.'))
        ?.slice(7)
      if (bearer && valid.has(bearer)) ws.send(JSON.stringify({ type: 'auth.ok', userId: 'u1' }))
      else {
        ws.send(
          JSON.stringify({ type: 'error', code: 'AUTH_FAILED', message: 'invalid or expired access token' }),
        )
        ws.close(4401, 'invalid token')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const check = (target: MonitorTarget) =>
  runCheck(target, { lagMs: 0, dueAtMs: 0, startedAtMs: performance.now(), deadlineMs: 2_000 })

describe('the monitor WebSocket check (connect and authenticate)', () => {
  it('is a default target of every service with an authService, and authenticates once per token lifetime', async () => {
    const config = parseConfig(
      `services:\n  backend: { url: '${base}', authService: auth }\n  auth: { url: '${base}' }\n`,
    )
    const targets = targetsOf(config)
    expect(targets.map((t) => t.id)).toEqual([
      'backend live',
      'backend ready',
      'backend startup',
      'backend infrastructure',
      'backend websocket',
      'auth live',
      'auth ready',
      'auth startup',
      'auth infrastructure',
    ])
    const websocket = targets.find((t) => t.kind === 'websocket')!
    expect(websocket.url).toBe(`${base.replace('http', 'ws')}/ws`)
    const before = { ...hits }
    const results = []
    for (let i = 0; i < 5; i++) results.push(await check(websocket))
    expect(results.map((r) => r.state)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
    expect(results[0]!.phases).toHaveProperty('token')
    expect(results[1]!.phases).not.toHaveProperty('token')
    expect(results[1]!.phases).toMatchObject({ connect: expect.any(Number), auth: expect.any(Number) })
    expect(hits.signup - before.signup).toBe(1)
    expect(hits.login - before.login).toBe(0)
    expect(hits.upgrades - before.upgrades).toBe(5)
    expect(websocket.tokens!.authentications).toBe(1)

    // The backend stops accepting the token (keys rotated, user gone): 4401, judged, then one new login.
    valid.clear()
    const rejected = await check(websocket)
    expect(rejected).toMatchObject({
      state: 'fail',
      errorClass: 'CLI_ERR_WS_REJECTED',
      faultDomain: 'application',
      faultLayer: 'auth-service',
    })
    expect(rejected.message).toContain('4401')
    expect((await check(websocket)).state).toBe('pass')
    expect(hits.login - before.login).toBe(1)
    expect(hits.signup - before.signup).toBe(1)
  })

  it('logs the same user in again when the token is about to expire, not before', async () => {
    let nowMs = 0
    const tokens = new TokenSource(base, () => nowMs)
    const first = await tokens.token(2_000)
    expect(await tokens.token(2_000)).toBe(first)
    nowMs = 869_000 // 900 s lifetime, renewed 30 s before it ends
    expect(await tokens.token(2_000)).toBe(first)
    nowMs = 871_000
    expect(await tokens.token(2_000)).not.toBe(first)
    expect(tokens.authentications).toBe(2)
  })

  it('judges a refused upgrade by the code in its body, and a closed port as no answer', async () => {
    const config = parseConfig(
      `services:\n  backend: { url: '${base}', authService: auth }\n  auth: { url: '${base}' }\n`,
    )
    const websocket = targetsOf(config).find((t) => t.kind === 'websocket')!
    upgradeAnswer = {
      status: 503,
      body: { code: 'SERVICE_STARTING', message: 'starting', domain: 'infrastructure', layer: 'connector' },
    }
    try {
      expect(await check(websocket)).toMatchObject({
        state: 'fail',
        errorClass: 'CLI_ERR_WS_HANDSHAKE',
        code: 'SERVICE_STARTING',
        faultDomain: 'infrastructure',
        faultLayer: 'connector',
      })
    } finally {
      upgradeAnswer = null
    }
    const closed = await getFreePort()
    const gone = parseConfig(
      `services:\n  backend: { url: 'http://127.0.0.1:${closed}', authService: auth }\n  auth: { url: '${base}' }\n`,
    )
    expect(await check(targetsOf(gone).find((t) => t.kind === 'websocket')!)).toMatchObject({
      state: 'fail',
      errorClass: 'TCP_REFUSED',
      faultDomain: 'unknown',
    })
    const noAuth = parseConfig(
      `services:\n  backend: { url: '${base}', authService: auth }\n  auth: { url: 'http://127.0.0.1:${closed}' }\n`,
    )
    expect(await check(targetsOf(noAuth).find((t) => t.kind === 'websocket')!)).toMatchObject({
      state: 'fail',
      errorClass: 'TCP_REFUSED',
      faultDomain: 'unknown',
    })
  })
})
