import { percentileOf } from '@tarmac/sampling'
import { capacity, type ServerCapacity } from './capacity.js'
import { connect, type PostgresConnectTimings } from './connect.js'
import { PostgresError, type PostgresErrorCode } from './errors.js'
import { toPostgresError } from './classify.js'

/** How far an in-service probe may go: it opens real connections through the service's own path. */
export const CONNECT_PROBE_LIMITS = Object.freeze({
  maxConnects: 20,
  maxTimeoutMs: 30_000,
  defaultConnects: 5,
  defaultTimeoutMs: 10_000,
})

export interface ConnectProbeOptions {
  /** Concurrent fresh connects (1–20). Default 5. */
  readonly connects?: number
  /** Per connect, DNS to first query (≤ 30 000). Default 10 000. */
  readonly timeoutMs?: number
  /** `application_name` of the probe's connections, e.g. `backend:probe`, so they can be told apart. */
  readonly applicationName: string
  readonly signal?: AbortSignal
}

/** One connect of the probe: its phase timings, or how it failed. Never a credential. */
export interface ConnectAttempt {
  readonly ok: boolean
  /** Phase timings (dns, tcp, ssl, auth, firstQuery, total) — up to the failure for a failed one. */
  readonly timingsMs: Readonly<Record<string, number>>
  readonly code?: PostgresErrorCode
  readonly errorClass?: string
  readonly phase?: string
  readonly sqlState?: string
  readonly message?: string
}

/** What `probeConnects` found, for `tarmac diagnose` and `validate`'s `db-connect` criterion. */
export interface ConnectProbeResult {
  readonly startedAt: string
  readonly durationMs: number
  readonly connects: number
  readonly ok: number
  readonly failed: number
  readonly attempts: readonly ConnectAttempt[]
  /** p50/p95 per phase over the connects that reached it. */
  readonly stepsMs: Readonly<Record<string, { readonly p50: number; readonly p95: number }>>
  /** Read on one of the probe's own connections; null when none connected. */
  readonly capacity: Pick<
    ServerCapacity,
    'embedded' | 'maxConnections' | 'reserved' | 'inUse' | 'available' | 'byApplication'
  > | null
}

/** Nearest rank; 0 for no samples. */
const percentile = (values: readonly number[], p: number): number => percentileOf(values, p) ?? 0
const round = (ms: number) => Math.round(ms * 10) / 10

function stepsOf(
  timings: PostgresConnectTimings | Readonly<Record<string, unknown>> | undefined,
): Record<string, number> {
  const steps: Record<string, number> = {}
  // Over a Unix socket there was no lookup and no TCP connect: leave them out rather than report 0 ms.
  const skipped = timings?.transport === 'unix' ? ['dnsMs', 'tcpMs'] : []
  for (const [key, value] of Object.entries(timings ?? {}))
    if (typeof value === 'number' && !skipped.includes(key)) steps[key.replace(/Ms$/, '')] = round(value)
  return steps
}

/**
 * The in-service path probe: N concurrent fresh connects to the service's own database, from inside the
 * service — the only place a VPC connector is on the path — each timed per phase and classified on failure,
 * then the server's capacity facts read on one of them. Every connection is closed before it returns.
 * @example
 * const result = await probeConnects(process.env.DATABASE_URL!, { connects: 5, applicationName: 'backend:probe' })
 */
export async function probeConnects(url: string, options: ConnectProbeOptions): Promise<ConnectProbeResult> {
  const connects = Math.min(
    Math.max(1, Math.trunc(options.connects ?? CONNECT_PROBE_LIMITS.defaultConnects)),
    CONNECT_PROBE_LIMITS.maxConnects,
  )
  const timeoutMs = Math.min(
    Math.max(100, Math.trunc(options.timeoutMs ?? CONNECT_PROBE_LIMITS.defaultTimeoutMs)),
    CONNECT_PROBE_LIMITS.maxTimeoutMs,
  )
  const startedAtMs = performance.now()
  const startedAt = new Date().toISOString()
  const settled = await Promise.allSettled(
    Array.from({ length: connects }, () =>
      connect(url, {
        timeoutMs,
        applicationName: options.applicationName,
        ...(options.signal && { signal: options.signal }),
      }),
    ),
  )
  const clients = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.client] : []))
  let facts: ConnectProbeResult['capacity'] = null
  try {
    if (clients[0]) {
      const { embedded, maxConnections, reserved, inUse, available, byApplication } = await capacity(
        clients[0],
      )
      facts = { embedded, maxConnections, reserved, inUse, available, byApplication }
    }
  } catch {
    facts = null // the connects are the evidence; capacity is a bonus
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)))
  }
  const attempts: ConnectAttempt[] = settled.map((outcome) => {
    if (outcome.status === 'fulfilled') return { ok: true, timingsMs: stepsOf(outcome.value.timings) }
    const error = outcome.reason instanceof PostgresError ? outcome.reason : toPostgresError(outcome.reason)
    const evidence = error.evidence
    return {
      ok: false,
      timingsMs: stepsOf(evidence.timingsMs as Record<string, unknown> | undefined),
      code: error.code,
      ...(error.errorClass !== undefined && { errorClass: error.errorClass }),
      ...(error.phase !== undefined && { phase: error.phase }),
      ...(error.sqlState !== undefined && { sqlState: error.sqlState }),
      message: error.message.slice(0, 300),
    }
  })
  const byStep = new Map<string, number[]>()
  for (const attempt of attempts)
    for (const [step, ms] of Object.entries(attempt.timingsMs))
      byStep.set(step, [...(byStep.get(step) ?? []), ms])
  const stepsMs: Record<string, { p50: number; p95: number }> = {}
  for (const [step, values] of byStep) {
    values.sort((a, b) => a - b)
    stepsMs[step] = { p50: percentile(values, 50), p95: percentile(values, 95) }
  }
  const ok = attempts.filter((attempt) => attempt.ok).length
  return {
    startedAt,
    durationMs: round(performance.now() - startedAtMs),
    connects,
    ok,
    failed: connects - ok,
    attempts,
    stepsMs,
    capacity: facts,
  }
}
