import { simulateStorm, type StormModelOptions, type StormPrediction } from './storm-model.js'

/** Seeded runs per prediction: enough for a stable median p95 at 20–1,000 instances, cheap enough for a CLI. */
export const PREDICTION_RUNS = 25

export interface FleetPrediction extends StormPrediction {
  /** Mean readiness over the runs, in % (one decimal). */
  readonly readyPct: number
  readonly runs: number
}

/** A seeded generator (Park–Miller): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed
  return () => ((state = (state * 16_807) % 2_147_483_647) - 1) / 2_147_483_646
}

/**
 * The model run `runs` times with seeds 1…runs: the run of median p95, and the readiness averaged over all.
 * Repeatable: the same options always predict the same.
 */
export function predictStorm(
  options: Omit<StormModelOptions, 'random'>,
  runs: number = PREDICTION_RUNS,
): FleetPrediction {
  const results = Array.from({ length: runs }, (_, i) =>
    simulateStorm({ ...options, random: seededRandom(i + 1) }),
  )
  const byP95 = [...results].sort((a, b) => (a.p95ReadyMs ?? Infinity) - (b.p95ReadyMs ?? Infinity))
  const median = byP95[Math.floor(results.length / 2)]!
  const readyPct = (results.reduce((sum, r) => sum + r.readyShare, 0) / results.length) * 100
  return { ...median, readyPct: Math.round(readyPct * 10) / 10, runs }
}
