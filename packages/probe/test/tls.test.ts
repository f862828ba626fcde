import { createServer, type Server } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { probeTls } from '@tarmac/probe'
import { createSelfSignedCert, type SelfSignedCert } from '@tarmac/testing'
import { startTestServer, type TestServer } from './servers.js'

describe('probeTls', () => {
  let cert: SelfSignedCert
  let tlsServer: Server
  let tlsPort: number
  let plain: TestServer | undefined

  beforeAll(async () => {
    cert = await createSelfSignedCert({ days: 30 })
    tlsServer = createServer({ key: cert.key, cert: cert.cert }, (socket) => socket.end())
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve))
    tlsPort = (tlsServer.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())))
  afterEach(async () => {
    await plain?.close()
    plain = undefined
  })

  it('times the handshake and reports protocol and certificate expiry', async () => {
    const result = await probeTls({ host: 'localhost', port: tlsPort, rejectUnauthorized: false })
    expect(result.ok).toBe(true)
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp', 'tls'])
    expect(result.details).toMatchObject({ protocol: 'TLSv1.3', authorized: false, subject: 'localhost' })
    expect(result.details?.daysUntilExpiry).toBeGreaterThanOrEqual(29)
    expect(result.details?.daysUntilExpiry).toBeLessThanOrEqual(30)
    expect(Date.parse(result.details!.validTo!)).toBeGreaterThan(Date.now())
  })

  it('fails with TLS_FAILED when the chain does not verify (self-signed, default rejectUnauthorized)', async () => {
    const result = await probeTls({ host: 'localhost', port: tlsPort })
    expect(result.error).toMatchObject({
      class: 'TLS_FAILED',
      phase: 'tls',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    })
  })

  it('fails with TLS_FAILED against a plain TCP server that answers in plaintext', async () => {
    plain = await startTestServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    const result = await probeTls({ host: '127.0.0.1', port: plain.port, rejectUnauthorized: false })
    expect(result.error).toMatchObject({ class: 'TLS_FAILED', phase: 'tls' })
  })

  it('times out in phase tls against a server that never answers, and closes the socket', async () => {
    plain = await startTestServer()
    const result = await probeTls({ host: '127.0.0.1', port: plain.port }, { timeoutMs: 300 })
    expect(result.error).toMatchObject({ class: 'TIMEOUT', phase: 'tls' })
    await plain.closed(1)
  })
})
