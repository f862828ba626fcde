import type { AlertError } from './alert-event.js'
import type { TargetCondition } from './check-result.js'

/** The life of an incident alert: opened once, updated as the picture changes, resolved when all are back. */
export const INCIDENT_STATUSES = ['opened', 'updated', 'resolved'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

/** `outage` while any target of it is down; `warning` when its targets are only degraded (a certificate expiring). */
export const INCIDENT_SEVERITIES = ['outage', 'warning'] as const
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number]

/** One target of an incident, as the receivers were told. */
export interface IncidentTarget {
  readonly target: string
  readonly service: string
  readonly condition: TargetCondition
  readonly since: string
  readonly lastError: AlertError | null
}

/** What the incident is judged to be: diagnose's verdict on the monitor's evidence, or the targets' own. */
export interface IncidentVerdict {
  /** `diagnose`: the model named a fault; `targets`: it named none, so the targets' own fault judgement. */
  readonly basis: 'diagnose' | 'targets'
  readonly domain: string
  readonly layer: string
  readonly confidence: string
  readonly score: number
  readonly runnerUp: { readonly domain: string; readonly layer: string; readonly score: number } | null
  /** The earliest time a supporting fact reports. */
  readonly since: string | null
  /** The facts that point at the verdict, strongest first, as `fact (source)`. */
  readonly evidence: readonly string[]
  readonly actions: readonly string[]
  /** Who owns the layer: the handoff's addressee. */
  readonly owner: string
  /** The handoff for that team, in markdown (as `tarmac diagnose --handoff` writes it). */
  readonly handoff: string
}

/**
 * One message about one incident, as the webhook receives it (POST body), the command reads it (stdin) and the
 * history keeps it. Every message of an incident carries the same `id`; `sequence` counts them. JSON; no URLs
 * with secrets and no tokens.
 */
export interface IncidentEvent {
  readonly kind: 'incident'
  readonly id: string
  readonly status: IncidentStatus
  readonly sequence: number
  /** When this message was decided. */
  readonly at: string
  /** When its first message was sent. */
  readonly openedAt: string
  /** When its first change happened (up to the grouping window before `openedAt`). */
  readonly startedAt: string
  readonly resolvedAt: string | null
  readonly severity: IncidentSeverity
  /** One line: the verdict, what is down, whose move it is. */
  readonly title: string
  readonly verdict: IncidentVerdict
  /** The targets down or degraded now (none once resolved). */
  readonly targets: readonly IncidentTarget[]
  /** Every target that has been part of it, for the record. */
  readonly involved: readonly string[]
  /** What changed since the previous message of this incident. */
  readonly changes: readonly {
    readonly target: string
    readonly from: TargetCondition
    readonly to: TargetCondition
    readonly at: string
  }[]
}
