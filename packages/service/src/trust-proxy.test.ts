import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  ConfigError,
  TRUST_PROXY_MAX_HOPS,
  clientAddress,
  healthToken,
  loadConfig,
  parseTrustProxy,
  trustProxy,
} from './index.js'

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

  it('refuses CIDR lists that together trust every IPv4 or IPv6 address', () => {
    for (const value of [
      '0.0.0.0/1,128.0.0.0/1',
      '128.0.0.0/1, 0.0.0.0/2, 64.0.0.0/2, loopback',
      '0.0.0.0/128.0.0.0,128.0.0.0/1', // a netmask is a prefix too
      '::/1,8000::/1',
      '::ffff:0:0/96', // every IPv4 peer, as an IPv4-mapped range
      '::/0',
      '0.0.0.0/0',
    ]) {
      expect(() => loadConfig(schema, { TRUST_PROXY: value }), value).toThrow(ConfigError)
    }
    // Wide but not everything is allowed: one half, or every range but one address.
    expect(parseTrustProxy('0.0.0.0/1')).toEqual({ kind: 'addresses', addresses: ['0.0.0.0/1'] })
    expect(parseTrustProxy('0.0.0.0/1,128.0.0.0/2,192.0.0.0/3').kind).toBe('addresses')
    expect(parseTrustProxy('10.0.0.0/8,uniquelocal,::1').kind).toBe('addresses')
  })

  it(`refuses a hop count above ${TRUST_PROXY_MAX_HOPS}`, () => {
    expect(parseTrustProxy(String(TRUST_PROXY_MAX_HOPS))).toEqual({
      kind: 'hops',
      hops: TRUST_PROXY_MAX_HOPS,
    })
    for (const value of [String(TRUST_PROXY_MAX_HOPS + 1), '100', '4294967296']) {
      expect(() => loadConfig(schema, { TRUST_PROXY: value }), value).toThrow(/TRUST_PROXY/)
    }
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
