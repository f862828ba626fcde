import { describe, expect, it } from 'vitest'
import { backoffWindowMs, fullJitterDelayMs } from './retry-policy.js'
import { seededRandom } from '@tarmac/testing'

describe('backoffWindowMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const windows = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffWindowMs(n, 250, 10_000))
    expect(windows).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000])
  })

  it('stays at the cap for huge retry counts instead of overflowing', () => {
    expect(backoffWindowMs(5000, 250, 10_000)).toBe(10_000)
  })
})

describe('fullJitterDelayMs', () => {
  it('keeps every sleep within [0, min(cap, base·2^n)) over many seeded draws', () => {
    const random = seededRandom(42)
    for (let n = 0; n < 12; n++) {
      const window = backoffWindowMs(n, 100, 3000)
      for (let i = 0; i < 200; i++) {
        const delay = fullJitterDelayMs(n, { baseMs: 100, capMs: 3000 }, random)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(window)
      }
    }
  })

  it('uses the whole window, not just its top (jitter, not a fixed backoff)', () => {
    const random = seededRandom(7)
    const delays = Array.from({ length: 500 }, () =>
      fullJitterDelayMs(4, { baseMs: 100, capMs: 10_000 }, random),
    )
    expect(Math.min(...delays)).toBeLessThan(160)
    expect(Math.max(...delays)).toBeGreaterThan(1440)
  })

  it('maps the random source onto the window exactly', () => {
    expect(fullJitterDelayMs(2, { baseMs: 250, capMs: 10_000 }, () => 0)).toBe(0)
    expect(fullJitterDelayMs(2, { baseMs: 250, capMs: 10_000 }, () => 0.5)).toBe(500)
    expect(fullJitterDelayMs(2, { baseMs: 250, capMs: 10_000 }, () => 0.999)).toBe(999)
  })
})
