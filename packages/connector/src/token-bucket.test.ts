import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces at the rate', () => {
    let nowMs = 0
    const bucket = new TokenBucket(1000, 100, () => nowMs)
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(100)).toBe(100)
    expect(bucket.reserve(100)).toBe(200)
    nowMs = 200
    expect(bucket.reserve(50)).toBe(50)
  })

  it('refills no further than the burst', () => {
    let nowMs = 0
    const bucket = new TokenBucket(1000, 100, () => nowMs)
    nowMs = 60_000
    expect(bucket.reserve(100)).toBe(0)
    expect(bucket.reserve(10)).toBe(10)
  })
})
