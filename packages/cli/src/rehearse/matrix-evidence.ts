import type { ProbeResult } from '@tarmac/probe'
import type {
  CapacityObservation,
  DependencyObservation,
  Exchange,
  RecordedColdStart,
  ServiceObservation,
  SupervisorObservation,
  UnreadableCapacity,
} from '../diagnose/observations.js'

/**
 * Builders of constructed evidence for the fault matrix: what the services, the collector, the probes from here
 * and `tarmac up` would show, in the shapes `gather` records them (health+json documents, startup reports,
 * in-service probe bodies, probe results). Every value is what a Tarmac service writes; nothing is a verdict.
 */

export const AT = '2026-12-07T12:00:00.000Z'
const before = (seconds: number) => new Date(Date.parse(AT) - seconds * 1000).toISOString()

const answered = (status: number, body: unknown): Exchange => ({ answered: true, status, latencyMs: 3, body })
const silent: Exchange = {
  answered: false,
  errorClass: 'TCP_REFUSED',
  message: 'connect ECONNREFUSED',
  latencyMs: 1,
}

/** A check as `/health/infrastructure` shows it: `status`, the layer it covers, and on failure its code. */
export interface CheckEntry {
  readonly status: 'pass' | 'fail'
  readonly layer: string
  readonly code?: string
  readonly domain?: string
  readonly failLayer?: string
}

export const passing = (layer: string): CheckEntry => ({ status: 'pass', layer })
export const failing = (layer: string, code: string, domain?: string, failLayer?: string): CheckEntry => ({
  status: 'fail',
  layer,
  code,
  ...(domain && { domain }),
  ...(failLayer && { failLayer }),
})

/** A database-backed service's usual checks, all passing. */
export const DATABASE_CHECKS: Readonly<Record<string, CheckEntry>> = {
  'postgres:responseTime': passing('postgres-availability'),
  'postgres:pool': passing('pool'),
  'postgres:capacity': passing('postgres-capacity'),
}

/** An in-service probe body (`POST /health/probe/postgres`): N connects with these step p95s. */
export function probeBody(options: {
  connects?: number
  authMs?: number
  failed?: { code: string; phase: string; errorClass: string }
  available?: number
}) {
  const connects = options.connects ?? 5
  const authMs = options.authMs ?? 4
  const steps = { dns: 0.2, tcp: 0.4, auth: authMs, firstQuery: 0.6 }
  const total = steps.dns + steps.tcp + steps.auth + steps.firstQuery
  const figures = (value: number) => ({ p50: value * 0.9, p95: value })
  return {
    connects,
    ok: options.failed ? 0 : connects,
    attempts: Array.from({ length: connects }, () =>
      options.failed
        ? { ok: false, ...options.failed, message: `${options.failed.code} (constructed)` }
        : { ok: true },
    ),
    stepsMs: options.failed
      ? {}
      : Object.fromEntries<{ p50: number; p95: number }>([
          ...Object.entries(steps).map(([step, value]) => [step, figures(value)] as const),
          ['total', figures(total)] as const,
        ]),
    capacity: options.failed
      ? null
      : {
          embedded: false,
          maxConnections: 30,
          inUse: 30 - 3 - (options.available ?? 12),
          available: options.available ?? 12,
        },
  }
}

export interface ServiceShape {
  /** `pass`: ready; `fail`: 503 with a failing document; `silent`: no answer at all. */
  readonly ready: 'pass' | 'fail' | 'silent'
  readonly checks?: Readonly<Record<string, CheckEntry>>
  /** The in-service probe; null: the service has no database (auth and backend do). */
  readonly probe?: ReturnType<typeof probeBody> | null
  /** The admission connect time its startup report shows. */
  readonly admissionMs?: number
}

/** A service as `gather` observes it. */
export function service(name: string, shape: ServiceShape): ServiceObservation {
  const url = `http://${name}.matrix.invalid`
  if (shape.ready === 'silent')
    return { name, url, ready: silent, startup: silent, infrastructure: silent, probe: null }
  const checks = shape.checks ?? {}
  const failingCheck = Object.entries(checks).find(([, entry]) => entry.status === 'fail')
  const status = shape.ready === 'pass' ? 'pass' : 'fail'
  const ready = answered(shape.ready === 'pass' ? 200 : 503, {
    status,
    ...(failingCheck && { output: `critical check ${failingCheck[0]} is failing: ${failingCheck[1].code}` }),
  })
  const startup = answered(200, {
    status: 'pass',
    report: {
      phases: [
        {
          name: 'database',
          components: [
            {
              name: 'postgres',
              state: 'started',
              attempts: 1,
              errors: [],
              details: { connect: { totalMs: shape.admissionMs ?? 8 } },
            },
          ],
        },
      ],
    },
  })
  const infrastructure = answered(failingCheck ? 503 : 200, {
    status: failingCheck ? 'fail' : 'pass',
    checks: Object.fromEntries(
      Object.entries(checks).map(([check, entry]) => [
        check,
        [
          {
            status: entry.status,
            layer: entry.status === 'fail' ? (entry.failLayer ?? entry.layer) : entry.layer,
            ...(entry.code && { code: entry.code }),
            ...(entry.domain && { domain: entry.domain }),
            time: before(5),
          },
        ],
      ]),
    ),
  })
  const probe = shape.probe === null ? answered(404, {}) : answered(200, shape.probe ?? probeBody({}))
  return { name, url, ready, startup, infrastructure, probe }
}

