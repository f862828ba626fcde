import { describe, expect, it } from 'vitest'
import type { CheckResult } from './check-result.js'
import { TargetWindow } from './target-window.js'

const result = (state: CheckResult['state'], latencyMs = 10, trusted = true): CheckResult => ({
  target: 't',
  at: new Date(0).toISOString(),
  state,
  latencyMs,
  lagMs: 0,
  trusted,
  ...(state === 'fail' && { errorClass: 'TCP_REFUSED', faultDomain: 'infrastructure' as const }),
})

describe('TargetWindow (m of n)', () => {
  it('is down only when m of the last n failed, whatever the order', () => {
    const window = new TargetWindow('t', 3, 5, 100)
    for (const state of ['fail', 'pass', 'fail', 'pass'] as const) window.add(result(state))
    expect(window.summary().status).toBe('up')
    window.add(result('fail'))
    expect(window.summary()).toMatchObject({ status: 'down', windowFailures: 3 })
    // Recovers once the failures fall out of the window of five.
    for (let i = 0; i < 3; i++) window.add(result('pass'))
    expect(window.summary()).toMatchObject({ status: 'up', windowFailures: 1 })
  })

  it('is down before the window fills when every result so far failed', () => {
    const window = new TargetWindow('t', 3, 5, 100)
    window.add(result('fail'))
    expect(window.summary().status).toBe('down')
    window.add(result('pass'))
    window.add(result('fail'))
    expect(window.summary().status).toBe('up')
  })

  it('keeps starting apart from down, and out of uptime', () => {
    const window = new TargetWindow('t', 1, 3, 100)
    window.add(result('starting'))
    expect(window.summary()).toMatchObject({ status: 'starting', uptimePercent: null })
    window.add(result('pass'))
    expect(window.summary()).toMatchObject({ status: 'up', uptimePercent: 100 })
  })

  it('does not count untrusted results, and computes latency percentiles and uptime', () => {
    const window = new TargetWindow('t', 1, 3, 100)
    window.add(result('fail', 5, false))
    expect(window.summary()).toMatchObject({ status: 'unknown', untrusted: 1, checks: 1 })
    for (let i = 1; i <= 20; i++) window.add(result('pass', i))
    window.add(result('fail'))
    const summary = window.summary()
    expect(summary).toMatchObject({ status: 'down', p50Ms: 10, p95Ms: 19 })
    expect(summary.uptimePercent).toBeCloseTo((100 * 20) / 21)
    expect(summary.lastError?.errorClass).toBe('TCP_REFUSED')
  })

  it('decides in status() what summary() decides, for every history of up to 7 results', () => {
    const states = ['pass', 'fail', 'starting'] as const
    let compared = 0
    for (let length = 0; length <= 7; length++) {
      for (let code = 0; code < 3 ** length; code++) {
        const window = new TargetWindow('t', 2, 4, 6)
        for (let i = 0, rest = code; i < length; i++, rest = Math.floor(rest / 3)) {
          window.add({ ...result(states[rest % 3]!), ...(i % 2 === 0 && { degraded: true }) })
        }
        const { status, degraded, windowFailures } = window.summary()
        expect(window.status()).toEqual({ status, degraded, windowFailures })
        // One sweep judges with m = 1: an up target with one failure in its window is down.
        const once = window.status(1)
        expect(once.status).toBe(status === 'up' && windowFailures >= 1 ? 'down' : status)
        compared++
      }
    }
    expect(compared).toBe((3 ** 8 - 1) / 2)
  })
})
