import { describe, expect, it } from 'vitest'
import { errorCodeOf, safeMessageOf, StartupError } from './errors.js'

describe('errors', () => {
  it('keeps the cause', () => {
    const cause = new Error('root')
    expect(new StartupError('STARTUP_ERR_CRITICAL_FAILED', 'x', { cause }).cause).toBe(cause)
  })

  it('takes a string code, else the error name', () => {
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED')
    expect(errorCodeOf(new TypeError('x'))).toBe('TypeError')
    expect(errorCodeOf(new Error('x'))).toBe('ERROR')
    expect(errorCodeOf('a string')).toBe('UNKNOWN')
  })

  it('makes messages one line, bounded, with URL passwords redacted', () => {
    const message = safeMessageOf(new Error('connect to postgres://app:s3cret@db:5432/chat\n  failed'))
    expect(message).toBe('connect to postgres://app:***@db:5432/chat failed')
    expect(safeMessageOf(new Error('x'.repeat(1000)))).toHaveLength(300)
  })
})