/** `count` failed cold starts of one service, the newest first, as the collector keeps them. */
export function failedColdStarts(
  serviceName: string,
  count: number,
  failure: {
    phase: string
    component: string
    code: string
    causeCode?: string
    domain?: string
    layer?: string
    message?: string
  },
): RecordedColdStart[] {
  return Array.from({ length: count }, (_, index) => ({
    service: serviceName,
    instance: `${serviceName}-${index + 1}:${4000 + index}`,
    outcome: 'failed' as const,
    at: before(10 + index * 20),
    phase: failure.phase,
    component: failure.component,
    code: failure.code,
    causeCode: failure.causeCode ?? null,
    domain: failure.domain ?? null,
    layer: failure.layer ?? null,
    message: failure.message ?? `${failure.causeCode ?? failure.code} (constructed)`,
    attempts: [
      {
        code: failure.causeCode ?? failure.code,
        ...(failure.domain && { domain: failure.domain }),
        ...(failure.layer && { layer: failure.layer }),
      },
    ],
  }))
}

export const collector = (records: readonly RecordedColdStart[]) => ({
  source: 'frontend GET /startup-reports',
  windowMs: 15 * 60_000,
  records,
})

/** A postgres probe from here that connected: per-step times in ms. */
export function probeOk(steps: { tcp?: number; auth?: number; firstQuery?: number } = {}): ProbeResult {
  const phases = {
    dns: 0.1,
    tcp: steps.tcp ?? 0.3,
    auth: steps.auth ?? 3,
    firstQuery: steps.firstQuery ?? 0.5,
  }
  return {
    kind: 'postgres',
    target: 'postgres://postgres@db.matrix.invalid:5432/postgres',
    ok: true,
    totalMs: phases.dns + phases.tcp + phases.auth + phases.firstQuery,
    phases,
    startedAt: AT,
  }
}

/** A postgres probe from here that failed with a probe error class in a phase. */
export function probeFailed(errorClass: string, phase: string): ProbeResult {
  return {
    kind: 'postgres',
    target: 'postgres://postgres@db.matrix.invalid:5432/postgres',
    ok: false,
    totalMs: 2,
    phases: {},
    startedAt: AT,
    error: { class: errorClass, phase, message: `${errorClass} (constructed)` } as ProbeResult['error'] &
      object,
  }
}

export const database = (probes: readonly ProbeResult[]): DependencyObservation => ({
  name: 'postgres',
  type: 'postgres',
  target: 'postgres://postgres@db.matrix.invalid:5432/postgres',
  probes,
})

/** The capacity read: `available` free slots (of 30, 3 reserved), or the error that kept diagnose out. */
export function capacity(available: number | { code: string }): CapacityObservation | UnreadableCapacity {
  if (typeof available !== 'number')
    return { dependency: 'postgres', unreadable: { code: available.code, message: 'constructed' } }
  return {
    dependency: 'postgres',
    maxConnections: 30,
    reserved: 3,
    inUse: 27 - available,
    available,
    byApplication: { backend: 27 - available - 1, auth: 1 },
    embedded: false,
  }
}

/** `tarmac up`'s facts: each service's last exits (signal or code) and restarts; the services running unless killed. */
export function supervisor(
  services: Record<string, { signal?: string; code?: number; times?: number; down?: boolean }>,
): SupervisorObservation {
  return {
    source: 'tarmac up (.tarmac/up-facts.json)',
    upRunning: true,
    writtenAt: AT,
    services: Object.fromEntries(
      Object.entries(services).map(([name, exit]) => [
        name,
        {
          url: `http://${name}.matrix.invalid`,
          pid: exit.down ? null : 4242,
          restarts: exit.times ?? 0,
          restartFailed: null,
          exits:
            exit.signal === undefined && exit.code === undefined
              ? []
              : Array.from({ length: exit.times ?? 1 }, (_, index) => ({
                  at: before(5 + index * 10),
                  pid: 4000 + index,
                  code: exit.code ?? null,
                  signal: exit.signal ?? null,
                })),
        },
      ]),
    ),
  }
}
