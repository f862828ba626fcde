import type { HealthCheck } from './check.js'
import { optionFields, parseHealthOptions } from './options.js'
import { z } from 'zod'

/**
 * What the checks need of a `PostgresHandle` from `@tarmac/postgres` (`createPostgresAdmission`'s resource),
 * described structurally so this package does not depend on the Postgres layer.
 */
export interface PostgresHandleLike {
  readonly pool: { query(text: string): Promise<unknown> }
  poolStats(): {
    total: number
    idle: number
    waiting: number
    max: number
    exhausted?: boolean
    /** The pool's own connects: `postgres:connectionTime` reports them instead of opening a connection. */
    connects?: {
      total: number
      last: { readonly totalMs: number } | null
      lastAtMs: number | null
      totalMsP50: number
      totalMsP95: number
    }
  }
  capacity(): Promise<{
    embedded: boolean
    maxConnections: number
    reserved: { total: number }
    inUse: number | null
    available: number | null
    byApplication?: Readonly<Record<string, number>>
  }>
  /** The admission's pool budget (`@tarmac/postgres`): shown with the pool, checked against capacity. */
  readonly admission?: {
    readonly budget?: { size: number; fleetSize: number; fits: boolean; reason: string; pooler?: string }
  }
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
  /**
   * An active probe: a fresh connection (`connect` from `@tarmac/postgres`) every `intervalMs`, jittered, as
   * `postgres:freshConnectionTime`. Off unless given: through a slow connector every fresh connection is an
   * establishment, and `postgres:connectionTime` already reports the pool's own connects for free.
   */
  readonly activeConnect?: { readonly connect: PostgresConnectLike; readonly intervalMs?: number }
  /** Check intervals in ms. */
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
  connectionTimeMs: 5_000,
  /** The active probe, when configured: rare, because each one crosses the connector. */
  activeConnectIntervalMs: 600_000,
  responseTimeMs: 5_000,
  poolMs: 5_000,
  capacityMs: 15_000,
  /** A fresh connection may cross a slow VPC connector: give it longer than a query. */
  connectionTimeoutMs: 10_000,
  capacityWarnRatio: 0.8,
})

const { positiveMs, object, loose } = optionFields

export const POSTGRES_CHECKS_OPTIONS_SCHEMA = z.strictObject({
  url: z.string().min(1),
  applicationName: loose,
  activeConnect: object<PostgresChecksOptions['activeConnect']>().optional(),
  intervals: z
    .strictObject({
      connectionTimeMs: positiveMs.optional(),
      responseTimeMs: positiveMs.optional(),
      poolMs: positiveMs.optional(),
      capacityMs: positiveMs.optional(),
    } satisfies Record<keyof NonNullable<PostgresChecksOptions['intervals']>, z.ZodType>)
    .optional(),
  capacityWarnRatio: z
    .number('must be in (0, 1]')
    .gt(0, 'must be in (0, 1]')
    .max(1, 'must be in (0, 1]')
    .optional(),
} satisfies Record<keyof PostgresChecksOptions, z.ZodType>)

/**
 * `postgres:connectionTime` (the phase timings of the pool's newest connect — the admission's first — with
 * p50/p95 over its connects; it opens nothing), `postgres:responseTime` (`select 1` through the pool;
 * critical), `postgres:pool` (total/idle/waiting against max, and the budget behind max) and
 * `postgres:capacity` (server slots in use against `max_connections`; warn at 80 % or when the fleet cannot
 * fit; "embedded" on the embedded server, which cannot count them). With `activeConnect`, also
 * `postgres:freshConnectionTime`: a fresh connection, rarely.
 * @example
 * registry.contribute(startup, postgres, (handle) =>
 *   createPostgresChecks(handle, { url, applicationName: 'backend' }))
 */
