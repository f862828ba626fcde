import { describe, expect, it } from 'vitest'
import { SampleWindow, percentileOf } from './sample-window.js'

describe('SampleWindow', () => {
  it('gives null percentiles while empty', () => {
    const window = new SampleWindow(4)
    expect(window.count).toBe(0)
    expect(window.percentile(50)).toBeNull()
    expect(window.percentiles([50, 95])).toEqual([null, null])
    expect(window.values()).toEqual([])
  })

  it('gives nearest-rank percentiles on the 0–100 scale', () => {
    const window = new SampleWindow(100)
    for (let i = 100; i >= 1; i--) window.add(i)
    expect(window.percentiles([0, 1, 50, 95, 99, 100])).toEqual([1, 1, 50, 95, 99, 100])
    const small = new SampleWindow(8)
    for (const value of [0, 0, 300, 300, 600, 600]) small.add(value)
    expect(small.percentiles([50, 95])).toEqual([300, 600])
  })

  it('keeps only the most recent samples once it wraps around', () => {
    const window = new SampleWindow(3)
    for (const value of [1000, 1000, 1000, 1, 2]) window.add(value)
    expect(window.count).toBe(3)
    expect(window.values()).toEqual([1000, 1, 2])
    window.add(3)
    expect(window.values()).toEqual([1, 2, 3])
    expect(window.percentile(100)).toBe(3)
    expect(window.percentile(50)).toBe(2)
  })

  it('rejects a capacity below 1 and a percentile outside 0–100', () => {
    expect(() => new SampleWindow(0)).toThrow(RangeError)
    expect(() => new SampleWindow(1.5)).toThrow(RangeError)
    const window = new SampleWindow(2)
    window.add(1)
    expect(() => window.percentile(0.95 * 1000)).toThrow(RangeError)
    expect(() => window.percentile(Number.NaN)).toThrow(RangeError)
  })
})

describe('percentileOf', () => {
  it('sorts numerically, not as strings, and gives null for no values', () => {
    expect(percentileOf([10, 9, 100, 2], 50)).toBe(9)
    expect(percentileOf([1, 2, 3, 4], 50)).toBe(2)
    expect(percentileOf([], 50)).toBeNull()
  })
})
