import type { Component, RetryOptions } from './component.js'
import { StartupError } from './errors.js'
import type { StartupLogger } from './logger.js'
import { silentLogger } from './logger.js'
import { RETRY_DEFAULTS } from './retry-policy.js'

/** Budgets from DESIGN.md: a 120 s startup deadline fits a 240 s platform startup probe. */
export const STARTUP_DEFAULTS = Object.freeze({
  deadlineMs: 120_000,
  drainDelayMs: 0,
  componentTimeoutMs: 30_000,
  stopTimeoutMs: 10_000,
  /** Failed attempts kept per component; older ones are counted but dropped (background retries run forever). */
  attemptErrorsKept: 20,
})

/** A phase by name, or with `parallel: true` to start its components concurrently. */
export interface PhaseDefinition {
  readonly name: string
  readonly parallel?: boolean
}

export interface StartupOptions {
  /** The service name: it heads the report and every log line. */
  readonly name: string
  /** In order. Phases run strictly one after another. */
  readonly phases: readonly (string | PhaseDefinition)[]
  /** Everything — attempts, retry sleeps — must finish within this. Default 120 000. */
  readonly deadlineMs?: number
  /** Pause between readiness turning false and the first component stopping. Default 0. */
  readonly drainDelayMs?: number
  readonly logger?: StartupLogger
  /** Random source in [0, 1) for jitter; inject a seeded one in tests. */
  readonly random?: () => number
  /** Wall clock in ms; inject in tests. */
  readonly now?: () => number
  /**
   * Judges an error: its fault domain and layer (a `@tarmac/faults` model's `annotate`). The report records
   * them beside every failed attempt and the failure, so the evidence says whose move it is without a lookup.
   */
  readonly classify?: FaultClassifier
}

/** `{ domain, layer }` of an error, or `{}` when nothing knows its code. */
export type FaultClassifier = (error: unknown) => { readonly domain?: string; readonly layer?: string }

export interface ResolvedStartupOptions {
  readonly name: string
  readonly phases: readonly Required<PhaseDefinition>[]
  readonly deadlineMs: number
  readonly drainDelayMs: number
  readonly logger: StartupLogger
  readonly random: () => number
  readonly now: () => number
  readonly classify: FaultClassifier
}

const STARTUP_OPTION_KEYS = new Set([
  'name',
  'phases',
  'deadlineMs',
  'drainDelayMs',
  'logger',
  'random',
  'now',
  'classify',
])
const COMPONENT_KEYS = new Set([
  'name',
  'phase',
  'critical',
  'timeoutMs',
  'retry',
  'start',
  'stop',
  'stopTimeoutMs',
])
const RETRY_KEYS = new Set(['baseMs', 'capMs', 'maxAttempts', 'deadlineMs', 'retryable'])

/** Validates once, lists every problem in one error, and freezes the result. */
export function resolveStartupOptions(options: StartupOptions): ResolvedStartupOptions {
  const problems: string[] = unknownKeys(options, STARTUP_OPTION_KEYS, 'options')
  if (typeof options.name !== 'string' || options.name.trim() === '')
    problems.push('name must be a non-empty string')
  const declared: readonly (string | PhaseDefinition)[] = Array.isArray(options.phases) ? options.phases : []
  const phases = declared.map((phase) =>
    typeof phase === 'string'
      ? { name: phase, parallel: false }
      : { name: phase.name, parallel: !!phase.parallel },
  )
  if (phases.length === 0) problems.push('phases must list at least one phase')
  const seen = new Set<string>()
  for (const phase of phases) {
    if (typeof phase.name !== 'string' || phase.name === '') problems.push('every phase needs a name')
    else if (seen.has(phase.name)) problems.push(`phase "${phase.name}" is listed twice`)
    seen.add(phase.name)
  }
  checkPositive(problems, 'deadlineMs', options.deadlineMs)
  checkNonNegative(problems, 'drainDelayMs', options.drainDelayMs)
  if (problems.length > 0) throw invalid('STARTUP_ERR_INVALID_OPTIONS', 'invalid startup options', problems)
  return Object.freeze({
    name: options.name,
    phases: Object.freeze(phases.map((phase) => Object.freeze(phase))),
    deadlineMs: options.deadlineMs ?? STARTUP_DEFAULTS.deadlineMs,
    drainDelayMs: options.drainDelayMs ?? STARTUP_DEFAULTS.drainDelayMs,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    classify: options.classify ?? (() => ({})),
  })
}

