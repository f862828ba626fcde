import { describe, expect, it } from 'vitest'
import { clientIpKeyOf } from './client-ip-key.js'

describe('clientIpKeyOf', () => {
  it('puts every address of one /64 in one bucket by default', () => {
    const keys = new Set<string>()
    for (let i = 1; i <= 40; i++) keys.add(clientIpKeyOf(`2001:db8:0:1::${i.toString(16)}`))
    keys.add(clientIpKeyOf('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'))
    expect([...keys]).toEqual(['2001:db8:0:1::/64'])
    expect(clientIpKeyOf('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64')
  })

  it('takes another prefix, to the bit', () => {
    expect(clientIpKeyOf('2001:db8:0:1ff::1', 56)).toBe('2001:db8:0:100::/56')
    expect(clientIpKeyOf('2001:db8::1', 128)).toBe('2001:db8::1/128')
    expect(clientIpKeyOf('2001:db8:abcd:1234::1', 33)).toBe('2001:db8:8000::/33')
  })

  it('keeps IPv4 addresses (mapped ones too) whole', () => {
    expect(clientIpKeyOf('198.51.100.4')).toBe('198.51.100.4')
    expect(clientIpKeyOf('::ffff:198.51.100.4')).toBe('198.51.100.4')
  })
})
