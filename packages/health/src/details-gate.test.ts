import { describe, expect, it } from 'vitest'
import { createDetailsGate, hostNameOf, isLoopbackAddress, isLoopbackHost } from './details-gate.js'

describe('details gate', () => {
  it('with a token: only the exact bearer token', () => {
    const gate = createDetailsGate('s3cret')
    const at = (authorization?: string) =>
      gate({ headers: authorization === undefined ? {} : { authorization }, remoteAddress: '127.0.0.1' })
    expect(at('Bearer s3cret')).toBe(true)
    expect(at('Bearer s3cre')).toBe(false)
    expect(at('Bearer s3cret2')).toBe(false)
    expect(at('Basic s3cret')).toBe(false)
    expect(at()).toBe(false) // loopback is not enough once a token is configured
  })

  it('without a token: loopback only, and not when a proxy forwarded the request', () => {
    const gate = createDetailsGate(undefined)
    expect(gate({ headers: {}, remoteAddress: '127.0.0.1' })).toBe(true)
    expect(gate({ headers: {}, remoteAddress: '::1' })).toBe(true)
    expect(gate({ headers: {}, remoteAddress: '::ffff:127.0.0.1' })).toBe(true)
    expect(gate({ headers: {}, remoteAddress: '10.0.0.7' })).toBe(false)
    expect(gate({ headers: { 'x-forwarded-for': '203.0.113.9' }, remoteAddress: '127.0.0.1' })).toBe(false)
    expect(gate({ headers: {}, remoteAddress: undefined })).toBe(false)
  })

  it('knows loopback addresses', () => {
    expect(isLoopbackAddress('127.8.9.10')).toBe(true)
    expect(isLoopbackAddress('128.0.0.1')).toBe(false)
    expect(isLoopbackAddress('::2')).toBe(false)
  })

  it('without a token: a loopback caller whose Host is not a loopback name is refused (DNS rebinding)', () => {
    const gate = createDetailsGate(undefined)
    const at = (host: string) => gate({ headers: { host }, remoteAddress: '127.0.0.1' })
    for (const host of [
      'localhost',
      'localhost:3000',
      'LOCALHOST.:80',
      'app.localhost:5173',
      '127.0.0.1:8000',
      '[::1]:8001',
    ])
      expect(at(host), host).toBe(true)
    for (const host of [
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '10.0.0.7',
      '',
    ])
      expect(at(host), host).toBe(false)
    const allowing = createDetailsGate(undefined, { allowedHosts: ['Dev-Box'] })
    expect(allowing({ headers: { host: 'dev-box:3000' }, remoteAddress: '127.0.0.1' })).toBe(true)
    expect(allowing({ headers: { host: 'dev-box:3000' }, remoteAddress: '10.0.0.7' })).toBe(false)
  })

  it('reads host names out of Host headers', () => {
    expect(hostNameOf('Example.COM:8080')).toBe('example.com')
    expect(hostNameOf('[::1]:3000')).toBe('[::1]')
    expect(isLoopbackHost(undefined)).toBe(true)
  })
})
