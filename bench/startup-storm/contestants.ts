/** Who starts in the storm. Each is N copies of one process; the environment says how it connects. */
export interface Contestant {
  readonly name: string
  readonly description: string
  /** `tarmac` runs the real backend; `naive` the baseline script. */
  readonly kind: 'tarmac' | 'naive'
  /** Through the scenario's connector, or through one without delay or capacity limit. */
  readonly connector: 'scenario' | 'unconstrained'
  readonly poolMax?: number
  readonly connectTimeoutMs?: number
  /** In a scenario with a pooler: through the connector straight to Postgres, as if there were none. */
  readonly bypassPooler?: boolean
}

export const CONTESTANTS: readonly Contestant[] = [
  {
    name: 'tarmac-floor',
    description: 'the Tarmac backend through an unconstrained connector: the CPU floor of N starts',
    kind: 'tarmac',
    connector: 'unconstrained',
  },
  {
    name: 'tarmac',
    description: 'the Tarmac backend through the scenario connector',
    kind: 'tarmac',
    connector: 'scenario',
  },
  {
    name: 'tarmac-direct',
    description: 'the Tarmac backend through the scenario connector straight to Postgres, past the pooler',
    kind: 'tarmac',
    connector: 'scenario',
    bypassPooler: true,
  },
  {
    name: 'naive-1-8s',
    description: 'pg.Pool of 1 warmed at start, 8 s connect timeout, no retry',
    kind: 'naive',
    connector: 'scenario',
    poolMax: 1,
    connectTimeoutMs: 8_000,
  },
  {
    name: 'naive-1-90s',
    description: 'pg.Pool of 1 warmed at start, 90 s connect timeout, no retry',
    kind: 'naive',
    connector: 'scenario',
    poolMax: 1,
    connectTimeoutMs: 90_000,
  },
  {
    name: 'naive-5-90s',
    description: 'pg.Pool of 5 warmed at start, 90 s connect timeout, no retry',
    kind: 'naive',
    connector: 'scenario',
    poolMax: 5,
    connectTimeoutMs: 90_000,
  },
]
