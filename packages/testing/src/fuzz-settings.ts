/** Where a fuzz run's seed came from: replaying one, CI's fixed seed, or a new random one (printed). */
export const FUZZ_SEED_SOURCES = ['FUZZ_SEED', 'CI', 'random'] as const
export type FuzzSeedSource = (typeof FUZZ_SEED_SOURCES)[number]

/** The seed every fuzz test uses under `CI`: a red CI run is then the same run on any machine. */
export const CI_FUZZ_SEED = 210_021

/** How a property-based fuzz test runs: a fixed number of runs (never a time budget) from a known seed. */
export interface FuzzSettings {
  readonly seed: number
  readonly seedFrom: FuzzSeedSource
  readonly numRuns: number
  /** `FUZZ_PATH`: replay only the counterexample at this path of `seed`. */
  readonly path?: string
  /** How many runs must have happened for a pass to mean anything: all of them, or 1 when replaying a path. */
  readonly minRuns: number
  /** The environment that reruns exactly this: `FUZZ_SEED=… FUZZ_RUNS=…`. */
  readonly replay: string
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name]
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min || value > 2 ** 31 - 1)
    throw new Error(`${name} must be an integer from ${min} to ${2 ** 31 - 1}, got "${text}"`)
  return value
}

/**
 * The seed and run count for a fuzz test: `FUZZ_SEED` replays a seed; else `CI` (set by `.ci/run`) takes
 * `CI_FUZZ_SEED`; else a random seed, which the test prints so the run can be replayed. `FUZZ_RUNS` overrides
 * `defaultRuns`; `FUZZ_PATH` (from a failure's message) replays one counterexample.
 * @example
 * const fuzz = fuzzSettings(1_000)
 * console.log(`fuzz: seed ${fuzz.seed} (${fuzz.seedFrom}); replay with ${fuzz.replay}`)
 * await fc.check(property, { seed: fuzz.seed, numRuns: fuzz.numRuns, path: fuzz.path })
 */
export function fuzzSettings(defaultRuns: number, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const given = integerFrom(env, 'FUZZ_SEED', -(2 ** 31))
  const seedFrom: FuzzSeedSource = given !== undefined ? 'FUZZ_SEED' : env.CI ? 'CI' : 'random'
  const seed = given ?? (seedFrom === 'CI' ? CI_FUZZ_SEED : Math.floor(Math.random() * 2 ** 31))
  const numRuns = integerFrom(env, 'FUZZ_RUNS', 1) ?? defaultRuns
  const path = env.FUZZ_PATH || undefined
  return Object.freeze({
    seed,
    seedFrom,
    numRuns,
    ...(path !== undefined && { path }),
    minRuns: path === undefined ? numRuns : 1,
    replay: `FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns}`,
  })
}
