import { describe, expect, it } from 'vitest'
import { HEALTH_FAULTS, HealthError } from './errors.js'

describe('errors', () => {
  it("keeps the cause and the code; the status is the catalog entry's", () => {
    const cause = new Error('root')
    const error = new HealthError('HEALTH_ERR_UNKNOWN_COMPONENT', 'x', { cause })
    expect(error.cause).toBe(cause)
    expect(error.code).toBe('HEALTH_ERR_UNKNOWN_COMPONENT')
    expect(HEALTH_FAULTS.specs.HEALTH_ERR_UNKNOWN_COMPONENT.status).toBe(404)
  })
})
