import { percentileOf } from '@tarmac/sampling'
import type { CheckResult, TargetCondition, TargetStatus } from './check-result.js'

/** A target's status and figures, what one table row shows. */
export interface TargetSummary {
  readonly target: string
  readonly status: TargetStatus
  /** Up, but the last result said the service is degraded (health `warn`, startup state `degraded`). */
  readonly degraded: boolean
  readonly checks: number
  readonly untrusted: number
  /** Failures among the last `window` trusted results. */
  readonly windowFailures: number
  readonly p50Ms: number | null
  readonly p95Ms: number | null
  /** Passing share of trusted pass/fail results in the history, 0..100; null before the first. */
  readonly uptimePercent: number | null
  readonly last: CheckResult | null
  /** The last failure, with its class and fault domain. */
  readonly lastError: CheckResult | null
}

/**
 * The recent history of one target and its status decided over a window: down when at least `failures` of
 * the last `window` trusted results failed (m of n), not after some consecutive count. Untrusted results are
 * kept for display but never counted.
 */
export class TargetWindow {
  readonly #history: CheckResult[] = []
  #lastError: CheckResult | null = null
  #untrusted = 0
  #checks = 0

  constructor(
    readonly target: string,
    readonly failures: number,
    readonly window: number,
    readonly historySize: number,
  ) {}

  add(result: CheckResult): void {
    this.#checks++
    if (!result.trusted) {
      this.#untrusted++
      return
    }
    this.#history.push(result)
    if (this.#history.length > this.historySize) this.#history.shift()
    if (result.state === 'fail') this.#lastError = result
  }

  /** The kept trusted results, oldest first (what a compacted history writes back). */
  results(): readonly CheckResult[] {
    return this.#history
  }

  /**
   * What `summary()` decides, without its figures (percentiles, uptime): the monitor asks after every result, so
   * this reads only the last `window` results. `failures` overrides m (one sweep decides on one result).
   */
  status(failures?: number): Pick<TargetSummary, 'status' | 'degraded' | 'windowFailures'> {
    const history = this.#history
    const from = Math.max(0, history.length - this.window)
    let windowFailures = 0
    for (let i = from; i < history.length; i++) if (history[i]!.state === 'fail') windowFailures++
    const last = history.at(-1)
    const status = statusOf(last, history.length - from, windowFailures, this.failures)
    if (failures !== undefined && status === 'up' && windowFailures >= failures)
      return { status: 'down', degraded: false, windowFailures }
    return { status, degraded: status === 'up' && last?.degraded === true, windowFailures }
  }

  summary(): TargetSummary {
    const recent = this.#history.slice(-this.window)
    const windowFailures = recent.filter((r) => r.state === 'fail').length
    const last = this.#history.at(-1) ?? null
    const status = statusOf(last ?? undefined, recent.length, windowFailures, this.failures)
    const answered = this.#history.filter((r) => r.state !== 'starting')
    const latencies = this.#history.filter((r) => r.state === 'pass').map((r) => r.latencyMs)
    return {
      target: this.target,
      status,
      degraded: status === 'up' && last?.degraded === true,
      checks: this.#checks,
      untrusted: this.#untrusted,
      windowFailures,
      p50Ms: percentileOf(latencies, 50),
      p95Ms: percentileOf(latencies, 95),
      uptimePercent:
        answered.length > 0
          ? (100 * answered.filter((r) => r.state === 'pass').length) / answered.length
          : null,
      last,
      lastError: this.#lastError,
    }
  }
}

/** m of n: down at `failures` of the last results, `starting` when the last one says so, else up. */
function statusOf(
  last: CheckResult | undefined,
  recent: number,
  windowFailures: number,
  failures: number,
): TargetStatus {
  if (last === undefined) return 'unknown'
  // Until m results exist, a target that failed every time so far is down, not "up for lack of evidence".
  const allFailedSoFar = recent > 0 && recent < failures && windowFailures === recent
  if (windowFailures >= failures || allFailedSoFar) return 'down'
  return last.state === 'starting' ? 'starting' : 'up'
}

/** The condition a summary puts its target in: its status, with a degraded `up` as `degraded`. */
export function conditionOf(summary: Pick<TargetSummary, 'status' | 'degraded'>): TargetCondition {
  return summary.status === 'up' && summary.degraded ? 'degraded' : summary.status
}
