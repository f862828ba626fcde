import { describe, expect, it } from 'vitest'
import { LocalHitCounter } from './local-hit-counter.js'

describe('LocalHitCounter', () => {
  it('counts per key in a window that starts at the key’s first hit', () => {
    let nowMs = 1_000
    const counter = new LocalHitCounter({ nowMs: () => nowMs })
    expect(counter.hitNow('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 })
    nowMs += 59_000
    expect(counter.hitNow('a', 60_000)).toEqual({ count: 2, resetInMs: 1_000 })
    expect(counter.hitNow('b', 60_000).count).toBe(1)
    nowMs += 1_000
    expect(counter.hitNow('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 })
  })

  it('never drops a live counter to make room: 5,000 and then 100,000 junk keys leave a victim’s count alone', () => {
    let nowMs = 0
    const counter = new LocalHitCounter({ maxKeys: 1_000, nowMs: () => nowMs })
    for (let i = 0; i < 5; i++) counter.hitNow('login:account:victim@example.com', 60_000)
    for (let i = 0; i < 100_000; i++) {
      nowMs += 0.1 // 10 s in all: every counter stays live
      counter.hitNow(`login:account:junk${i}@example.com`, 60_000)
    }
    expect(counter.size).toBe(1_000) // bounded
    expect(counter.hitNow('login:account:victim@example.com', 60_000).count).toBe(6)
  })

  it('counts keys past the bound in a sketch that may count early, never late', () => {
    let nowMs = 0
    const counter = new LocalHitCounter({ maxKeys: 10, sketchColumns: 64, nowMs: () => nowMs })
    for (let i = 0; i < 10; i++) counter.hitNow(`filler${i}`, 60_000)
    const counts: number[] = []
    for (let i = 0; i < 6; i++) counts.push(counter.hitNow('overflowed', 60_000).count)
    counts.forEach((count, i) => expect(count).toBeGreaterThanOrEqual(i + 1))
    // Half a window later the previous sketch window still counts: no reset at the sketch's boundary, nor when
    // the expired fillers make room and the key gets an exact counter again.
    nowMs = 60_000 + 30_000
    expect(counter.hitNow('overflowed', 60_000).count).toBeGreaterThanOrEqual(7)
    expect(counter.hitNow('overflowed', 60_000).count).toBeGreaterThanOrEqual(8)
    // Expired exact counters make room again.
    nowMs = 200_000
    expect(counter.hitNow('new', 60_000)).toEqual({ count: 1, resetInMs: 60_000 })
  })
})
