import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import { pause } from '../command-io.js'
import { CliError } from '../errors.js'
import { percentileOf } from '@tarmac/sampling'
import { chatSampler } from './chat-round-trip.js'
import type { CheckType, Criteria, CriteriaCheck } from './criteria-schema.js'
import { dbConnectSampler } from './db-connect-check.js'
import { httpSampler } from './http-check.js'
import type { CheckContext, Sample, SampleFailure, Sampler } from './sample.js'
import { startupPhaseSampler } from './startup-phase-check.js'

/** The outcome of one check over its samples. */
export interface CheckOutcome {
  readonly category: string
  readonly name: string
  readonly type: CheckType
  readonly critical: boolean
  readonly passed: boolean
  readonly samples: number
  readonly failedSamples: number
  readonly percentile: number
  /** The percentile of the measured times, ms; null when no sample measured one. */
  readonly observedMs: number | null
  readonly maxMs: number | null
  /** Why it failed: the most frequent failure class among the samples, or OVER_BOUND. */
  readonly errorClass?: string
  readonly faultDomain?: VerdictDomain
  readonly faultLayer?: VerdictLayer
  readonly message?: string
  readonly durationMs: number
}

/** The gate's verdict. */
export interface ValidationReport {
  readonly passed: boolean
  readonly passRate: number
  readonly threshold: number
  readonly criticalFailed: string[]
  readonly checks: CheckOutcome[]
  readonly startedAt: string
  readonly durationMs: number
  /** The run was interrupted (SIGINT, SIGTERM, a deadline): it never passes. */
  readonly interrupted: boolean
  /** `category/name` of every check that never ran, or was cut short, because of the interruption. */
  readonly notRun: string[]
  /** Every `ifConfigured` check skipped because the config has no such service (`category/name`), and why. */
  readonly skipped: { readonly check: string; readonly reason: string }[]
}

const FACTORIES = {
  http: httpSampler,
  'startup-phase': startupPhaseSampler,
  'db-connect': dbConnectSampler,
  chat: chatSampler,
} as const

/**
 * Runs every check of the criteria (one after another, so samples do not disturb each other) and applies the
 * gate: passed when the share of passing checks reaches the threshold and every critical check passed.
 * A check passes when every sample passed and, with `maxMs`, the percentile of the times is within it.
 */
export async function runCriteria(
  criteria: Criteria,
  context: Omit<CheckContext, 'timeoutMs'>,
  options: { signal?: AbortSignal; onCheck?: (outcome: CheckOutcome) => void } = {},
): Promise<ValidationReport> {
  const startedMs = performance.now()
  const startedAt = new Date().toISOString()
  const checks: CheckOutcome[] = []
  const notRun: string[] = []
  const skipped: ValidationReport['skipped'] = []
  for (const category of criteria.categories) {
    for (const check of category.checks) {
      const id = `${category.name}/${check.name}`
      const service = 'service' in check ? check.service : undefined
      if (check.ifConfigured && service !== undefined && !(service in context.config.services)) {
        skipped.push({ check: id, reason: `no service "${service}" in the config` })
        continue
      }
      const outcome = options.signal?.aborted
        ? undefined
        : await runCheck(
            category.name,
            check,
            criteria,
            { ...context, timeoutMs: check.timeoutMs ?? criteria.timeoutMs },
            options.signal,
          )
      if (outcome === undefined) {
        notRun.push(id)
        continue
      }
      checks.push(outcome)
      options.onCheck?.(outcome)
    }
  }
  const interrupted = options.signal?.aborted === true
  const passedCount = checks.filter((c) => c.passed).length
  const passRate = checks.length === 0 ? 0 : passedCount / checks.length
  const criticalFailed = checks.filter((c) => c.critical && !c.passed).map((c) => `${c.category}/${c.name}`)
  return {
    passed:
      !interrupted && checks.length > 0 && passRate >= criteria.threshold && criticalFailed.length === 0,
    passRate,
    threshold: criteria.threshold,
    criticalFailed,
    checks,
    startedAt,
    durationMs: Math.round(performance.now() - startedMs),
    interrupted,
    notRun,
    skipped,
  }
}

async function runCheck(
  category: string,
  check: CriteriaCheck,
  criteria: Criteria,
  context: CheckContext,
  signal?: AbortSignal,
): Promise<CheckOutcome | undefined> {
  const startedMs = performance.now()
  const count = check.samples ?? criteria.samples
  const percentile = check.percentile ?? criteria.percentile
  const base = {
    category,
    name: check.name,
    type: check.type,
    critical: check.critical,
    percentile,
    maxMs: check.maxMs ?? null,
  }
  const samples: Sample[] = []
  let sampler: Sampler | undefined
  try {
    sampler = await (FACTORIES[check.type] as (c: CriteriaCheck, x: CheckContext) => Promise<Sampler>)(
      check,
      context,
    )
    for (let i = 0; i < count && !signal?.aborted; i++) {
      if (i > 0) await pause(check.intervalMs ?? criteria.intervalMs, signal)
      const sample = await unlessAborted(sampler.sample(), signal)
      if (sample !== undefined) samples.push(sample)
    }
  } catch (error) {
    if (error instanceof CliError) throw error
    if (signal?.aborted) return undefined
    samples.push({
      ok: false,
      failure: { class: 'UNKNOWN', message: String(error), faultDomain: 'unknown', faultLayer: 'unknown' },
    })
  } finally {
    await sampler?.close?.()
  }
  // Cut short: the samples taken say nothing about the check.
  if (signal?.aborted) return undefined
  const times = samples.flatMap((s) => (s.valueMs === undefined ? [] : [s.valueMs]))
  const observedMs = percentileOf(times, percentile)
  const failures = samples.flatMap((s) => (s.failure ? [s.failure] : []))
  const durationMs = Math.round(performance.now() - startedMs)
  const common = { ...base, samples: samples.length, failedSamples: failures.length, observedMs, durationMs }
  if (failures.length > 0)
    return { ...common, passed: false, ...describe(mostFrequent(failures), failures.length, samples.length) }
  if (check.maxMs !== undefined && (observedMs === null || observedMs > check.maxMs)) {
    return {
      ...common,
      passed: false,
      errorClass: 'OVER_BOUND',
      // Slow connection establishment is the path's (the network, the connector, the server); other times are unknown.
      faultDomain: check.type === 'db-connect' ? 'infrastructure' : 'unknown',
      faultLayer: 'unknown',
      message: `p${percentile} ${observedMs ?? '–'} ms over ${samples.length} samples exceeds ${check.maxMs} ms`,
    }
  }
  return { ...common, passed: samples.length === count }
}

/** The sample, or undefined as soon as the signal fires (the sample's own timeout may be much longer). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return work
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (
        signal.removeEventListener('abort', onAbort),
        reject(error instanceof Error ? error : new Error(String(error)))
      ),
    )
  })
}

function mostFrequent(failures: SampleFailure[]): SampleFailure {
  const counts = new Map<string, number>()
  for (const f of failures) counts.set(f.class, (counts.get(f.class) ?? 0) + 1)
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
  return failures.find((f) => f.class === top)!
}

function describe(failure: SampleFailure, failedCount: number, total: number) {
  const share = total > 1 ? ` (${failedCount}/${total} samples failed)` : ''
  return {
    errorClass: failure.class,
    faultDomain: failure.faultDomain,
    faultLayer: failure.faultLayer,
    message: `${failure.message}${share}`,
  }
}
