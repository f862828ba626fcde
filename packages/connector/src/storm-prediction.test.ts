import { describe, expect, it } from 'vitest'
import { predictStorm, seededRandom } from './storm-prediction.js'
import { tarmacInstance } from './storm-instances.js'

const connector = { establishDelayMs: { minMs: 1_000, maxMs: 3_000 }, capacity: 2, scaleUp: null }

describe('predictStorm', () => {
  it('repeats: the same options predict the same fleet', () => {
    const options = {
      instances: 30,
      connector,
      slotsForFleet: 30,
      instance: tarmacInstance(),
      cores: Infinity,
    }
    expect(predictStorm(options)).toEqual(predictStorm(options))
  })

  it('averages readiness over its runs and reports the median p95', () => {
    const p = predictStorm({
      instances: 10,
      connector,
      slotsForFleet: 8,
      instance: tarmacInstance(),
      cores: Infinity,
    })
    expect(p.readyPct).toBe(80)
    expect(p.runs).toBe(25)
    // Ten connections two at a time, 2 s on average each: about 10 s for the last one.
    expect(p.p95ReadyMs).toBeGreaterThan(5_000)
    expect(p.p95ReadyMs).toBeLessThan(15_000)
  })
})

describe('seededRandom', () => {
  it('stays in [0, 1) and repeats per seed', () => {
    const a = seededRandom(3)
    const b = seededRandom(3)
    const draws = Array.from({ length: 1_000 }, () => a())
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(draws)
  })
})
