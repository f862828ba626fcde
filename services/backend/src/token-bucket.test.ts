import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('allows a burst, refuses beyond it, and refills at its rate', () => {
    let nowMs = 0
    const bucket = new TokenBucket(3, 2, () => nowMs)
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
    nowMs = 499
    expect(bucket.take()).toBe(false)
    nowMs = 500
    expect(bucket.take()).toBe(true)
    nowMs = 10_000
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
  })
})
