import { describe, expect, it } from 'vitest'
import { simulateStorm, type InstanceModel, type StormModelOptions } from './storm-model.js'

const noCpu: InstanceModel = {
  cpuBeforeConnectMs: 0,
  cpuWhileConnectingMs: 0,
  cpuAfterConnectMs: 0,
  connections: 1,
  attemptTimeoutMs: 60_000,
  retry: null,
}
const fixed = (ms: number) => ({ minMs: ms, maxMs: ms })
const storm = (overrides: Partial<StormModelOptions>): StormModelOptions => ({
  instances: 10,
  connector: { establishDelayMs: fixed(1_000), capacity: 2, scaleUp: null },
  slotsForFleet: 100,
  instance: noCpu,
  cores: Number.POSITIVE_INFINITY,
  random: () => 0.5,
  ...overrides,
})

describe('simulateStorm', () => {
  it('admits a fleet through the connector in waves of its capacity', () => {
    const p = simulateStorm(storm({}))
    expect(p).toMatchObject({ ready: 10, p50ReadyMs: 3_000, maxReadyMs: 5_000, refused: 0, exited: 0 })
    expect(p.establishmentsPerInstance).toBe(1)
  })

  it('scales the connector up once, afterMs after the first connection queued', () => {
    const p = simulateStorm(
      storm({
        instances: 12,
        connector: {
          establishDelayMs: fixed(1_000),
          capacity: 1,
          scaleUp: { toCapacity: 10, afterMs: 1_500 },
        },
      }),
    )
    // 1 s: the first; 2 s: the second (granted at 1 s); scale-up at 1.5 s lets 9 more in, done at 2.5 s;
    // the last starts at 2 s when the second's slot frees, done at 3 s.
    expect(p.ready).toBe(12)
    expect(p.maxReadyMs).toBe(3_000)
  })

  it('counts 53300 refusals beyond the slots; without retry the refused instances exit', () => {
    const p = simulateStorm(storm({ slotsForFleet: 5 }))
    expect(p).toMatchObject({ ready: 5, refused: 5, exited: 5, peakServerConnections: 5 })
  })

  it('keeps retrying refused instances until their deadline while the ready ones hold their slots', () => {
    const p = simulateStorm(
      storm({
        slotsForFleet: 5,
        instance: { ...noCpu, retry: { baseMs: 250, capMs: 2_000, deadlineMs: 20_000 } },
      }),
    )
    expect(p.ready).toBe(5)
    expect(p.exited).toBe(5)
    expect(p.refused).toBeGreaterThan(5)
    expect(p.establishmentsPerInstance).toBeGreaterThan(1)
  })

  it('cuts an attempt at its timeout, queued or establishing', () => {
    const p = simulateStorm(
      storm({
        instances: 5,
        connector: { establishDelayMs: fixed(1_000), capacity: 1, scaleUp: null },
        instance: { ...noCpu, attemptTimeoutMs: 2_500 },
      }),
    )
    // Ready at 1 s and 2 s; the third is still establishing at 2.5 s, the rest still queued.
    expect(p).toMatchObject({ ready: 2, timedOut: 3, exited: 3, maxReadyMs: 2_000 })
  })

  it('shares the cores among the instances that are working', () => {
    const p = simulateStorm(
      storm({
        instances: 4,
        connector: { establishDelayMs: fixed(0), capacity: Number.POSITIVE_INFINITY, scaleUp: null },
        instance: { ...noCpu, cpuWhileConnectingMs: 100 },
        cores: 2,
      }),
    )
    expect(p.ready).toBe(4)
    expect(p.maxReadyMs).toBeCloseTo(200, 6)
  })

  it('needs every connection of a warmed pool; one refusal fails the instance', () => {
    const p = simulateStorm(
      storm({ instances: 4, slotsForFleet: 12, instance: { ...noCpu, connections: 5 } }),
    )
    // 20 connections into 12 slots: two instances fill 10; the rest are refused once a slot runs out.
    expect(p.ready).toBe(2)
    expect(p.refused).toBeGreaterThan(0)
  })

  it('is repeatable for the same random source', () => {
    let seed = 7
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646
    const options = storm({
      connector: { establishDelayMs: { minMs: 500, maxMs: 3_000 }, capacity: 2, scaleUp: null },
    })
    seed = 7
    const a = simulateStorm({ ...options, random })
    seed = 7
    const b = simulateStorm({ ...options, random })
    expect(a).toEqual(b)
  })
})
