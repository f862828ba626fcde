import { describe, expect, it } from 'vitest'
import { LagRecorder } from './lag-recorder.js'

describe('LagRecorder', () => {
  it('reads 0 for its percentiles before the first sample', () => {
    const lag = new LagRecorder(100, 4)
    expect(lag.count).toBe(0)
    expect(lag.percentileMs(99)).toBe(0)
  })

  it('keeps the last samples only, and the largest ever seen', () => {
    const lag = new LagRecorder(100, 3)
    expect(lag.record(500, 1)).toBe(true)
    for (const [lagMs, atMs] of [
      [1, 2],
      [2, 3],
      [3, 4],
    ] as const)
      expect(lag.record(lagMs, atMs)).toBe(false)
    expect(lag.count).toBe(3)
    expect(lag.percentileMs(100)).toBe(3)
    expect(lag.percentileMs(50)).toBe(2)
    expect(lag.maxMs).toBe(500)
    expect(lag.lateSince(1)).toBe(true)
    expect(lag.lateSince(2)).toBe(false)
  })
})
