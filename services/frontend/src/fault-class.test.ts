import { describe, expect, it } from 'vitest'
import { faultDomainOfCode, rootCodeOf } from './fault-class.js'

describe('fault class', () => {
  it('uses @tarmac/probe for network classes', () => {
    expect(faultDomainOfCode('TCP_REFUSED')).toBe('infrastructure')
    expect(faultDomainOfCode('PG_AUTH_FAILED')).toBe('application')
    expect(faultDomainOfCode('PROTOCOL_ERROR')).toBe('unknown')
  })

  it('splits @tarmac/postgres codes between infrastructure and application', () => {
    expect(faultDomainOfCode('PG_ERR_TIMEOUT')).toBe('infrastructure')
    expect(faultDomainOfCode('PG_ERR_TOO_MANY_CONNECTIONS')).toBe('infrastructure')
    expect(faultDomainOfCode('PG_ERR_AUTH_FAILED')).toBe('application')
    expect(faultDomainOfCode('PG_ERR_MIGRATION_FAILED')).toBe('application')
  })

  it('counts a bare startup timeout as infrastructure and anything unknown as unknown', () => {
    expect(faultDomainOfCode('STARTUP_ERR_ATTEMPT_TIMEOUT')).toBe('infrastructure')
    expect(faultDomainOfCode('STARTUP_ERR_CRITICAL_FAILED')).toBe('unknown')
    expect(faultDomainOfCode('SOMETHING_ELSE')).toBe('unknown')
    expect(faultDomainOfCode(undefined)).toBe('unknown')
  })

  it('prefers the real cause over a timeout wrapper', () => {
    expect(rootCodeOf(['STARTUP_ERR_ATTEMPT_TIMEOUT', 'PG_ERR_AUTH_FAILED'])).toBe('PG_ERR_AUTH_FAILED')
    expect(rootCodeOf([undefined, 'STARTUP_ERR_DEADLINE_EXCEEDED'])).toBe('STARTUP_ERR_DEADLINE_EXCEEDED')
    expect(rootCodeOf([])).toBeUndefined()
  })
})
