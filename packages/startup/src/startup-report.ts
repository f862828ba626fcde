import type { ComponentState, PhaseState, StartupEventType, StartupState } from './states.js'

/** One failed attempt, as the report keeps it. */
export interface AttemptError {
  readonly attempt: number
  readonly code: string
  readonly message: string
  readonly durationMs: number
  /** ISO time the attempt ended. */
  readonly at: string
  /** Whose move it was and where on the path (from the `classify` option), when known. */
  readonly domain?: string
  readonly layer?: string
  /** What the error carried as `evidence`: a phase, an error class, a SQLSTATE, timings so far. */
  readonly evidence?: Readonly<Record<string, unknown>>
}

export interface ComponentReport {
  name: string
  phase: string
  critical: boolean
  /** The effective per-attempt timeout. */
  timeoutMs: number
  state: ComponentState
  /** ISO time of the first attempt; null until it starts. */
  startedAt: string | null
  /** From the first attempt to started (or to giving up). */
  durationMs: number | null
  attempts: number
  /** The last failed attempts (at most 20); `attempts` counts them all. */
  errors: AttemptError[]
  /** What the component reported about itself (`context.report`). */
  details?: Record<string, unknown>
  /** ISO time an optional component recovered in the background. */
  recoveredAt?: string
  /** Set when `stop` failed or timed out. */
  stopError?: { code: string; message: string }
}

export interface PhaseReport {
  name: string
  parallel: boolean
  state: PhaseState
  startedAt: string | null
  durationMs: number | null
  components: ComponentReport[]
}

/** What made startup fail: enough for one human line. */
export interface StartupFailure {
  phase: string
  component: string
  code: string
  message: string
  /** Whose move it is (`application`, `infrastructure`, `configuration`) and where, when known. */
  domain?: string
  layer?: string
  /** When `code` only says "it took too long" (a deadline): the last real error underneath it. */
  cause?: { code: string; message: string }
}

/** The whole story of one boot. JSON-serialisable; `/health/startup` serves it. */
export interface StartupReport {
  service: string
  state: StartupState
  currentPhase: string | null
  startedAt: string | null
  durationMs: number | null
  deadlineMs: number
  phases: PhaseReport[]
  failure: StartupFailure | null
}

/** Every transition, for logs and metrics. `component` and `phase` name what changed. */
export interface StartupEvent {
  readonly type: StartupEventType
  readonly service: string
  /** Epoch ms (a number, not an ISO string: events are hot and loggers stamp their own time). */
  readonly atMs: number
  readonly phase?: string
  readonly component?: string
  readonly attempt?: number
  readonly durationMs?: number
  readonly delayMs?: number
  readonly code?: string
  readonly message?: string
  readonly reason?: string
}

export type StartupEventListener = (event: StartupEvent) => void

/**
 * A deep copy of a report. Field by field rather than `structuredClone` (which serialises the whole tree and
 * was a tenth of the engine's time per component): only the rare nested values — attempt errors with their
 * evidence, a component's details — go through `structuredClone`.
 */
export function copyReport(report: StartupReport): StartupReport {
  return {
    ...report,
    phases: report.phases.map((phase) => ({ ...phase, components: phase.components.map(copyComponent) })),
    failure: report.failure && {
      ...report.failure,
      ...(report.failure.cause && { cause: { ...report.failure.cause } }),
    },
  }
}

function copyComponent(component: ComponentReport): ComponentReport {
  const copy: ComponentReport = {
    ...component,
    errors: component.errors.length === 0 ? [] : structuredClone(component.errors),
  }
  if (component.details) copy.details = structuredClone(component.details)
  if (component.stopError) copy.stopError = { ...component.stopError }
  return copy
}
