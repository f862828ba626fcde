import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces reservations at the rate', () => {
    let nowMs = 0
    const bucket = new TokenBucket({ perSecond: 1000, burst: 100, nowMs: () => nowMs })
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(100)).toBe(100)
    expect(bucket.reserve(100)).toBe(200)
    nowMs = 200
    expect(bucket.reserve(50)).toBe(50)
  })

  it('refills no further than the burst', () => {
    let nowMs = 0
    const bucket = new TokenBucket({ burst: 100, perSecond: 1000, nowMs: () => nowMs })
    nowMs = 60_000
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(10)).toBe(10)
  })

  it('allows a burst of takes, refuses beyond it, and refills at its rate', () => {
    let nowMs = 0
    const bucket = new TokenBucket({ burst: 3, perSecond: 2, nowMs: () => nowMs })
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
    nowMs = 499
    expect(bucket.take()).toBe(false)
    nowMs = 500
    expect(bucket.take()).toBe(true)
    nowMs = 10_000
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
  })

  it('keeps burst and rate apart whatever order the options are written in', () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 5, nowMs: () => 0 })
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([true, true, true, true, true, false])
  })
})
