import { pause } from '../command-io.js'
import type { ValidationReport } from './run-criteria.js'

/** How a `--until-pass` run ended. */
export const UNTIL_PASS_OUTCOMES = ['passed', 'timeout', 'interrupted'] as const
export type UntilPassOutcome = (typeof UNTIL_PASS_OUTCOMES)[number]

/** One finished attempt, and when the next begins (null: there is none — it passed, or time is up). */
export interface AttemptProgress {
  readonly attempt: number
  readonly report: ValidationReport
  readonly nextInMs: number | null
  /** Time left before the deadline, after this attempt. */
  readonly remainingMs: number
}

export interface UntilPassOptions {
  /** One run of the gate; its signal fires at the deadline or on interrupt (the run then reports `interrupted`). */
  readonly run: (signal: AbortSignal) => Promise<ValidationReport>
  readonly timeoutMs: number
  /** From the start of one attempt to the start of the next. */
  readonly intervalMs: number
  /** SIGINT / SIGTERM. */
  readonly signal?: AbortSignal
  readonly onAttempt?: (progress: AttemptProgress) => void
  readonly nowMs?: () => number
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface UntilPassResult {
  readonly outcome: UntilPassOutcome
  readonly attempts: number
  /** The last attempt that ran to its end (undefined when the first one was cut short). */
  readonly report: ValidationReport | undefined
  readonly durationMs: number
}

/**
 * Runs the gate until it passes, an attempt every `intervalMs`, for at most `timeoutMs`. The deadline also cuts
 * short an attempt still running then (`timeout`); an interrupt ends everything at once (`interrupted`).
 * @example
 * const { outcome } = await runUntilPass({ run: (signal) => runCriteria(criteria, context, { signal }), timeoutMs: 4 * 3_600_000, intervalMs: 60_000 })
 */
export async function runUntilPass(options: UntilPassOptions): Promise<UntilPassResult> {
  const now = options.nowMs ?? (() => performance.now())
  const sleep = options.sleep ?? pause
  const startedMs = now()
  const deadlineMs = startedMs + options.timeoutMs
  const expired = new AbortController()
  const timer = setTimeout(() => expired.abort(), options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, expired.signal]) : expired.signal
  const result = (outcome: UntilPassOutcome, attempts: number, report: ValidationReport | undefined) => ({
    outcome,
    attempts,
    report,
    durationMs: Math.round(now() - startedMs),
  })
  let last: ValidationReport | undefined
  try {
    for (let attempt = 1; ; attempt++) {
      const attemptStartedMs = now()
      const report = await options.run(signal)
      if (options.signal?.aborted) return result('interrupted', attempt, last)
      if (report.interrupted) return result('timeout', attempt, last)
      last = report
      const remainingMs = Math.max(0, deadlineMs - now())
      const nextInMs = Math.max(0, attemptStartedMs + options.intervalMs - now())
      const another = !report.passed && nextInMs < remainingMs
      options.onAttempt?.({ attempt, report, nextInMs: another ? nextInMs : null, remainingMs })
      if (report.passed) return result('passed', attempt, report)
      if (!another) return result('timeout', attempt, report)
      await sleep(nextInMs, signal)
      if (options.signal?.aborted) return result('interrupted', attempt, report)
      if (expired.signal.aborted) return result('timeout', attempt, report)
    }
  } finally {
    clearTimeout(timer)
  }
}
