import { describe, expect, it } from 'vitest'
import { SampleWindow } from './sample-window.js'

describe('SampleWindow', () => {
  it('gives nearest-rank percentiles and 0 when empty', () => {
    const window = new SampleWindow(100)
    expect(window.percentile(50)).toBe(0)
    for (let i = 1; i <= 100; i++) window.add(i)
    expect(window.percentile(50)).toBe(50)
    expect(window.percentile(95)).toBe(95)
    expect(window.percentile(100)).toBe(100)
  })

  it('keeps only the most recent samples', () => {
    const window = new SampleWindow(3)
    for (const value of [1000, 1000, 1000, 1, 2, 3]) window.add(value)
    expect(window.count).toBe(3)
    expect(window.percentile(100)).toBe(3)
  })
})
