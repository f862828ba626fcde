/**
 * The shapes of `GET /status/services`, shared by the server and the status page (type-only: no imports, so the
 * browser bundle takes nothing from the server).
 */

/** The health statuses of `application/health+json`, worst last. */
export type Status = 'pass' | 'warn' | 'fail'

/** Whose problem a failing service most likely is, and the code that says so. */
export interface ServiceFault {
  /** `@tarmac/probe`'s fault domains. */
  domain: 'infrastructure' | 'application' | 'unknown'
  code: string
  component: string | null
  summary: string
}

export interface ServiceComponent {
  name: string
  state: string
  critical: boolean
  durationMs: number | null
  attempts: number
  lastError: { code: string; message: string } | null
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
  /** Round trip of `/health/ready` as seen from the frontend server. */
  readyLatencyMs: number | null
  phases: ServicePhase[]
  checks: ServiceCheck[]
  fault: ServiceFault | null
  /** When `status` last changed, as this frontend instance observed it (ISO 8601). */
  since: string
}

/** What `/status/services` answers. */
export interface StatusBoard {
  checkedAt: string
  status: Status
  services: ServiceStatus[]
}
