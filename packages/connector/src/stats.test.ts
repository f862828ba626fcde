import { describe, expect, it } from 'vitest'
import { StatsRecorder } from './stats.js'

const gauges = { isDown: false, capacity: 1, held: 0, queued: 0, establishing: 0, open: 0 }

describe('StatsRecorder', () => {
  it('reports null percentiles before the first connection is established', () => {
    const stats = new StatsRecorder(4).snapshot(gauges, 0)
    expect(stats.queueWaitMs).toEqual({ p50: null, p95: null, samples: 0 })
    expect(stats.establishMs).toEqual({ p50: null, p95: null, samples: 0 })
  })

  it('gives nearest-rank p50 and p95 over the last window of samples', () => {
    const recorder = new StatsRecorder(3)
    for (const [queueWaitMs, establishMs] of [
      [1000, 1000],
      [0, 10],
      [300, 20],
      [600, 30],
    ] as const)
      recorder.established(queueWaitMs, establishMs)
    const stats = recorder.snapshot(gauges, 1)
    expect(stats.establishedTotal).toBe(4)
    expect(stats.queueWaitMs).toEqual({ p50: 300, p95: 600, samples: 3 })
    expect(stats.establishMs).toEqual({ p50: 20, p95: 30, samples: 3 })
  })
})
