import { describe, expect, it } from 'vitest'
import { CI_FUZZ_SEED, fuzzSettings } from './fuzz-settings.js'

describe('fuzzSettings', () => {
  it('takes the fixed CI seed under CI, with every run required', () => {
    expect(fuzzSettings(500, { CI: 'true' })).toEqual({
      seed: CI_FUZZ_SEED,
      seedFrom: 'CI',
      numRuns: 500,
      minRuns: 500,
      replay: `FUZZ_SEED=${CI_FUZZ_SEED} FUZZ_RUNS=500`,
    })
  })

  it('draws a new seed elsewhere and says how to replay it', () => {
    const first = fuzzSettings(10, {})
    const seeds = new Set(Array.from({ length: 5 }, () => fuzzSettings(10, {}).seed))
    expect(first.seedFrom).toBe('random')
    expect(seeds.size).toBeGreaterThan(1)
    expect(first.replay).toBe(`FUZZ_SEED=${first.seed} FUZZ_RUNS=10`)
  })

  it('replays FUZZ_SEED (over CI), FUZZ_RUNS and FUZZ_PATH, which needs only its one run', () => {
    expect(
      fuzzSettings(10, { CI: 'true', FUZZ_SEED: '-42', FUZZ_RUNS: '7', FUZZ_PATH: '3:1:0' }),
    ).toMatchObject({
      seed: -42,
      seedFrom: 'FUZZ_SEED',
      numRuns: 7,
      path: '3:1:0',
      minRuns: 1,
    })
  })

  it('refuses a seed or a run count that is not an integer', () => {
    expect(() => fuzzSettings(10, { FUZZ_SEED: 'abc' })).toThrow(/FUZZ_SEED must be an integer/)
    expect(() => fuzzSettings(10, { FUZZ_RUNS: '0' })).toThrow(/FUZZ_RUNS must be an integer from 1/)
  })
})
