import { parseOptions, type OptionsSchema } from '@tarmac/options'
import { z } from 'zod'
import type { HealthCheck } from './check.js'
import { HealthError } from './errors.js'

/** Budgets from DESIGN.md: interval 5 s, timeout 2 s, stale after 3 intervals. */
export const HEALTH_DEFAULTS = Object.freeze({
  intervalMs: 5_000,
  timeoutMs: 2_000,
  staleIntervals: 3,
  /** Each interval is stretched or shrunk by up to this fraction, so instances do not check in step. */
  jitterRatio: 0.1,
  /** `/health/live` fails above this event-loop lag (p99 of the last sample window). */
  maxEventLoopLagMs: 1_000,
  eventLoopSampleMs: 1_000,
})

/** A check with every default filled in, validated and frozen. */
export interface ResolvedCheck extends Required<Omit<HealthCheck, 'componentId'>> {
  readonly componentId: string | undefined
  readonly component: string
}

// The schemas are built once, at module load, and parsed through `@tarmac/options`' `parseOptions`, the path
// every package shares. `satisfies Record<keyof …>` keeps each one in step with its interface.

const positiveMs = z.number('must be a positive finite number').gt(0, 'must be a positive finite number')
const fn = <T>() => z.custom<T>((value) => typeof value === 'function', 'must be a function')
const object = <T>() =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'must be an object',
  )
const loose = z.unknown().optional()
const msAtLeast = (min: number) => z.number(`must be a number ≥ ${min}`).min(min, `must be a number ≥ ${min}`)

/**
 * The field rules the package's option schemas are built from. Each schema lives beside the options interface
 * it validates (registry.ts, plugin.ts, kubernetes.ts, postgres-checks.ts), so this file imports none of them.
 */
export const optionFields = Object.freeze({ positiveMs, fn, object, loose, msAtLeast })

const CHECK_NAME = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/
const CHECK_SCHEMA = z.strictObject({
  name: z
    .string('must look like "component:measurement"')
    .regex(CHECK_NAME, 'must look like "component:measurement"'),
  run: fn<HealthCheck['run']>(),
  componentType: z.string().optional(),
  componentId: z.string().optional(),
  critical: z.boolean().optional(),
  intervalMs: positiveMs.optional(),
  timeoutMs: positiveMs.optional(),
  staleAfterMs: positiveMs.optional(),
  fault: object<NonNullable<HealthCheck['fault']>>().optional(),
} satisfies Record<keyof HealthCheck, z.ZodType>)

/** Validates a check once, listing every problem in one `HEALTH_ERR_INVALID_CHECK`. */
export function resolveCheck(check: HealthCheck): ResolvedCheck {
  parseOptions(
    CHECK_SCHEMA,
    check,
    (problems) => new HealthError('HEALTH_ERR_INVALID_CHECK', `invalid check: ${problems.join('; ')}`),
  )
  const intervalMs = check.intervalMs ?? HEALTH_DEFAULTS.intervalMs
  return Object.freeze({
    name: check.name,
    component: check.name.slice(0, check.name.indexOf(':')),
    componentType: check.componentType ?? 'component',
    componentId: check.componentId,
    critical: check.critical ?? true,
    intervalMs,
    timeoutMs: check.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
    staleAfterMs: check.staleAfterMs ?? HEALTH_DEFAULTS.staleIntervals * intervalMs,
    fault: check.fault ?? {},
    run: check.run.bind(check),
  })
}

/** Parses `input` with `schema`; one `HEALTH_ERR_INVALID_OPTIONS` (`invalid <what>: …`) lists every problem. */
export function parseHealthOptions<T>(schema: OptionsSchema<T>, input: unknown, what: string): T {
  return parseOptions(
    schema,
    input,
    (problems) => new HealthError('HEALTH_ERR_INVALID_OPTIONS', `invalid ${what}: ${problems.join('; ')}`),
  )
}
