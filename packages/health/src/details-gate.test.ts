import { describe, expect, it } from 'vitest'
import { createDetailsGate, isLoopbackAddress } from './details-gate.js'

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
})
