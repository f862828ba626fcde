import type { HealthCheck } from './check.js'
import { assertNoProblems, isPositiveMs, unknownKeys } from './options.js'

/**
 * What the checks need of a `PostgresHandle` from `@tarmac/postgres` (`createPostgresAdmission`'s resource),
 * described structurally so this package does not depend on the Postgres layer.
 */
export interface PostgresHandleLike {
  readonly pool: { query(text: string): Promise<unknown> }
  poolStats(): { total: number; idle: number; waiting: number; max: number; exhausted?: boolean }
  capacity(): Promise<{
    embedded: boolean
    maxConnections: number
    reserved: { total: number }
    inUse: number | null
    available: number | null
  }>
}

/** `connect()` from `@tarmac/postgres`: one timed, fresh connection. */
export type PostgresConnectLike = (
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number; applicationName?: string },
) => Promise<{
  client: { end(): Promise<void> }
  timings: { readonly totalMs: number }
}>

export interface PostgresChecksOptions {
  readonly url: string
  readonly applicationName: string
  /** Pass `connect` from `@tarmac/postgres`. Without it there is no `postgres:connectionTime` check. */
  readonly connect?: PostgresConnectLike
  /** Check intervals in ms. A fresh connection is costly: 30 s by default, never per probe. */
  readonly intervals?: {
    readonly connectionTimeMs?: number
    readonly responseTimeMs?: number
    readonly poolMs?: number
    readonly capacityMs?: number
  }
  /** Capacity turns to warn at this share of usable slots in use. Default 0.8. */
  readonly capacityWarnRatio?: number
}

export const POSTGRES_CHECK_DEFAULTS = Object.freeze({
  connectionTimeMs: 30_000,
  responseTimeMs: 5_000,
  poolMs: 5_000,
  capacityMs: 15_000,
  /** A fresh connection may cross a slow VPC connector: give it longer than a query. */
  connectionTimeoutMs: 10_000,
  capacityWarnRatio: 0.8,
})

const OPTION_KEYS = new Set(['url', 'applicationName', 'connect', 'intervals', 'capacityWarnRatio'])
const INTERVAL_KEYS = new Set(['connectionTimeMs', 'responseTimeMs', 'poolMs', 'capacityMs'])

/**
 * `postgres:connectionTime` (a fresh connection's phase timings), `postgres:responseTime` (`select 1` through the
 * pool; critical), `postgres:pool` (total/idle/waiting against max) and `postgres:capacity` (server slots in use
 * against `max_connections`; warn at 80 %; "embedded" on the embedded server, which cannot count them).
 * @example
 * registry.contribute(startup, 'postgres', (handle: PostgresHandle) =>
 *   createPostgresChecks(handle, { url, applicationName: 'backend', connect }))
 */
export function createPostgresChecks(
  handle: PostgresHandleLike,
  options: PostgresChecksOptions,
): HealthCheck[] {
  const problems = [
    ...unknownKeys(options, OPTION_KEYS, 'option'),
    ...unknownKeys(options.intervals ?? {}, INTERVAL_KEYS, 'interval'),
  ]
  if (typeof options.url !== 'string' || options.url === '') problems.push('url must be a non-empty string')
  for (const [key, value] of Object.entries(options.intervals ?? {}))
    if (!isPositiveMs(value)) problems.push(`intervals.${key} must be a positive number`)
  const warnRatio = options.capacityWarnRatio ?? POSTGRES_CHECK_DEFAULTS.capacityWarnRatio
  if (!(warnRatio > 0 && warnRatio <= 1)) problems.push('capacityWarnRatio must be in (0, 1]')
  assertNoProblems(problems, 'postgres check options')
  const every = { ...POSTGRES_CHECK_DEFAULTS, ...options.intervals }
  const checks: HealthCheck[] = [
    {
      name: 'postgres:responseTime',
      componentType: 'datastore',
      intervalMs: every.responseTimeMs,
      run: async () => {
        const startedAt = performance.now()
        await handle.pool.query('select 1')
        return { observedValue: roundMs(performance.now() - startedAt), observedUnit: 'ms' }
      },
    },
    {
      name: 'postgres:pool',
      componentType: 'datastore',
      critical: false,
      intervalMs: every.poolMs,
      run: () => {
        const { total, idle, waiting, max, exhausted } = handle.poolStats()
        return {
          status: exhausted ? 'fail' : waiting > 0 ? 'warn' : 'pass',
          observedValue: total - idle,
          observedUnit: 'connections in use',
          details: { pool: { total, idle, waiting, max } },
          ...(exhausted && {
            output: `pool exhausted: ${waiting} waiting, ${total} of ${max} connections open`,
          }),
        }
      },
    },
    {
      name: 'postgres:capacity',
      componentType: 'datastore',
      critical: false,
      intervalMs: every.capacityMs,
      run: async () => {
        const facts = await handle.capacity()
        if (facts.embedded || facts.inUse === null)
          return {
            observedValue: 'embedded',
            output: 'embedded server: every connection shares one backend, so capacity is not measured',
            details: { embedded: true },
          }
        const usable = facts.maxConnections - facts.reserved.total
        const ratio = usable > 0 ? facts.inUse / usable : 1
        return {
          status: facts.available === 0 ? 'fail' : ratio >= warnRatio ? 'warn' : 'pass',
          observedValue: Math.round(ratio * 1000) / 10,
          observedUnit: '% of usable connections',
          output: `${facts.inUse} of ${usable} usable connections in use (max_connections ${facts.maxConnections})`,
          details: {
            capacity: { inUse: facts.inUse, max: facts.maxConnections, embedded: false },
            available: facts.available,
            reserved: facts.reserved.total,
          },
        }
      },
    },
  ]
  const { connect } = options
  if (connect)
    checks.unshift({
      name: 'postgres:connectionTime',
      componentType: 'datastore',
      critical: false,
      intervalMs: every.connectionTimeMs,
      timeoutMs: POSTGRES_CHECK_DEFAULTS.connectionTimeoutMs,
      run: async ({ signal }) => {
        const { client, timings } = await connect(options.url, {
          signal,
          timeoutMs: POSTGRES_CHECK_DEFAULTS.connectionTimeoutMs,
          applicationName: `${options.applicationName}:health`,
        })
        await client.end()
        const timingsMs: Record<string, number> = {}
        // Phase names without the unit suffix (dnsMs → dns): they become metric labels.
        for (const [key, ms] of Object.entries(timings as unknown as Record<string, unknown>))
          if (key !== 'totalMs' && typeof ms === 'number') timingsMs[key.replace(/Ms$/, '')] = roundMs(ms)
        return { observedValue: roundMs(timings.totalMs), observedUnit: 'ms', details: { timingsMs } }
      },
    })
  return checks
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10
