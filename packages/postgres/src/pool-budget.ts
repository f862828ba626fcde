import type { ServerCapacity } from './capacity.js'

/**
 * What the service's `DATABASE_URL` points at (`DB_POOLER`). `none`: Postgres itself. `transaction`: a
 * transaction pooler (PgBouncer `pool_mode = transaction`): server connections are the pooler's, handed to a
 * client for one transaction at a time — so session features (advisory locks across statements, `LISTEN`,
 * session `SET`, named prepared statements before PgBouncer 1.21) are off the table, and the fleet's share of
 * `max_connections` is the pooler's to budget, not each instance's.
 */
export const POOLER_MODES = ['none', 'transaction'] as const
export type PoolerMode = (typeof POOLER_MODES)[number]

/**
 * How many connections one instance's pool may open: its share of what the server has left for the fleet.
 * Every input is kept, so the startup report and `/health/infrastructure` can show the arithmetic.
 */
export interface PoolBudget {
  /** The pool's `max` once startup is done. While starting, the pool holds one connection. */
  readonly size: number
  /** What was asked for (`DB_POOL_MAX`). */
  readonly requestedMax: number
  /** Instances of this service that may run at once (`DB_FLEET_SIZE`). */
  readonly fleetSize: number
  /** null on the embedded server, which cannot count connections. */
  readonly maxConnections: number | null
  readonly reserved: number | null
  /** Client backends of other applications (not this service's `application_name`) at admission. */
  readonly heldByOthers: number | null
  /** `maxConnections − reserved − heldByOthers`: the slots this service's fleet can have. */
  readonly usable: number | null
  /** False when even one connection per instance does not fit: the fleet must shrink or the server grow. */
  readonly fits: boolean
  /** What `DATABASE_URL` points at: behind a pooler, the server's slots are the pooler's to budget. */
  readonly pooler: PoolerMode
  /** One line: the formula with its numbers. */
  readonly reason: string
}

export interface PoolBudgetInput {
  readonly requestedMax: number
  readonly fleetSize: number
  readonly applicationName: string
  readonly capacity: ServerCapacity
  /** Default `none`. */
  readonly pooler?: PoolerMode
}

/**
 * `min(requestedMax, floor((max_connections − reserved − held by other applications) / fleetSize))`, never
 * below 1. Connections of this service's own `application_name` are not "others": they are the fleet's own
 * slots (other instances already up, and this admission connection).
 * @example
 * poolBudget({ requestedMax: 10, fleetSize: 20, applicationName: 'tarmac-backend', capacity })
 * // { size: 1, reason: 'min(DB_POOL_MAX 10, floor((25 max_connections − 3 reserved − 2 held by others) / 20 instances)) = 1', … }
 */
export function poolBudget(input: PoolBudgetInput): PoolBudget {
  const { requestedMax, fleetSize, applicationName, capacity } = input
  const pooler = input.pooler ?? 'none'
  if (pooler === 'transaction') {
    // The server sees the pooler's connections, not ours: dividing max_connections among instances would
    // starve a fleet that shares a few server connections. The pooler's own sizes are checked against
    // max_connections by `tarmac deploy check` (and its `max_client_conn` against DB_POOL_MAX × fleet).
    return {
      size: requestedMax,
      requestedMax,
      fleetSize,
      maxConnections: capacity.embedded ? null : capacity.maxConnections,
      reserved: capacity.embedded ? null : capacity.reserved.total,
      heldByOthers: null,
      usable: null,
      fits: true,
      pooler,
      reason:
        `behind a transaction pooler: DB_POOL_MAX ${requestedMax} connections to the pooler per instance; ` +
        `the server's connections are the pooler's (its pool sizes), budgeted against max_connections for the pooler, not per instance`,
    }
  }
  if (capacity.embedded || capacity.inUse === null) {
    return {
      size: requestedMax,
      requestedMax,
      fleetSize,
      maxConnections: null,
      reserved: null,
      heldByOthers: null,
      usable: null,
      fits: true,
      pooler,
      reason: `embedded server: every connection shares one backend, so DB_POOL_MAX ${requestedMax} applies as is`,
    }
  }
  const own = capacity.byApplication[applicationName] ?? 0
  const heldByOthers = Math.max(0, capacity.inUse - own)
  const reserved = capacity.reserved.total
  const usable = capacity.maxConnections - reserved - heldByOthers
  const share = Math.floor(usable / fleetSize)
  const size = Math.max(1, Math.min(requestedMax, share))
  const formula =
    `min(DB_POOL_MAX ${requestedMax}, floor((${capacity.maxConnections} max_connections − ${reserved} reserved − ` +
    `${heldByOthers} held by others) / ${fleetSize} instance${fleetSize === 1 ? '' : 's'})) = ${size}`
  const fits = usable >= fleetSize
  return {
    size,
    requestedMax,
    fleetSize,
    maxConnections: capacity.maxConnections,
    reserved,
    heldByOthers,
    usable,
    fits,
    pooler,
    reason: fits
      ? formula
      : `${formula}, but ${usable} usable slots cannot give each of ${fleetSize} instances even one connection`,
  }
}
