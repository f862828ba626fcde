import type { CheckResult, TargetCondition } from './check-result.js'
import type { ActiveMaintenance } from './maintenance.js'
import type { TargetSummary } from './target-window.js'

/** The state changes that alert: a target went down, came back, or says it is degraded. */
export const ALERT_EVENTS = ['down', 'recovered', 'degraded'] as const
export type AlertEventName = (typeof ALERT_EVENTS)[number]

/** What became of an event: sent to the receivers, or recorded only (and why). */
export const ALERT_DISPOSITIONS = ['sent', 'maintenance', 'rate-limited', 'unchanged'] as const
export type AlertDisposition = (typeof ALERT_DISPOSITIONS)[number]

/** The evidence an alert carries about the failure: class, code, fault domain and layer, when. */
export interface AlertError {
  readonly at: string
  readonly errorClass: string | null
  readonly code: string | null
  readonly message: string | null
  readonly httpStatus: number | null
  readonly faultDomain: string | null
  readonly faultLayer: string | null
}

/**
 * One alert, as the webhook receives it (POST body), the command reads it (stdin) and the history keeps it.
 * JSON-serialisable; no URLs and no tokens.
 */
export interface AlertEvent {
  readonly kind: 'alert'
  readonly event: AlertEventName
  readonly target: string
  readonly service: string
  /** When the change was seen (the result that made it). */
  readonly at: string
  readonly from: TargetCondition
  readonly to: TargetCondition
  /** Since when the target has been in `to`. */
  readonly since: string
  readonly lastError: AlertError | null
  /** The window the status was decided over: `failures` of the last `size` trusted results; down at `threshold`. */
  readonly window: {
    readonly failures: number
    readonly size: number
    readonly threshold: number
    readonly checks: number
    readonly untrusted: number
  }
  readonly disposition: AlertDisposition
  /** Events of this target recorded but not sent since the last one that was (rate limit, maintenance). */
  readonly suppressed: number
  readonly maintenance: ActiveMaintenance | null
}

/** The event name for a change to `to`: back to `up` is `recovered`. */
export function eventNameOf(to: 'up' | 'degraded' | 'down'): AlertEventName {
  return to === 'up' ? 'recovered' : to
}

/** The evidence of a result, for an alert. */
export function alertErrorOf(result: CheckResult | null): AlertError | null {
  if (!result) return null
  return {
    at: result.at,
    errorClass: result.errorClass ?? null,
    code: result.code ?? result.errorClass ?? null,
    message: result.message ?? null,
    httpStatus: result.httpStatus ?? null,
    faultDomain: result.faultDomain ?? null,
    faultLayer: result.faultLayer ?? null,
  }
}

/** The window figures of a summary, for an alert. */
export function windowOf(summary: TargetSummary, size: number, threshold: number): AlertEvent['window'] {
  return {
    failures: summary.windowFailures,
    size,
    threshold,
    checks: summary.checks,
    untrusted: summary.untrusted,
  }
}
