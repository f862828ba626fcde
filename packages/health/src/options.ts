import { parseOptions, type OptionsSchema } from '@tarmac/options'
import { z } from 'zod'
import type { HealthCheck } from './check.js'
import type { KubernetesProbeOptions } from './kubernetes.js'
import type { HealthPluginOptions } from './plugin.js'
import type { PostgresChecksOptions } from './postgres-checks.js'
import type { HealthRegistryOptions } from './registry.js'
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

export const REGISTRY_OPTIONS_SCHEMA = z.strictObject({
  classify: fn<NonNullable<HealthRegistryOptions['classify']>>().optional(),
  logger: loose,
  now: fn<() => number>().optional(),
  random: fn<() => number>().optional(),
} satisfies Record<keyof HealthRegistryOptions, z.ZodType>)

const msAtLeast = (min: number) => z.number(`must be a number ≥ ${min}`).min(min, `must be a number ≥ ${min}`)

export const KUBERNETES_PROBE_OPTIONS_SCHEMA = z.strictObject({
  startupDeadlineMs: msAtLeast(1).optional(),
  drainDelayMs: msAtLeast(0).optional(),
  stopBudgetMs: msAtLeast(0).optional(),
  marginMs: msAtLeast(0).optional(),
  port: z
    .union([z.number().int().min(1).max(65535), z.string().min(1)], 'must be a port number or name')
    .optional(),
  probeTimeoutMs: msAtLeast(1).optional(),
} satisfies Record<keyof KubernetesProbeOptions, z.ZodType>)

export const POSTGRES_CHECKS_OPTIONS_SCHEMA = z.strictObject({
  url: z.string().min(1),
  applicationName: loose,
  activeConnect: object<PostgresChecksOptions['activeConnect']>().optional(),
  intervals: z
    .strictObject({
      connectionTimeMs: positiveMs.optional(),
      responseTimeMs: positiveMs.optional(),
      poolMs: positiveMs.optional(),
      capacityMs: positiveMs.optional(),
    } satisfies Record<keyof NonNullable<PostgresChecksOptions['intervals']>, z.ZodType>)
    .optional(),
  capacityWarnRatio: z
    .number('must be in (0, 1]')
    .gt(0, 'must be in (0, 1]')
    .max(1, 'must be in (0, 1]')
    .optional(),
} satisfies Record<keyof PostgresChecksOptions, z.ZodType>)

const HEALTH_PLUGIN_SHAPE = {
  registry: z.custom<HealthPluginOptions['registry']>(
    (value) => typeof (value as { evaluate?: unknown } | null)?.evaluate === 'function',
    'must come from createHealthRegistry()',
  ),
  startup: loose,
  token: loose,
  maxEventLoopLagMs: positiveMs.optional(),
  metrics: z.boolean().optional(),
  metricsAccess: z.enum(['details', 'public']).optional(),
  logger: loose,
  probes: loose,
  // The service identity the documents carry, and the keys Fastify reads from any plugin's options.
  serviceId: loose,
  version: loose,
  releaseId: loose,
  description: loose,
  prefix: loose,
  logLevel: loose,
  logSerializers: loose,
} satisfies Record<keyof HealthPluginOptions | 'prefix' | 'logLevel' | 'logSerializers', z.ZodType>
export const HEALTH_PLUGIN_OPTIONS_SCHEMA = z.strictObject(HEALTH_PLUGIN_SHAPE)

/** Parses `input` with `schema`; one `HEALTH_ERR_INVALID_OPTIONS` (`invalid <what>: …`) lists every problem. */
export function parseHealthOptions<T>(schema: OptionsSchema<T>, input: unknown, what: string): T {
  return parseOptions(
    schema,
    input,
    (problems) => new HealthError('HEALTH_ERR_INVALID_OPTIONS', `invalid ${what}: ${problems.join('; ')}`),
  )
}
