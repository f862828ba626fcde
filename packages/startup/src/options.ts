import { isProgrammingError } from '@tarmac/faults'
import { parseOptions } from '@tarmac/options'
import { z } from 'zod'
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

// The schemas are built once, at module load: `add()` is on the startup hot path, and a parse of a built
// schema costs well under a microsecond. `satisfies Record<keyof …>` keeps each one in step with its
// interface: a key added to `Component` fails to compile here until the schema knows it.

/** > 0; Infinity allowed (an unbounded `maxAttempts`). */
const positive = z.custom<number>((value) => typeof value === 'number' && value > 0, 'must be a number > 0')
const nonNegative = z.custom<number>(
  (value) => typeof value === 'number' && value >= 0,
  'must be a number ≥ 0',
)
const fn = <T>() => z.custom<T>((value) => typeof value === 'function', 'must be a function')

const PHASE_SCHEMA = z.union(
  [
    z.string().min(1),
    z.strictObject({ name: z.string().min(1), parallel: z.boolean().optional() } satisfies Record<
      keyof PhaseDefinition,
      z.ZodType
    >),
  ],
  { error: 'must be a phase name or { name, parallel? }' },
)

const STARTUP_OPTIONS_SCHEMA = z.strictObject({
  name: z.string().trim().min(1),
  phases: z
    .array(PHASE_SCHEMA, 'must be an array of phases')
    .min(1, 'must list at least one phase')
    .superRefine((phases, context) => {
      const seen = new Set<string>()
      for (const phase of phases) {
        const name = typeof phase === 'string' ? phase : phase.name
        if (seen.has(name)) context.addIssue({ code: 'custom', message: `lists phase "${name}" twice` })
        seen.add(name)
      }
    }),
  deadlineMs: positive.optional(),
  drainDelayMs: nonNegative.optional(),
  logger: z
    .custom<StartupLogger>((value) => typeof value === 'object' && value !== null, 'must be a logger')
    .optional(),
  random: fn<() => number>().optional(),
  now: fn<() => number>().optional(),
  classify: fn<FaultClassifier>().optional(),
} satisfies Record<keyof StartupOptions, z.ZodType>)

const RETRY_SCHEMA = z.strictObject({
  baseMs: positive.optional(),
  capMs: positive.optional(),
  maxAttempts: positive.optional(),
  deadlineMs: positive.optional(),
  retryable: fn<NonNullable<RetryOptions['retryable']>>().optional(),
} satisfies Record<keyof RetryOptions, z.ZodType>)

const COMPONENT_SCHEMA = z.strictObject({
  name: z.string().min(1),
  // Any value: a phase that is not declared is its own error, `STARTUP_ERR_UNKNOWN_PHASE`.
  phase: z.unknown(),
  critical: z.boolean().optional(),
  timeoutMs: positive.optional(),
  retry: RETRY_SCHEMA.optional(),
  start: fn<Component<unknown>['start']>(),
  stop: fn<NonNullable<Component<unknown>['stop']>>().optional(),
  stopTimeoutMs: positive.optional(),
} satisfies Record<keyof Component<unknown>, z.ZodType>)

/** Validates once, lists every problem in one error, and freezes the result. */
export function resolveStartupOptions(options: StartupOptions): ResolvedStartupOptions {
  const valid = parseOptions(STARTUP_OPTIONS_SCHEMA, options, (problems) =>
    invalid('STARTUP_ERR_INVALID_OPTIONS', 'invalid startup options', problems),
  )
  const phases = valid.phases.map((phase) =>
    Object.freeze(
      typeof phase === 'string'
        ? { name: phase, parallel: false }
        : { name: phase.name, parallel: !!phase.parallel },
    ),
  )
  return Object.freeze({
    name: options.name,
    phases: Object.freeze(phases),
    deadlineMs: valid.deadlineMs ?? STARTUP_DEFAULTS.deadlineMs,
    drainDelayMs: valid.drainDelayMs ?? STARTUP_DEFAULTS.drainDelayMs,
    logger: valid.logger ?? silentLogger,
    random: valid.random ?? Math.random,
    now: valid.now ?? Date.now,
    classify: withProgrammingErrors(valid.classify),
  })
}

const APPLICATION_FAULT = Object.freeze({ domain: 'application', layer: 'application' })

/**
 * The service's classifier, and where it has no domain for a programming error (`isProgrammingError`), the
 * application's: the report says whose move it is even without a fault model.
 */
function withProgrammingErrors(classify: FaultClassifier | undefined): FaultClassifier {
  return (error) => {
    const verdict = classify?.(error) ?? {}
    return verdict.domain === undefined && isProgrammingError(error) ? APPLICATION_FAULT : verdict
  }
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
  // Built only on failure: add() is on the hot path.
  const label = () => `component "${String((component as { name?: unknown } | null)?.name)}"`
  const valid = parseOptions(COMPONENT_SCHEMA, component, (problems) =>
    invalid('STARTUP_ERR_INVALID_COMPONENT', `invalid ${label()}`, problems),
  )
  if (typeof valid.phase !== 'string' || !phaseNames.has(valid.phase)) {
    throw new StartupError(
      'STARTUP_ERR_UNKNOWN_PHASE',
      `${label()} names phase "${String(valid.phase)}", which is not one of: ${[...phaseNames].join(', ')}`,
    )
  }
  const retry: RetryOptions = valid.retry ?? { maxAttempts: 1 }
  return Object.freeze({
    definition: component,
    name: valid.name,
    phase: valid.phase,
    critical: valid.critical ?? true,
    timeoutMs: valid.timeoutMs ?? STARTUP_DEFAULTS.componentTimeoutMs,
    stopTimeoutMs: valid.stopTimeoutMs ?? STARTUP_DEFAULTS.stopTimeoutMs,
    retry: Object.freeze({
      baseMs: retry.baseMs ?? RETRY_DEFAULTS.baseMs,
      capMs: retry.capMs ?? RETRY_DEFAULTS.capMs,
      maxAttempts: retry.maxAttempts ?? Infinity,
      deadlineMs: retry.deadlineMs ?? Infinity,
      retryable: retry.retryable ?? (() => true),
    }),
  })
}

function invalid(
  code: 'STARTUP_ERR_INVALID_OPTIONS' | 'STARTUP_ERR_INVALID_COMPONENT',
  what: string,
  problems: readonly string[],
) {
  return new StartupError(code, `${what}: ${problems.join('; ')}`)
}
