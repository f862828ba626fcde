import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Scheduler, type DispatchInfo, type ScheduledTarget } from './scheduler.js'

const targets = (count: number, intervalMs = 1_000, timeoutMs = 500): ScheduledTarget[] =>
  Array.from({ length: count }, (_, i) => ({ id: `t${i}`, intervalMs, timeoutMs }))

describe('Scheduler (fake clock)', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }))
  afterEach(() => vi.useRealTimers())

  it('runs every target once per interval at fixed-rate due times, spread over the interval', async () => {
    const started: Array<[string, number]> = []
    const scheduler = new Scheduler({
      targets: targets(4),
      concurrency: 10,
      lagBoundMs: 50,
      now: () => Date.now(),
      run: async (target, info) => void started.push([target.id, info.dueAtMs]),
      onResult: () => {},
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(2_999)
    await scheduler.stop()
    expect(started.filter(([id]) => id === 't1').map(([, due]) => due)).toEqual([250, 1_250, 2_250])
    expect(started).toHaveLength(12)
    expect(scheduler.stats()).toMatchObject({ dispatched: 12, missedDeadlines: 0, untrusted: 0, lagMaxMs: 0 })
  })

  it('bounds concurrency: checks wait for a slot, and a late start is a missed deadline and untrusted', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const trusted: boolean[] = []
    const scheduler = new Scheduler({
      targets: targets(3, 1_000, 1_000).map((t) => ({ ...t, intervalMs: 10_000 })),
      concurrency: 1,
      lagBoundMs: 100,
      now: () => Date.now(),
      run: async () => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 4_000))
        inFlight--
      },
      onResult: (_t, _r, info) => trusted.push(info.trusted),
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(9_000)
    const stopped = scheduler.stop()
    await vi.advanceTimersByTimeAsync(4_000)
    await stopped
    expect(maxInFlight).toBe(1)
    // t0 due 0 starts at 0; t1 due 3 333 waits until 4 000; t2 due 6 667 waits until 8 000.
    expect(trusted).toEqual([true, false, false])
    expect(scheduler.stats().missedDeadlines).toBe(2)
    expect(scheduler.stats().lagMaxMs).toBeGreaterThan(600)
  })

  it('skips a check whose previous run is still going, instead of doubling it', async () => {
    const runs: DispatchInfo[] = []
    const scheduler = new Scheduler({
      targets: [{ id: 'slow', intervalMs: 1_000, timeoutMs: 1_000 }],
      concurrency: 10,
      lagBoundMs: 100,
      now: () => Date.now(),
      run: async (_t, info) => {
        runs.push(info)
        await new Promise((resolve) => setTimeout(resolve, 2_500))
      },
      onResult: () => {},
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(5_500)
    await scheduler.stop()
    expect(runs.map((r) => r.dueAtMs)).toEqual([0, 3_000])
    expect(scheduler.stats().skippedOverlaps).toBe(4)
    expect(runs[0]!.deadlineMs).toBe(1_000)
  })

  it('flags a result untrusted when the monitor stalled while it was measured', async () => {
    const trusted: boolean[] = []
    let clockMs = 0
    const scheduler = new Scheduler({
      targets: [{ id: 'a', intervalMs: 1_000, timeoutMs: 900 }],
      concurrency: 1,
      lagBoundMs: 100,
      now: () => clockMs,
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300))
      },
      onResult: (_t, _r, info) => trusted.push(info.trusted),
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(100)
    clockMs = 100
    // The heartbeat expected to run at 200 runs at 700: the event loop was blocked for 500 ms.
    clockMs = 700
    await vi.advanceTimersByTimeAsync(200)
    await scheduler.stop()
    expect(trusted).toEqual([false])
  })

  it('with batchMs, wakes at most once per batch and starts every check due by then', async () => {
    const startTimes = new Set<number>()
    const scheduler = new Scheduler({
      targets: targets(1_000),
      concurrency: 1_000,
      lagBoundMs: 250,
      batchMs: 10,
      now: () => Date.now(),
      run: async (_target, info) => void startTimes.add(info.startedAtMs),
      onResult: () => {},
    })
    scheduler.start()
    await vi.advanceTimersByTimeAsync(1_999)
    await scheduler.stop()
    // Due every 1 ms: without batching each due time is a wake-up of its own (2,000 start times). The last
    // batch (due 1 990–1 999) waits for the wake-up at 2 000, after the clock stopped.
    expect(scheduler.stats().missedDeadlines).toBe(0)
    expect(scheduler.stats().dispatched).toBeGreaterThanOrEqual(1_990)
    expect(startTimes.size).toBeLessThanOrEqual(201)
    expect(scheduler.stats().lagMaxMs).toBeLessThanOrEqual(10)
  })
})
