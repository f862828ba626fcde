/**
 * Where a service's cold start goes, step by step, from one sample: spawn → the startup engine's start (Node's
 * own boot, loading and evaluating the bundle, reading the config, composing the service), then each phase of
 * the startup report (`/health/startup`) and the components inside it (the first queries live there: admission
 * and migrations in `database`, the chat round trip in `finalize`), then the engine's "ready" → the bench's first
 * 200 from `/health/ready` (the gate opening and the poll's own latency).
 */
import type { ColdStart } from './measure.js'

/** One step of one sample; `depth` 1 is a component inside the phase above it (parallel ones overlap). */
export interface StepSample {
  readonly step: string
  readonly depth: 0 | 1
  readonly ms: number
}

interface ReportLike {
  readonly startedAt: string | null
  readonly durationMs: number | null
  readonly phases: readonly {
    readonly name: string
    readonly durationMs: number | null
    readonly components: readonly { readonly name: string; readonly durationMs: number | null }[]
  }[]
}

export const LOAD_STEP = 'spawn → engine start (Node boot, bundle load, config, composition)'
export const READY_STEP = 'engine ready → first 200 from /health/ready'

const isReport = (value: unknown): value is ReportLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ReportLike).startedAt === 'string' &&
  Array.isArray((value as ReportLike).phases)

/** The steps of one cold start, or null when it has no startup report (the floor, Postgres). */
export function stepsOf(sample: ColdStart): StepSample[] | null {
  const report = sample.report
  if (!isReport(report) || sample.readyMs === null) return null
  const engineStartMs = Date.parse(report.startedAt!) - sample.spawnedAtEpochMs
  const steps: StepSample[] = [{ step: LOAD_STEP, depth: 0, ms: engineStartMs }]
  for (const phase of report.phases) {
    steps.push({ step: `phase ${phase.name}`, depth: 0, ms: phase.durationMs ?? 0 })
    for (const component of phase.components)
      steps.push({ step: `${phase.name} › ${component.name}`, depth: 1, ms: component.durationMs ?? 0 })
  }
  steps.push({
    step: READY_STEP,
    depth: 0,
    ms: sample.readyMs - (engineStartMs + (report.durationMs ?? 0)),
  })
  return steps
}
