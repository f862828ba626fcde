import pg from 'pg'
import { toPostgresError } from './classify.js'
import { PostgresError } from './errors.js'
import { defaults, isAny, isNonNegativeInt, isPositiveInt, isString, validateOptions } from './options.js'
import { SampleWindow } from './sample-window.js'

/** What `poolStats()` returns. Wait times are for acquiring a client (`pool.connect` or `pool.query`). */
export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly waiting: number
  readonly max: number
  readonly acquireWaitMsP50: number
  readonly acquireWaitMsP95: number
  /** Requests have waited for a client continuously for longer than `exhaustedAfterMs`. */
  readonly exhausted: boolean
  /** How long requests have been waiting continuously (0 when nobody waits). */
  readonly exhaustedForMs: number
}

export interface PoolOptions {
  readonly url: string
  readonly applicationName: string
  /** Upper bound; the pool opens connections lazily, one per concurrent demand. Default 10. */
  readonly max?: number
  readonly idleTimeoutMs?: number
  /** Waiting this long for a client fails with `PG_ERR_POOL_EXHAUSTED` (pool full) or `PG_ERR_TIMEOUT`. */
  readonly acquireTimeoutMs?: number
  /** Default 1 000. */
  readonly exhaustedAfterMs?: number
  /** Recent acquisitions kept for the percentiles. Default 1 024. */
  readonly acquireSampleSize?: number
  /** Extra `pg.PoolConfig` (ssl, statement_timeout…). */
  readonly poolConfig?: Partial<pg.PoolConfig>
  /** Clock for the exhaustion bound; tests pass their own. Default `performance.now`. */
  readonly nowMs?: () => number
}

export interface InstrumentedPool {
  readonly pool: pg.Pool
  readonly stats: () => PoolStats
}

type ConnectCallback = (
  error: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: unknown) => void,
) => void

/**
 * A `pg.Pool` that grows lazily to `max` (no warm-up) and times every acquisition.
 * @example
 * const { pool, stats } = createPool({ url, applicationName: 'backend', max: 10 })
 */
export function createPool(options: PoolOptions): InstrumentedPool {
  const o = validateOptions(
    'createPool',
    options,
    {
      url: isString,
      applicationName: isString,
      max: isPositiveInt,
      idleTimeoutMs: isNonNegativeInt,
      acquireTimeoutMs: isNonNegativeInt,
      exhaustedAfterMs: isNonNegativeInt,
      acquireSampleSize: isPositiveInt,
      poolConfig: isAny,
      nowMs: isAny,
    },
    ['url', 'applicationName'],
  )
  const max = o.max ?? defaults.poolMax
  const exhaustedAfterMs = o.exhaustedAfterMs ?? defaults.exhaustedAfterMs
  const nowMs = o.nowMs ?? (() => performance.now())
  const pool = new pg.Pool({
    ...o.poolConfig,
    connectionString: o.url,
    application_name: o.applicationName,
    max,
    min: 0,
    idleTimeoutMillis: o.idleTimeoutMs ?? defaults.poolIdleTimeoutMs,
    connectionTimeoutMillis: o.acquireTimeoutMs ?? defaults.poolAcquireTimeoutMs,
  })
  // An idle client that the server drops must not crash the process; the next acquire reconnects.
  pool.on('error', () => undefined)
  const waits = new SampleWindow(o.acquireSampleSize ?? defaults.acquireSampleSize)
  let waitingSinceMs: number | undefined

  const observeWaiting = (): void => {
    if (pool.waitingCount > 0) waitingSinceMs ??= nowMs()
    else waitingSinceMs = undefined
  }
  const original = pool.connect.bind(pool) as (callback: ConnectCallback) => void

  const instrumented = (callback?: ConnectCallback): Promise<pg.PoolClient> | undefined => {
    const startedMs = performance.now()
    const wasFull = pool.totalCount >= max && pool.idleCount === 0
    const settle: ConnectCallback = (error, client, done) => {
      observeWaiting()
      if (error) {
        const timedOut = /timeout exceeded when trying to connect/.test(error.message)
        const mapped =
          timedOut && wasFull
            ? new PostgresError('PG_ERR_POOL_EXHAUSTED', `all ${max} pool connections stayed busy`, {
                cause: error,
              })
            : toPostgresError(error, { what: 'acquiring a pool connection' })
        return callback?.(mapped)
      }
      waits.add(performance.now() - startedMs)
      callback?.(undefined, client, done)
    }
    if (callback) {
      original(settle)
      observeWaiting()
      return undefined
    }
    return new Promise<pg.PoolClient>((resolve, reject) => {
      callback = (error, client) => (error ? reject(error) : resolve(client as pg.PoolClient))
      original(settle)
      observeWaiting()
    })
  }
  pool.connect = instrumented as typeof pool.connect
  pool.on('release', observeWaiting)

  return {
    pool,
    stats: (): PoolStats => {
      observeWaiting()
      const waitedMs = waitingSinceMs === undefined ? 0 : nowMs() - waitingSinceMs
      return {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max,
        acquireWaitMsP50: waits.percentile(50),
        acquireWaitMsP95: waits.percentile(95),
        exhausted: waitedMs > exhaustedAfterMs,
        exhaustedForMs: waitedMs,
      }
    },
  }
}
