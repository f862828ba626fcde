import { describe, expect, it } from 'vitest'
import { domainOfAnswer } from './chat-round-trip.js'

describe('domainOfAnswer', () => {
  it('blames the infrastructure when the service says a dependency is unavailable', () => {
    expect(domainOfAnswer(503, { code: 'DEPENDENCY_UNAVAILABLE' })).toBe('infrastructure')
    expect(domainOfAnswer(500, { code: 'run.failed', message: 'x' })).toBe('unknown')
    expect(domainOfAnswer(400, { code: 'VALIDATION_FAILED' })).toBe('application')
    expect(domainOfAnswer(502, undefined)).toBe('unknown')
  })
})
