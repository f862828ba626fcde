import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CapacityGate } from './capacity-gate.js'
import type { GateWaiter } from './capacity-gate.js'

function waiter(log: number[], id: number): GateWaiter {
  return { grant: () => log.push(id) }
}

describe('CapacityGate', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('grants up to capacity, queues the rest and hands slots out in FIFO order', () => {
    const granted: number[] = []
    const gate = new CapacityGate({ capacity: 2, maxQueue: Infinity, scaleUp: null })
    const results = [1, 2, 3, 4].map((id) => gate.enter(waiter(granted, id)))
    expect(results).toEqual(['granted', 'granted', 'queued', 'queued'])
    expect(gate.queued).toBe(2)
    gate.release()
    expect(granted).toEqual([1, 2, 3])
    gate.release()
    gate.release()
    expect(granted).toEqual([1, 2, 3, 4])
    expect(gate.peakInUse).toBe(2)
  })

  it('turns connections away beyond maxQueue', () => {
    const gate = new CapacityGate({ capacity: 1, maxQueue: 1, scaleUp: null })
    expect(gate.enter(waiter([], 1))).toBe('granted')
    expect(gate.enter(waiter([], 2))).toBe('queued')
    expect(gate.enter(waiter([], 3))).toBe('queue-full')
  })

  it('lets a queued waiter leave without ever being granted', () => {
    const granted: number[] = []
    const gate = new CapacityGate({ capacity: 1, maxQueue: Infinity, scaleUp: null })
    gate.enter(waiter(granted, 1))
    const leaver = waiter(granted, 2)
    gate.enter(leaver)
    gate.enter(waiter(granted, 3))
    expect(gate.leave(leaver)).toBe(true)
    expect(gate.leave(leaver)).toBe(false)
    gate.release()
    expect(granted).toEqual([1, 3])
  })

  it('scales up after afterMs counted from the first queued connection, stepwise, never shrinking', () => {
    const granted: number[] = []
    const gate = new CapacityGate({
      capacity: 1,
      maxQueue: Infinity,
      scaleUp: { toCapacity: 5, afterMs: 1000, stepCapacity: 2, stepEveryMs: 500 },
    })
    vi.advanceTimersByTime(5000)
    expect(gate.capacity).toBe(1)
    for (const id of [1, 2, 3, 4, 5, 6]) gate.enter(waiter(granted, id))
    vi.advanceTimersByTime(999)
    expect(gate.capacity).toBe(1)
    vi.advanceTimersByTime(1)
    expect(gate.capacity).toBe(3)
    expect(granted).toEqual([1, 2, 3])
    vi.advanceTimersByTime(500)
    expect(gate.capacity).toBe(5)
    expect(granted).toEqual([1, 2, 3, 4, 5])
    vi.advanceTimersByTime(10_000)
    expect(gate.capacity).toBe(5)
    gate.close()
  })
})
