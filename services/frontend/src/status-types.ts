/**
 * The shapes of `GET /status/services`, shared by the server and the status page (type-only: no imports, so the
 * browser bundle takes nothing from the server).
 */

/** The health statuses of `application/health+json`, worst last. */
export type Status = 'pass' | 'warn' | 'fail'

/** Whose problem a failing service is, where, the code that says so, and what was seen. */
export interface ServiceFault {
  /** The fault model's domains (`@tarmac/faults`); `unknown` when nothing seen says (no answer at all). */
  domain: 'infrastructure' | 'application' | 'configuration' | 'unknown'
  /** A layer of `@tarmac/faults`' closed list, or `unknown`. */
  layer: string
  code: string
  component: string | null
  summary: string
  /** What was seen, one line each: status, timing, the last recorded exit. */
  evidence: string[]
}

/** A service's last recorded cold start (from the collector), as evidence for a service that does not answer. */
export interface ColdStartBrief {
  outcome: 'ready' | 'failed'
  at: string
  phase: string
  component: string
  code: string
  domain: string | null
  layer: string | null
}

/** The last 15 minutes of a service's cold starts, as the collector (this server) recorded them. */
export interface ColdStartsSummary {
  windowMs: number
  total: number
  ready: number
  failed: number
  failedByPhase: Record<string, number>
  last: ColdStartBrief | null
  /** Connect p50/p95 by step (dns, tcp, ssl, auth, firstQuery, total), over admissions and failed attempts. */
  connectMs: Record<string, { p50: number; p95: number; samples: number }>
}

export interface ServiceComponent {
  name: string
  state: string
  critical: boolean
  durationMs: number | null
  attempts: number
  lastError: { code: string; message: string; domain?: string; layer?: string } | null
}

export interface ServicePhase {
  name: string
  state: string
  durationMs: number | null
  components: ServiceComponent[]
}

export interface ServiceCheck {
  name: string
  status: Status
  critical: boolean | null
  observedValue: unknown
  observedUnit: string | null
  code: string | null
  domain: string | null
  layer: string | null
  output: string | null
}

/** One service as the status page shows it. */
export interface ServiceStatus {
  name: string
  status: Status
  reachable: boolean
  /** The startup engine's state (`starting`, `started`, `degraded`, `failed`…), or `unreachable`. */
  state: string
  phase: string | null
  startupDurationMs: number | null
  /** When the service's startup began, from its startup report. */
  startedAt: string | null
  /** Round trip of `/health/ready` as seen from the frontend server. */
  readyLatencyMs: number | null
  phases: ServicePhase[]
  checks: ServiceCheck[]
  fault: ServiceFault | null
  /** Cold starts this frontend collected for the service (null for a service that sends none). */
  coldStarts: ColdStartsSummary | null
  /** When `status` last changed (ISO 8601); `sinceBasis` says how that is known. */
  since: string
  sinceBasis: SinceBasis
  /** The last 24 hours: state changes and cold starts. */
  timeline: ServiceTimeline
}

/**
 * How a `since` is known: `observed` (this frontend's background poll saw the change happen), `startup-report`
 * (the service's own report: ready since its startup ended), `first-seen` (it was already so when this frontend
 * started watching: at least since then).
 */
export type SinceBasis = 'observed' | 'startup-report' | 'first-seen'

/** One change of a service's status or state, as the frontend saw it. */
export interface StateChange {
  at: string
  status: Status
  state: string
  code: string | null
  basis: SinceBasis
}

/** One cold start the collector recorded: when, how it ended, and where it failed (codes only). */
export interface ColdStartMark {
  at: string
  outcome: 'ready' | 'failed'
  phase: string | null
  code: string | null
}

/** A service's last 24 hours. */
export interface ServiceTimeline {
  windowMs: number
  changes: StateChange[]
  coldStarts: ColdStartMark[]
}

/** What `/status/services` answers. */
export interface StatusBoard {
  checkedAt: string
  status: Status
  /**
   * False for a caller without the health token (and not on loopback): states, codes and timings only — no
   * outputs, messages, evidence, URLs or figures.
   */
  details: boolean
  services: ServiceStatus[]
}
