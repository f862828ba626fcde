import type { PostgresConnectTimings } from '@tarmac/probe'
import pg from 'pg'
import { toPostgresError } from './classify.js'
import { PostgresError } from './errors.js'
import { SampleWindow } from '@tarmac/sampling'
import { POSTGRES_DEFAULTS, optionFields as f, validateOptions } from './options.js'
import { z } from 'zod'
import { TimedClient } from './timed-client.js'

/** The pool's own connects: passive connection-time measurements, with no extra connection. */
export interface PoolConnectStats {
  /** Connections the pool has opened (an adopted admission connection counts). */
  readonly total: number
  /** The newest connect's phase timings; null before the first. */
  readonly last: PostgresConnectTimings | null
  readonly lastAtMs: number | null
  /** Nearest-rank over the last `acquireSampleSize` connects; 0 before the first. */
  readonly totalMsP50: number
  readonly totalMsP95: number
}

/** What `poolStats()` returns. Wait times are for acquiring a client (`pool.connect` or `pool.query`). */
export interface PoolStats {
  readonly total: number
  readonly idle: number
  readonly waiting: number
  readonly max: number
  /** Nearest-rank over the last `acquireSampleSize` acquisitions; 0 before the first. */
  readonly acquireWaitMsP50: number
  readonly acquireWaitMsP95: number
  /** Requests have waited for a client continuously for longer than `exhaustedAfterMs`. */
  readonly exhausted: boolean
  /** How long requests have been waiting continuously (0 when nobody waits). */
  readonly exhaustedForMs: number
  readonly connects: PoolConnectStats
}

export interface PoolOptions {
  readonly url: string
  readonly applicationName: string
  /** Upper bound; the pool opens connections lazily, one per concurrent demand. Default 10. */
  readonly max?: number
  /** Connections kept open however idle (never opened eagerly). Default 1. */
  readonly min?: number
  /** Idle connections above `min` close after this. Default 30 000. */
  readonly idleTimeoutMs?: number
  /** Waiting this long for a client fails with `PG_ERR_POOL_EXHAUSTED` (pool full) or `PG_ERR_TIMEOUT`. */
  readonly acquireTimeoutMs?: number
  /** A new connection's whole connect (DNS to first query). Default `acquireTimeoutMs`. */
  readonly connectTimeoutMs?: number
  /** A connected client (the admission's) that becomes the pool's first connection instead of a new one. */
  readonly adopt?: TimedClient
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
  /** Changes `max` from now on (the admission raises it from 1 to the budget once startup is done). */
  readonly resize: (max: number) => void
}

type ConnectCallback = (
  error: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: unknown) => void,
) => void

/**
 * A `pg.Pool` that grows lazily to `max` (no warm-up), keeps `min` connections once opened, times every
 * acquisition, and opens every connection with the timed connect of `@tarmac/probe` (`TimedClient`), whose
 * timings are the pool's connection-time measurements. `adopt` hands it an open connection as its first.
 * @example
 * const { pool, stats } = createPool({ url, applicationName: 'backend', max: 10 })
 */
export function createPool(options: PoolOptions): InstrumentedPool {
  const o = validateOptions('createPool', options, POOL_OPTIONS_SCHEMA)
  let max = o.max ?? POSTGRES_DEFAULTS.poolMax
  const exhaustedAfterMs = o.exhaustedAfterMs ?? POSTGRES_DEFAULTS.exhaustedAfterMs
  const nowMs = o.nowMs ?? (() => performance.now())
  const acquireTimeoutMs = o.acquireTimeoutMs ?? POSTGRES_DEFAULTS.poolAcquireTimeoutMs
  const connectMs = new SampleWindow(o.acquireSampleSize ?? POSTGRES_DEFAULTS.acquireSampleSize)
  let connectsTotal = 0
  let lastConnect: PostgresConnectTimings | null = null
  let lastConnectAtMs: number | null = null
  const onConnect = (timings: PostgresConnectTimings): void => {
    connectsTotal += 1
    lastConnect = timings
    lastConnectAtMs = Date.now()
    connectMs.add(timings.totalMs)
  }
  if (o.adopt?.lastTimings) onConnect(o.adopt.lastTimings)
  const clientSettings = {
    url: o.url,
    applicationName: o.applicationName,
    timeoutMs: o.connectTimeoutMs ?? (acquireTimeoutMs || POSTGRES_DEFAULTS.connectTimeoutMs),
    onConnect,
    ...(o.poolConfig ? { clientConfig: o.poolConfig as Partial<pg.ClientConfig> } : {}),
  }
  const toAdopt: TimedClient[] = o.adopt ? [o.adopt] : []
  // pg-pool builds its clients with `new Client(options)`: a function constructor may hand back another
  // object, here the adopted admission connection (already connected) or a new timed client.
  function PoolClient(): TimedClient {
    return toAdopt.shift() ?? new TimedClient(clientSettings)
  }
  const pool = new pg.Pool({
    ...o.poolConfig,
    Client: PoolClient as unknown as typeof pg.Client,
    connectionString: o.url,
    application_name: o.applicationName,
    max,
    min: o.min ?? POSTGRES_DEFAULTS.poolMin,
    idleTimeoutMillis: o.idleTimeoutMs ?? POSTGRES_DEFAULTS.poolIdleTimeoutMs,
    connectionTimeoutMillis: acquireTimeoutMs,
  })
  // An idle client that the server drops must not crash the process; the next acquire reconnects.
  pool.on('error', () => undefined)
  const waits = new SampleWindow(o.acquireSampleSize ?? POSTGRES_DEFAULTS.acquireSampleSize)
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
    resize(next) {
      max = next
      pool.options.max = next
    },
    stats: (): PoolStats => {
      observeWaiting()
      const waitedMs = waitingSinceMs === undefined ? 0 : nowMs() - waitingSinceMs
      // One sort per window; an empty window reads 0, the stats' documented contract.
      const [waitP50 = null, waitP95 = null] = waits.percentiles([50, 95])
      const [connectP50 = null, connectP95 = null] = connectMs.percentiles([50, 95])
      return {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max,
        acquireWaitMsP50: waitP50 ?? 0,
        acquireWaitMsP95: waitP95 ?? 0,
        exhausted: waitedMs > exhaustedAfterMs,
        exhaustedForMs: waitedMs,
        connects: {
          total: connectsTotal,
          last: lastConnect,
          lastAtMs: lastConnectAtMs,
          totalMsP50: connectP50 ?? 0,
          totalMsP95: connectP95 ?? 0,
        },
      }
    },
  }
}

const POOL_OPTIONS_SCHEMA = z.strictObject({
  url: f.string,
  applicationName: f.string,
  max: f.positiveInt.optional(),
  min: f.nonNegativeInt.optional(),
  idleTimeoutMs: f.nonNegativeInt.optional(),
  acquireTimeoutMs: f.nonNegativeInt.optional(),
  connectTimeoutMs: f.positiveInt.optional(),
  adopt: z.instanceof(TimedClient, { error: 'must be a TimedClient' }).optional(),
  exhaustedAfterMs: f.nonNegativeInt.optional(),
  acquireSampleSize: f.positiveInt.optional(),
  poolConfig: f.any,
  nowMs: f.any,
} satisfies Record<keyof PoolOptions, z.ZodType>)
