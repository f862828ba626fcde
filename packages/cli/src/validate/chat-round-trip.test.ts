import { describe, expect, it } from 'vitest'
import { judgeAnswer } from './chat-round-trip.js'

describe('judgeAnswer', () => {
  it('judges the code in the body with the fault model, trusting a service annotation', () => {
    expect(judgeAnswer(503, { code: 'DEPENDENCY_UNAVAILABLE' })).toEqual({
      domain: 'infrastructure',
      layer: 'unknown',
    })
    expect(judgeAnswer(400, { code: 'VALIDATION_FAILED' })).toEqual({
      domain: 'application',
      layer: 'client',
    })
    expect(
      judgeAnswer(500, { code: 'PROVIDER_TIMEOUT', domain: 'infrastructure', layer: 'provider' }),
    ).toEqual({
      domain: 'infrastructure',
      layer: 'provider',
    })
  })

  it('says unknown for a 5xx it cannot place, rather than blaming anyone', () => {
    expect(judgeAnswer(502, undefined)).toEqual({ domain: 'unknown', layer: 'unknown' })
    expect(judgeAnswer(500, { code: 'SOMETHING_NOBODY_DECLARED' })).toEqual({
      domain: 'unknown',
      layer: 'unknown',
    })
    expect(judgeAnswer(404, {})).toEqual({ domain: 'application', layer: 'client' })
  })
})
