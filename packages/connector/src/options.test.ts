import { describe, expect, it } from 'vitest'
import { ConnectorError } from './errors.js'
import { CONNECTOR_DEFAULTS, resolveConnectorOptions, sampleDelayMs } from './options.js'
import type { ConnectorOptions } from './options.js'

const upstream = { host: '127.0.0.1', port: 5432 }

function problemsOf(options: unknown): string {
  try {
    resolveConnectorOptions(options as ConnectorOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError)
    expect((error as ConnectorError).code).toBe('CONNECTOR_ERR_INVALID_OPTIONS')
    return (error as ConnectorError).message
  }
  throw new Error('expected the options to be rejected')
}

describe('resolveConnectorOptions', () => {
  it('fills in the defaults and freezes the result', () => {
    const options = resolveConnectorOptions({ upstream })
    expect(options).toMatchObject({
      upstream,
      establishDelayMs: { minMs: 0, maxMs: 0 },
      capacity: CONNECTOR_DEFAULTS.capacity,
      maxQueue: Infinity,
      scaleUp: null,
      bandwidthBytesPerSecond: Infinity,
      refuseRatio: 0,
      resetRatio: 0,
      upstreamTimeoutMs: 10_000,
    })
    expect(Object.isFrozen(options)).toBe(true)
    expect(Object.isFrozen(options.upstream)).toBe(true)
  })

  it('lists every problem in one error', () => {
    const message = problemsOf({
      upstream: { host: '', port: 70000 },
      establishDelayMs: { minMs: 500, maxMs: 100 },
      capacity: 0,
      refuseRatio: 2,
      bandwidthBytesPerSecond: -1,
      scaleUp: { toCapacity: 1, afterMs: -5 },
    })
    expect(message.split('\n- ').length).toBeGreaterThan(7)
    for (const name of [
      'upstream.host',
      'upstream.port',
      'establishDelayMs.minMs',
      'capacity',
      'refuseRatio',
    ]) {
      expect(message).toContain(name)
    }
    expect(message).toContain('bandwidthBytesPerSecond')
    expect(message).toContain('scaleUp.afterMs')
  })

  it('names each option, its problem, the allowed range and the value', () => {
    const message = problemsOf({ upstream: { host: 'db', port: 70000 }, capacity: 1.5, resetRatio: -0.5 })
    expect(message).toContain('upstream.port must be an integer from 1 to 65535 (got 70000)')
    expect(message).toContain('capacity must be an integer ≥ 1, or Infinity (got 1.5)')
    expect(message).toContain('resetRatio must be a number from 0 to 1 (got -0.5)')
  })

  it('accepts Infinity where it means "no limit"', () => {
    const options = resolveConnectorOptions({ upstream, capacity: Infinity, maxQueue: Infinity })
    expect(options.capacity).toBe(Infinity)
    expect(problemsOf({ upstream, establishDelayMs: Infinity })).toContain('establishDelayMs')
  })

  it('rejects a non-object and a missing upstream', () => {
    expect(problemsOf(null)).toContain('must be an object')
    expect(problemsOf({})).toContain('upstream must be an object { host, port }')
  })

  it('rejects unknown keys, nested ones included', () => {
    const message = problemsOf({ upstream: { ...upstream, tls: true }, delayMs: 5 })
    expect(message).toContain('"delayMs"')
    expect(message).toContain('"tls"')
  })

  it('rejects a scale-up that would shrink capacity', () => {
    expect(problemsOf({ upstream, capacity: 4, scaleUp: { toCapacity: 2, afterMs: 0 } })).toContain(
      'toCapacity',
    )
  })

  it('derives the burst from the bandwidth and fills in scale-up steps', () => {
    const options = resolveConnectorOptions({
      upstream,
      bandwidthBytesPerSecond: 50 * 1024,
      capacity: 1,
      scaleUp: { toCapacity: 4, afterMs: 1000 },
    })
    expect(options.bandwidthBurstBytes).toBe(5120)
    expect(options.scaleUp).toEqual({ toCapacity: 4, afterMs: 1000, stepCapacity: 4, stepEveryMs: 0 })
  })
})

describe('sampleDelayMs', () => {
  it('draws uniformly between the bounds and draws nothing for a fixed delay', () => {
    expect(sampleDelayMs({ minMs: 100, maxMs: 300 }, () => 0.25)).toBe(150)
    expect(
      sampleDelayMs({ minMs: 7, maxMs: 7 }, () => {
        throw new Error('no draw expected')
      }),
    ).toBe(7)
  })
})
