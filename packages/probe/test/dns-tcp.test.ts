import { afterEach, describe, expect, it } from 'vitest'
import { PROBE_FAULTS, probeDns, probeTcp } from '@tarmac/probe'
import { closedPort, startFullBacklogListener, startTestServer, type TestServer } from './servers.js'

describe('probeDns', () => {
  it('times a lookup and lists the addresses', async () => {
    const result = await probeDns('localhost')
    expect(result).toMatchObject({ kind: 'dns', target: 'localhost', ok: true })
    expect(result.details?.addresses).toContain('127.0.0.1')
    expect(result.phases.dns).toBeGreaterThanOrEqual(0)
    expect(JSON.parse(JSON.stringify(result))).toEqual(result)
  })

  it('reports DNS_NOT_FOUND for a name that does not exist (.invalid is reserved, RFC 2606)', async () => {
    const result = await probeDns('nonexistent.invalid')
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({ class: 'DNS_NOT_FOUND', phase: 'dns' })
    expect(PROBE_FAULTS.specs[result.error!.class]).toMatchObject({ domain: 'infrastructure', layer: 'dns' })
  })

  it('reports DNS_TIMEOUT when the signal fires before the lookup ends (lookup itself cannot be cancelled)', async () => {
    const result = await probeDns('localhost', { signal: AbortSignal.abort() })
    expect(result.error).toMatchObject({ class: 'DNS_TIMEOUT', phase: 'dns', code: 'ABORT_ERR' })
  })
})

describe('probeTcp', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('times dns and connect, and closes the socket', async () => {
    server = await startTestServer()
    const result = await probeTcp({ host: 'localhost', port: server.port })
    expect(result).toMatchObject({ kind: 'tcp', ok: true, details: { address: '127.0.0.1' } })
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp'])
    await server.closed(1)
  })

  it('reports TCP_REFUSED on a port nothing listens on', async () => {
    const port = await closedPort()
    const result = await probeTcp({ host: '127.0.0.1', port })
    expect(result.error).toMatchObject({ class: 'TCP_REFUSED', phase: 'tcp', code: 'ECONNREFUSED' })
    expect(result.phases.dns).toBe(0)
  })

  it('reports TCP_TIMEOUT when the SYN is never answered (full accept queue)', async () => {
    const listener = await startFullBacklogListener()
    try {
      const result = await probeTcp({ host: '127.0.0.1', port: listener.port }, { timeoutMs: 400 })
      expect(result.error).toMatchObject({ class: 'TCP_TIMEOUT', phase: 'tcp', code: 'ETIMEDOUT' })
      expect(result.phases.tcp).toBeGreaterThanOrEqual(350)
    } finally {
      await listener.close()
    }
  })
})
