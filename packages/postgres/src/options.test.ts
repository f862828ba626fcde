import { describe, expect, it } from 'vitest'
import { isPositiveInt, isString, validateOptions } from './options.js'

describe('validateOptions', () => {
  const schema = { url: isString, max: isPositiveInt }

  it('lists every problem in one PG_ERR_INVALID_OPTIONS', () => {
    let caught: unknown
    try {
      validateOptions('pool', { max: 0, extra: 1 }, schema, ['url'])
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS', retryable: false })
    const message = (caught as Error).message
    expect(message).toContain('url is required')
    expect(message).toContain('max must be a positive integer')
    expect(message).toContain('extra is not a known option')
  })

  it('returns the options frozen', () => {
    const valid = validateOptions('pool', { url: 'postgres://x', max: 3 }, schema, ['url'])
    expect(Object.isFrozen(valid)).toBe(true)
    expect(valid.max).toBe(3)
  })

  it('rejects a non-object', () => {
    expect(() => validateOptions('pool', null as unknown as object, schema)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_INVALID_OPTIONS' }),
    )
  })
})
