/**
 * The storms the bench runs. Each is a fleet of N instances starting at once, a database with a small
 * `max_connections`, and a connector that establishes connections slowly, a few at a time, until it scales up.
 */
export interface ConnectorModel {
  /** Per establishment, drawn uniformly. */
  readonly establishDelayMs: { readonly minMs: number; readonly maxMs: number }
  /** Establishments in flight at once before scale-up. */
  readonly capacity: number
  /** Capacity after scale-up, `afterMs` after the first connection had to queue. */
  readonly scaleUp: { readonly toCapacity: number; readonly afterMs: number } | null
}

/** PgBouncer (Debian's package) between the connector and Postgres, configured by `tarmac deploy render`'s ini. */
export interface PoolerModel {
  /** What it may open to Postgres (`max_db_connections`; `default_pool_size` + the reserve). */
  readonly serverConnections: number
  readonly reservePoolSize: number
  readonly maxClientConnections: number
}

export interface Scenario {
  readonly name: string
  readonly description: string
  /** Instances started at once. */
  readonly instances: number
  readonly maxConnections: number
  /** `superuser_reserved_connections`: the bench's own sampler connects as superuser. */
  readonly reservedConnections: number
  readonly connector: ConnectorModel
  /** With a pooler, the connector leads to it, and contestants with `bypassPooler` go straight to Postgres. */
  readonly pooler?: PoolerModel
  /** The contestants it runs when `--contestants` is not given (default: those without `bypassPooler`). */
  readonly contestants?: readonly string[]
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'incident',
    description: '20 instances, max_connections 25, connector 2 → 10 after 20 s, 1–3 s per establishment',
    instances: 20,
    maxConnections: 25,
    reservedConnections: 3,
    connector: {
      establishDelayMs: { minMs: 1_000, maxMs: 3_000 },
      capacity: 2,
      scaleUp: { toCapacity: 10, afterMs: 20_000 },
    },
  },
  {
    name: 'roomy-db',
    description: 'the same connector, max_connections 100',
    instances: 20,
    maxConnections: 100,
    reservedConnections: 3,
    connector: {
      establishDelayMs: { minMs: 1_000, maxMs: 3_000 },
      capacity: 2,
      scaleUp: { toCapacity: 10, afterMs: 20_000 },
    },
  },
  {
    name: 'slow-connector',
    description: '20 instances, max_connections 40, connector 1 → 4 after 30 s, 3–6 s per establishment',
    instances: 20,
    maxConnections: 40,
    reservedConnections: 3,
    connector: {
      establishDelayMs: { minMs: 3_000, maxMs: 6_000 },
      capacity: 1,
      scaleUp: { toCapacity: 4, afterMs: 30_000 },
    },
  },
  {
    name: 'wide-fleet',
    description: '30 instances, max_connections 36, connector 4 → 16 after 10 s, 0.5–2 s per establishment',
    instances: 30,
    maxConnections: 36,
    reservedConnections: 3,
    connector: {
      establishDelayMs: { minMs: 500, maxMs: 2_000 },
      capacity: 4,
      scaleUp: { toCapacity: 16, afterMs: 10_000 },
    },
  },
  {
    name: 'pgbouncer',
    description:
      '40 instances through PgBouncer (transaction pooling, 8 server connections) into max_connections 20, connector 2 → 10 after 20 s',
    instances: 40,
    maxConnections: 20,
    reservedConnections: 3,
    connector: {
      establishDelayMs: { minMs: 1_000, maxMs: 3_000 },
      capacity: 2,
      scaleUp: { toCapacity: 10, afterMs: 20_000 },
    },
    pooler: { serverConnections: 8, reservePoolSize: 2, maxClientConnections: 500 },
    contestants: ['tarmac-floor', 'tarmac', 'tarmac-direct'],
  },
]

/** No delay, no capacity limit: what N processes cost to start on this machine (the CPU floor). */
export const UNCONSTRAINED: ConnectorModel = {
  establishDelayMs: { minMs: 0, maxMs: 0 },
  capacity: Number.POSITIVE_INFINITY,
  scaleUp: null,
}

/**
 * The admission limit: how long the model needs to establish `connections` connections that all arrive at
 * once, each taking the mean establishment delay. Nothing that goes through the connector can be faster
 * on average, however little CPU it spends. Event-driven: slots free up as establishments end; capacity
 * grows once, `afterMs` after the first connection queued (at time 0 when the demand exceeds capacity).
 */
export function admissionLimitMs(model: ConnectorModel, connections: number): number {
  const meanMs = (model.establishDelayMs.minMs + model.establishDelayMs.maxMs) / 2
  const queued = connections > model.capacity
  const scaleAtMs = queued && model.scaleUp ? model.scaleUp.afterMs : Number.POSITIVE_INFINITY
  const capacityAt = (ms: number): number =>
    ms >= scaleAtMs ? Math.max(model.capacity, model.scaleUp?.toCapacity ?? 0) : model.capacity
  const ends: number[] = []
  let nowMs = 0
  let started = 0
  let established = 0
  while (established < connections) {
    while (ends.length < capacityAt(nowMs) && started < connections) {
      ends.push(nowMs + meanMs)
      started++
    }
    ends.sort((a, b) => a - b)
    const nextEnd = ends[0] ?? Number.POSITIVE_INFINITY
    const next = scaleAtMs > nowMs ? Math.min(nextEnd, scaleAtMs) : nextEnd
    nowMs = next
    while (ends.length > 0 && ends[0]! <= nowMs) {
      ends.shift()
      established++
    }
  }
  return nowMs
}
