import type { FaultDomain, FaultLayer } from '@tarmac/faults'

/** The vocabulary of a check: statuses in the order of their severity. */
export const HEALTH_STATUSES = ['pass', 'warn', 'fail'] as const
export type HealthStatus = (typeof HEALTH_STATUSES)[number]

/** Connection-pool figures a check may report; `/health/infrastructure` and `/metrics` show them. */
export interface PoolFacts {
  readonly total: number
  readonly idle: number
  readonly waiting: number
  readonly max: number
}

/** Server-side capacity a check may report: connections in use against the server's limit. */
export interface CapacityFacts {
  readonly inUse: number
  /** null when the server cannot say (an embedded server). */
  readonly max: number | null
  /** true for an embedded server whose figures mean little. */
  readonly embedded: boolean
}

/** Extra figures of one observation. Typed keys feed metrics; any other key is shown as is. */
export interface CheckDetails {
  readonly pool?: PoolFacts
  readonly capacity?: CapacityFacts
  /** Phase timings of one connection (dns, tcp, tls, auth, firstQuery…), in ms. */
  readonly timingsMs?: Readonly<Record<string, number>>
  readonly [key: string]: unknown
}

/** What one run of a check observed. `status` defaults to pass. */
export interface CheckObservation {
  readonly status?: HealthStatus
  readonly observedValue?: number | string | boolean | null
  readonly observedUnit?: string
  /** One line for humans; with a failing status, say why. */
  readonly output?: string
  readonly details?: CheckDetails
}

/** What `run` receives: the signal aborts when `timeoutMs` passes or the check is removed. */
export interface CheckContext {
  readonly signal: AbortSignal
}

/**
 * A background health check. Probes never call `run`: the registry runs it on its interval and caches the result.
 * @example
 * registry.add({
 *   name: 'redis:responseTime', componentType: 'datastore', critical: false,
 *   run: async ({ signal }) => ({ observedValue: await pingMs(signal), observedUnit: 'ms' }),
 * })
 */
export interface HealthCheck {
  /** `component:measurement`, e.g. `postgres:responseTime`. */
  readonly name: string
  /** e.g. `datastore`, `system`, `component`. Default `component`. */
  readonly componentType?: string
  readonly componentId?: string
  /** true (default): a failing or stale result turns readiness to 503. */
  readonly critical?: boolean
  /** Time between the end of one run and the start of the next, ±jitter. Default 5 000. */
  readonly intervalMs?: number
  /** A run still going after this is aborted and recorded as `HEALTH_ERR_CHECK_TIMEOUT`. Default 2 000. */
  readonly timeoutMs?: number
  /** A result older than this counts as failed. Default 3 × `intervalMs`. */
  readonly staleAfterMs?: number
  /**
   * What a failure of this check means when its error has no declared code of its own (a timeout, a stale
   * result): e.g. `{ domain: 'infrastructure', layer: 'postgres-availability' }` for `select 1` through the pool.
   */
  readonly fault?: { readonly domain?: FaultDomain; readonly layer?: FaultLayer }
  run(context: CheckContext): Promise<CheckObservation> | CheckObservation
}

/** The cached outcome of a check's last run, as probes read it. */
export interface CheckResult {
  readonly name: string
  readonly status: HealthStatus
  readonly observedValue?: number | string | boolean | null
  readonly observedUnit?: string
  readonly output?: string
  readonly details?: CheckDetails
  /** Set when the status is fail: the error's own code, or a `HEALTH_ERR_…` code. */
  readonly code?: string
  /** With `code`: whose move it is and where (the fault model's judgement, else the check's own `fault`). */
  readonly domain?: string
  readonly layer?: string
  /** ISO time the run ended (or timed out). */
  readonly time: string
  /** Epoch ms the run ended: staleness counts from here. */
  readonly timeMs: number
  readonly durationMs: number
}

/** `component` of `component:measurement`. */
export function componentOf(checkName: string): string {
  const colon = checkName.indexOf(':')
  return colon === -1 ? checkName : checkName.slice(0, colon)
}
