import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import type { TargetEvidence } from './target-evidence.js'

/** What one check found: `starting` is its own state, never counted as down. */
export const CHECK_STATES = ['pass', 'fail', 'starting'] as const
export type CheckState = (typeof CHECK_STATES)[number]

/** The status of a target over its window (an `up` target may also be `degraded`: see `TargetSummary`). */
export const TARGET_STATUSES = ['unknown', 'up', 'starting', 'down'] as const
export type TargetStatus = (typeof TARGET_STATUSES)[number]

/**
 * What alerts, transitions and uptime follow: the status, with `up` split into `up` and `degraded` (the service
 * answers but says an optional part of it is failing).
 */
export const TARGET_CONDITIONS = ['unknown', 'up', 'degraded', 'starting', 'down'] as const
export type TargetCondition = (typeof TARGET_CONDITIONS)[number]

/** One check of one target. JSON-serialisable: this is a line of the JSONL history. */
export interface CheckResult {
  readonly target: string
  /** When the check started, ISO 8601. */
  readonly at: string
  readonly state: CheckState
  readonly latencyMs: number
  /** Per-phase milliseconds: a probe's (`dns`, `tcp`, `ttfb`…) or a WebSocket check's (`token`, `connect`, `auth`). */
  readonly phases?: Readonly<Record<string, number>>
  readonly httpStatus?: number
  /** A probe error class (`TCP_REFUSED`…) or `HEALTH_FAIL` (the service answered that it is unhealthy). */
  readonly errorClass?: string
  /** The code the fault judgement rests on (`PG_ERR_TIMEOUT`, `HEALTH_ERR_STARTING`…), when there is one. */
  readonly code?: string
  readonly message?: string
  /** A passing check of a service that says it is degraded (health `warn`, startup state `degraded`). */
  readonly degraded?: boolean
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
  /**
   * What the check saw, for diagnose's model (`EvidenceBook`). Taken off by the monitor before the result is
   * kept, printed or written: never in the history.
   */
  readonly evidence?: TargetEvidence
}
