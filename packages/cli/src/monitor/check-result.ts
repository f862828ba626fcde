import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import type { PhaseTimings } from '@tarmac/probe'

/** What one check found: `starting` is its own state, never counted as down. */
export const CHECK_STATES = ['pass', 'fail', 'starting'] as const
export type CheckState = (typeof CHECK_STATES)[number]

/** The status of a target over its window. */
export const TARGET_STATUSES = ['unknown', 'up', 'starting', 'down'] as const
export type TargetStatus = (typeof TARGET_STATUSES)[number]

/** One check of one target. JSON-serialisable: this is a line of the JSONL history. */
export interface CheckResult {
  readonly target: string
  /** When the check started, ISO 8601. */
  readonly at: string
  readonly state: CheckState
  readonly latencyMs: number
  readonly phases?: PhaseTimings
  readonly httpStatus?: number
  /** A probe error class (`TCP_REFUSED`…) or `HEALTH_FAIL` (the service answered that it is unhealthy). */
  readonly errorClass?: string
  readonly message?: string
  /** Whose move and where (the fault model); `unknown` for a service that gave no answer at all. */
  readonly faultDomain?: VerdictDomain
  readonly faultLayer?: VerdictLayer
  /** The service's startup state and current phase, from its /health/startup. */
  readonly startupState?: string
  readonly startupPhase?: string
  /** How late the scheduler started this check. */
  readonly lagMs: number
  /** False when the monitor itself was late beyond its bound while measuring: not counted. */
  readonly trusted: boolean
}