export function createPostgresChecks(
  handle: PostgresHandleLike,
  options: PostgresChecksOptions,
): HealthCheck[] {
  parseHealthOptions(POSTGRES_CHECKS_OPTIONS_SCHEMA, options, 'postgres check options')
  const warnRatio = options.capacityWarnRatio ?? POSTGRES_CHECK_DEFAULTS.capacityWarnRatio
  const every = { ...POSTGRES_CHECK_DEFAULTS, ...options.intervals }
  const checks: HealthCheck[] = [
    {
      name: 'postgres:connectionTime',
      componentType: 'datastore',
      critical: false,
      fault: { domain: 'infrastructure', layer: 'tcp' },
      intervalMs: every.connectionTimeMs,
      run: () => {
        const connects = handle.poolStats().connects
        if (!connects?.last)
          return { status: 'warn', observedValue: null, output: 'the pool has not connected yet' }
        return {
          observedValue: roundMs(connects.last.totalMs),
          observedUnit: 'ms',
          details: {
            timingsMs: phaseTimingsMs(connects.last),
            connects: connects.total,
            totalMsP50: roundMs(connects.totalMsP50),
            totalMsP95: roundMs(connects.totalMsP95),
            lastConnectAt: connects.lastAtMs === null ? null : new Date(connects.lastAtMs).toISOString(),
          },
        }
      },
    },
    {
      name: 'postgres:responseTime',
      componentType: 'datastore',
      fault: { domain: 'infrastructure', layer: 'postgres-availability' },
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
      fault: { domain: 'application', layer: 'pool' },
      intervalMs: every.poolMs,
      run: () => {
        const { total, idle, waiting, max, exhausted } = handle.poolStats()
        const budget = handle.admission?.budget
        return {
          status: exhausted ? 'fail' : waiting > 0 ? 'warn' : 'pass',
          observedValue: total - idle,
          observedUnit: 'connections in use',
          details: { pool: { total, idle, waiting, max }, ...(budget && { budget }) },
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
      fault: { domain: 'infrastructure', layer: 'postgres-capacity' },
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
        const fleet = fleetFit(handle, facts, options.applicationName)
        const status = facts.available === 0 ? 'fail' : ratio >= warnRatio || !fleet.fits ? 'warn' : 'pass'
        return {
          status,
          observedValue: Math.round(ratio * 1000) / 10,
          observedUnit: '% of usable connections',
          output:
            `${facts.inUse} of ${usable} usable connections in use (max_connections ${facts.maxConnections})` +
            (fleet.fits ? '' : `; ${fleet.output}`),
          details: {
            ...(fleet.fleetSize === null ? {} : { fleet }),
            capacity: { inUse: facts.inUse, max: facts.maxConnections, embedded: false },
            available: facts.available,
            reserved: facts.reserved.total,
          },
        }
      },
    },
  ]
  const active = options.activeConnect
  if (active)
    checks.push({
      name: 'postgres:freshConnectionTime',
      componentType: 'datastore',
      critical: false,
      fault: { domain: 'infrastructure', layer: 'tcp' },
      intervalMs: active.intervalMs ?? POSTGRES_CHECK_DEFAULTS.activeConnectIntervalMs,
      timeoutMs: POSTGRES_CHECK_DEFAULTS.connectionTimeoutMs,
      run: async ({ signal }) => {
        const { client, timings } = await active.connect(options.url, {
          signal,
          timeoutMs: POSTGRES_CHECK_DEFAULTS.connectionTimeoutMs,
          applicationName: `${options.applicationName}:health`,
        })
        await client.end()
        return {
          observedValue: roundMs(timings.totalMs),
          observedUnit: 'ms',
          details: { timingsMs: phaseTimingsMs(timings) },
        }
      },
    })
  return checks
}

const roundMs = (ms: number) => Math.round(ms * 10) / 10

/** Phase names without the unit suffix (dnsMs → dns): they become metric labels. */
function phaseTimingsMs(timings: { readonly totalMs: number }): Record<string, number> {
  const timingsMs: Record<string, number> = {}
  for (const [key, ms] of Object.entries(timings as unknown as Record<string, unknown>))
    if (key !== 'totalMs' && typeof ms === 'number') timingsMs[key.replace(/Ms$/, '')] = roundMs(ms)
  return timingsMs
}

/** Whether one connection per instance of the fleet still fits in what other applications leave. */
function fleetFit(
  handle: PostgresHandleLike,
  facts: {
    maxConnections: number
    reserved: { total: number }
    inUse: number | null
    byApplication?: Readonly<Record<string, number>>
  },
  applicationName: string,
): { fleetSize: number | null; fits: boolean; usableForFleet: number | null; output: string } {
  const fleetSize = handle.admission?.budget?.fleetSize ?? null
  if (fleetSize === null || facts.inUse === null)
    return { fleetSize, fits: true, usableForFleet: null, output: '' }
  // Behind a transaction pooler the server's connections are the pooler's: the fleet holds none of its own.
  if (handle.admission?.budget?.pooler === 'transaction')
    return { fleetSize, fits: true, usableForFleet: null, output: 'behind a transaction pooler' }
  const own = facts.byApplication?.[applicationName] ?? 0
  const usableForFleet = facts.maxConnections - facts.reserved.total - (facts.inUse - own)
  const fits = usableForFleet >= fleetSize
  return {
    fleetSize,
    fits,
    usableForFleet,
    output: fits
      ? `${usableForFleet} slots for a fleet of ${fleetSize}`
      : `a fleet of ${fleetSize} instances needs at least ${fleetSize} connections, ${usableForFleet} are left for it`,
  }
}
