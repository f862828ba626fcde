import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { optionFields as f, validateOptions } from './options.js'

describe('validateOptions', () => {
  const schema = z.strictObject({ url: f.string, max: f.positiveInt.optional() })

  it('lists every problem in one PG_ERR_INVALID_OPTIONS', () => {
    let caught: unknown
    try {
      validateOptions('pool', { max: 0, extra: 1 }, schema)
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS', retryable: false })
    const message = (caught as Error).message
    expect(message).toMatch(/^pool: /)
    expect(message).toContain('url is required')
    expect(message).toContain('max must be a positive integer (got 0)')
    expect(message).toContain('options has an unknown key "extra"')
  })

  it('returns the options frozen', () => {
    const valid = validateOptions('pool', { url: 'postgres://x', max: 3 }, schema)
    expect(Object.isFrozen(valid)).toBe(true)
    expect(valid.max).toBe(3)
  })

  it('rejects a non-object', () => {
    expect(() => validateOptions('pool', null as unknown as object, schema)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_INVALID_OPTIONS' }),
    )
  })

  it('never repeats a connection string in the message', () => {
    expect(() => validateOptions('pool', { url: 'postgres://app:s3cret@db/app', max: 'x' }, schema)).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('s3cret') }),
    )
  })
})
