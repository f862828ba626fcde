import { describe, expect, it } from 'vitest'
import { HealthError } from './errors.js'

describe('errors', () => {
  it('keeps the cause and the status code', () => {
    const cause = new Error('root')
    const error = new HealthError('HEALTH_ERR_UNKNOWN_COMPONENT', 'x', { cause, statusCode: 404 })
    expect(error.cause).toBe(cause)
    expect(error.statusCode).toBe(404)
    expect(error.code).toBe('HEALTH_ERR_UNKNOWN_COMPONENT')
  })
})
