import { describe, expect, it } from 'vitest'
import { SampleWindow } from './sample-window.js'

describe('SampleWindow', () => {
  it('reports null percentiles while empty', () => {
    expect(new SampleWindow().percentiles()).toEqual({ p50: null, p95: null, samples: 0 })
  })

  it('computes nearest-rank percentiles', () => {
    const window = new SampleWindow()
    for (const value of [0, 0, 300, 300, 600, 600]) window.add(value)
    expect(window.percentiles()).toEqual({ p50: 300, p95: 600, samples: 6 })
  })

  it('keeps only the most recent samples', () => {
    const window = new SampleWindow(3)
    for (const value of [1000, 1000, 1000, 1, 2, 3]) window.add(value)
    expect(window.percentiles()).toEqual({ p50: 2, p95: 3, samples: 3 })
  })
})
