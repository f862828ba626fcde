import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, clientAddress, healthToken, loadConfig, parseTrustProxy, trustProxy } from './index.js'

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage

describe('TRUST_PROXY', () => {
  const schema = z.object({ TRUST_PROXY: trustProxy })

  it('trusts only a proxy on this host by default', () => {
    const { TRUST_PROXY } = loadConfig(schema, {})
    expect(TRUST_PROXY).toEqual({ kind: 'addresses', addresses: ['loopback'] })
    // A client that reaches the service directly cannot choose its address by sending x-forwarded-for.
    expect(clientAddress(request('203.0.113.9', '10.9.9.9'), TRUST_PROXY)).toBe('203.0.113.9')
    // A proxy on loopback (the local frontend) is believed.
    expect(clientAddress(request('127.0.0.1', '198.51.100.4'), TRUST_PROXY)).toBe('198.51.100.4')
    // …for the entry it added, not for what its client claimed before it.
    expect(clientAddress(request('127.0.0.1', '10.9.9.9, 198.51.100.4'), TRUST_PROXY)).toBe('198.51.100.4')
  })

  it('takes a hop count: the entry the outermost trusted proxy appended', () => {
    const trust = parseTrustProxy('1')
    expect(clientAddress(request('10.0.0.2', '6.6.6.6, 198.51.100.4'), trust)).toBe('198.51.100.4')
    expect(clientAddress(request('10.0.0.2'), trust)).toBe('10.0.0.2')
    expect(clientAddress(request('10.0.0.3', '6.6.6.6, 198.51.100.4, 10.0.0.2'), parseTrustProxy('2'))).toBe(
      '198.51.100.4',
    )
  })

  it('takes CIDRs and named ranges, and none', () => {
    const trust = parseTrustProxy('10.0.0.0/8, loopback')
    expect(clientAddress(request('10.1.2.3', '6.6.6.6, 198.51.100.4, 10.4.4.4'), trust)).toBe('198.51.100.4')
    expect(clientAddress(request('127.0.0.1', '6.6.6.6'), parseTrustProxy('none'))).toBe('127.0.0.1')
  })

  it('refuses to trust everyone, and addresses it cannot parse', () => {
    for (const value of ['true', '*', '10.0.0.0/99', 'example.com']) {
      expect(() => loadConfig(schema, { TRUST_PROXY: value }), value).toThrow(ConfigError)
    }
  })
})

describe('HEALTH_TOKEN', () => {
  it('needs at least 16 characters', () => {
    const schema = z.object({ HEALTH_TOKEN: healthToken })
    expect(() => loadConfig(schema, { HEALTH_TOKEN: 'x' })).toThrow(ConfigError)
    expect(loadConfig(schema, { HEALTH_TOKEN: 'a'.repeat(16) }).HEALTH_TOKEN).toBe('a'.repeat(16))
    expect(loadConfig(schema, {}).HEALTH_TOKEN).toBeUndefined()
  })
})
