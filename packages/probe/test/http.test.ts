import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpProbe, probeHttp, ProbeError } from '@tarmac/probe'
import { createSelfSignedCert } from '@tarmac/testing'
import { startTestServer, type TestServer } from './servers.js'

const HEAD_DELAY_MS = 150
const BODY_DELAY_MS = 120

describe('probeHttp', () => {
  let server: Server | undefined
  let raw: TestServer | undefined
  afterEach(async () => {
    await raw?.close()
    raw = undefined
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()))
    server = undefined
  })

  /** Answers after HEAD_DELAY_MS, sends half the body, waits BODY_DELAY_MS, sends the rest. */
  async function listen(
    status = 200,
    make: (handler: RequestListener) => Server = (handler) => createServer(handler),
  ): Promise<{ port: number; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = []
    server = make((req, res) => {
      seen.push(req.headers)
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' })
        res.write('x'.repeat(1000))
        setTimeout(() => res.end('y'.repeat(500)), BODY_DELAY_MS)
      }, HEAD_DELAY_MS)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return { port: (server.address() as { port: number }).port, seen }
  }

  it('times ttfb and transfer against the delays the server injects', async () => {
    const { port, seen } = await listen()
    const result = await probeHttp(`http://localhost:${port}/health?x=1`, {
      headers: { 'x-probe': '1', Connection: 'keep-alive' },
    })
    expect(result.ok).toBe(true)
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp', 'ttfb', 'transfer'])
    expect(result.phases.ttfb).toBeGreaterThanOrEqual(HEAD_DELAY_MS - 5)
    expect(result.phases.transfer).toBeGreaterThanOrEqual(BODY_DELAY_MS - 5)
    expect(result.details).toMatchObject({
      status: 200,
      bodyBytes: 1500,
      httpVersion: '1.1',
      address: '127.0.0.1',
    })
    expect(seen[0]).toMatchObject({ connection: 'close', 'x-probe': '1', host: `localhost:${port}` })
    expect(result.totalMs).toBeGreaterThanOrEqual(result.phases.ttfb! + result.phases.transfer!)
  })

  it('reports HTTP_STATUS for an unexpected status, still timing every phase', async () => {
    const { port } = await listen(503)
    const result = await probeHttp(`http://127.0.0.1:${port}/`)
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({ class: 'HTTP_STATUS', phase: 'ttfb' })
    expect(result.details?.status).toBe(503)
    expect(result.phases.transfer).toBeGreaterThan(0)
  })

  it('accepts the statuses listed in expectStatus', async () => {
    const { port } = await listen(404)
    const result = await probeHttp(`http://127.0.0.1:${port}/`, { expectStatus: [200, 404] })
    expect(result.ok).toBe(true)
  })

  it('times the TLS handshake for https and reports the certificate', async () => {
    const cert = await createSelfSignedCert()
    const { port } = await listen(200, (handler) =>
      createHttpsServer({ key: cert.key, cert: cert.cert }, handler),
    )
    const result = await probeHttp(`https://localhost:${port}/`, { rejectUnauthorized: false })
    expect(result.ok).toBe(true)
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp', 'tls', 'ttfb', 'transfer'])
    expect(result.details).toMatchObject({ protocol: 'TLSv1.3', subject: 'localhost', status: 200 })
  })

  it('reports TCP_RESET when the server resets the connection', async () => {
    raw = await startTestServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
    const result = await probeHttp(`http://127.0.0.1:${raw.port}/`)
    expect(result.error).toMatchObject({ class: 'TCP_RESET', phase: 'ttfb', code: 'ECONNRESET' })
  })

  it('reports PROTOCOL_ERROR when the server does not speak HTTP', async () => {
    raw = await startTestServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n')))
    const result = await probeHttp(`http://127.0.0.1:${raw.port}/`)
    expect(result.error).toMatchObject({ class: 'PROTOCOL_ERROR', phase: 'ttfb' })
  })

  it('redacts the password in the target', async () => {
    const { port } = await listen()
    const result = await probeHttp(`http://user:hunter2@127.0.0.1:${port}/`)
    expect(result.target).not.toContain('hunter2')
  })
  it('counts a chunked body (a node server without content-length) and a body that ends at close', async () => {
    server = createServer((_req, res) => {
      res.write('a'.repeat(700))
      setTimeout(() => res.end('b'.repeat(300)), 20)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const chunked = await probeHttp(`http://127.0.0.1:${port}/`)
    expect(chunked.details).toMatchObject({ status: 200, bodyBytes: 1000 })
    raw = await startTestServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.0 200 OK\r\n\r\n' + 'z'.repeat(2345))),
    )
    const untilClose = await probeHttp(`http://127.0.0.1:${raw.port}/`)
    expect(untilClose).toMatchObject({
      ok: true,
      details: { status: 200, httpVersion: '1.0', bodyBytes: 2345 },
    })
  })

  it('reports TCP_RESET in transfer when the body is cut short of its content-length', async () => {
    raw = await startTestServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort')),
    )
    const result = await probeHttp(`http://127.0.0.1:${raw.port}/`)
    expect(result.error).toMatchObject({ class: 'TCP_RESET', phase: 'transfer', code: 'ECONNRESET' })
    expect(result.phases.ttfb).toBeGreaterThanOrEqual(0)
  })

  it('refuses a header value that would split the request, before any connection', () => {
    let thrown: unknown
    try {
      createHttpProbe('http://127.0.0.1:1/', { headers: { 'x-a': 'b\r\nx-injected: 1' } })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ProbeError)
    expect((thrown as ProbeError).code).toBe('PROBE_ERR_INVALID_OPTIONS')
  })

  it('runs a prepared probe again and again, each run with its own deadline', async () => {
    const { port, seen } = await listen()
    const probe = createHttpProbe(`http://127.0.0.1:${port}/p?q=1`, { method: 'head', timeoutMs: 5_000 })
    const first = await probe()
    const second = await probe({ timeoutMs: HEAD_DELAY_MS / 3 })
    expect(first).toMatchObject({ ok: true, details: { status: 200, bodyBytes: 0 } })
    expect(second.error).toMatchObject({ class: 'TIMEOUT', phase: 'ttfb', code: 'ETIMEDOUT' })
    expect(seen.length).toBe(2)
    expect(seen[0]).toMatchObject({ host: `127.0.0.1:${port}`, connection: 'close' })
  })
})