export interface ResolvedRetry {
  readonly baseMs: number
  readonly capMs: number
  readonly maxAttempts: number
  /** Infinity: bounded by the startup deadline only. */
  readonly deadlineMs: number
  readonly retryable: (error: unknown, attempt: number) => boolean
}

export interface ResolvedComponent {
  readonly definition: Component<unknown>
  readonly name: string
  readonly phase: string
  readonly critical: boolean
  readonly timeoutMs: number
  readonly stopTimeoutMs: number
  readonly retry: ResolvedRetry
}

/** A component without `retry` gets exactly one attempt. */
export function resolveComponent(
  component: Component<unknown>,
  phaseNames: ReadonlySet<string>,
): ResolvedComponent {
  const problems = unknownKeys(component, COMPONENT_KEYS, 'component')
  if (typeof component.name !== 'string' || component.name === '')
    problems.push('name must be a non-empty string')
  if (typeof component.start !== 'function') problems.push('start must be a function')
  if (component.stop !== undefined && typeof component.stop !== 'function')
    problems.push('stop must be a function')
  checkPositive(problems, 'timeoutMs', component.timeoutMs)
  checkPositive(problems, 'stopTimeoutMs', component.stopTimeoutMs)
  const retry: RetryOptions = component.retry ?? { maxAttempts: 1 }
  problems.push(...unknownKeys(retry, RETRY_KEYS, 'retry'))
  checkPositive(problems, 'retry.baseMs', retry.baseMs)
  checkPositive(problems, 'retry.capMs', retry.capMs)
  checkPositive(problems, 'retry.maxAttempts', retry.maxAttempts)
  checkPositive(problems, 'retry.deadlineMs', retry.deadlineMs)
  const label = `component "${String(component.name)}"`
  if (problems.length > 0) throw invalid('STARTUP_ERR_INVALID_COMPONENT', `invalid ${label}`, problems)
  if (!phaseNames.has(component.phase)) {
    throw new StartupError(
      'STARTUP_ERR_UNKNOWN_PHASE',
      `${label} names phase "${String(component.phase)}", which is not one of: ${[...phaseNames].join(', ')}`,
    )
  }
  return Object.freeze({
    definition: component,
    name: component.name,
    phase: component.phase,
    critical: component.critical ?? true,
    timeoutMs: component.timeoutMs ?? STARTUP_DEFAULTS.componentTimeoutMs,
    stopTimeoutMs: component.stopTimeoutMs ?? STARTUP_DEFAULTS.stopTimeoutMs,
    retry: Object.freeze({
      baseMs: retry.baseMs ?? RETRY_DEFAULTS.baseMs,
      capMs: retry.capMs ?? RETRY_DEFAULTS.capMs,
      maxAttempts: retry.maxAttempts ?? Infinity,
      deadlineMs: retry.deadlineMs ?? Infinity,
      retryable: retry.retryable ?? (() => true),
    }),
  })
}

function unknownKeys(value: object, known: ReadonlySet<string>, where: string): string[] {
  if (typeof value !== 'object' || value === null) return [`${where} must be an object`]
  return Object.keys(value)
    .filter((key) => !known.has(key))
    .map((key) => `${where} has an unknown key "${key}"`)
}

function checkPositive(problems: string[], name: string, value: unknown): void {
  if (value === undefined) return
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0)
    problems.push(`${name} must be a number > 0`)
}

function checkNonNegative(problems: string[], name: string, value: unknown): void {
  if (value === undefined) return
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    problems.push(`${name} must be a number ≥ 0`)
}

function invalid(
  code: 'STARTUP_ERR_INVALID_OPTIONS' | 'STARTUP_ERR_INVALID_COMPONENT',
  what: string,
  problems: string[],
) {
  return new StartupError(code, `${what}: ${problems.join('; ')}`)
}
