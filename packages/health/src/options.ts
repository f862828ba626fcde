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

const CHECK_KEYS = new Set([
  'name',
  'componentType',
  'componentId',
  'critical',
  'intervalMs',
  'timeoutMs',
  'staleAfterMs',
  'fault',
  'run',
])
const CHECK_NAME = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/

/** Validates a check once, listing every problem in one `HEALTH_ERR_INVALID_CHECK`. */
export function resolveCheck(check: HealthCheck): ResolvedCheck {
  const problems = unknownKeys(check, CHECK_KEYS, 'check')
  if (typeof check.name !== 'string' || !CHECK_NAME.test(check.name))
    problems.push(`name must look like "component:measurement", got ${JSON.stringify(check.name)}`)
  if (typeof check.run !== 'function') problems.push('run must be a function')
  for (const key of ['intervalMs', 'timeoutMs', 'staleAfterMs'] as const) {
    const value = check[key]
    if (value !== undefined && !isPositiveMs(value)) problems.push(`${key} must be a positive finite number`)
  }
  if (check.critical !== undefined && typeof check.critical !== 'boolean')
    problems.push('critical must be a boolean')
  if (problems.length > 0)
    throw new HealthError('HEALTH_ERR_INVALID_CHECK', `invalid check: ${problems.join('; ')}`)
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

export function isPositiveMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

export function unknownKeys(object: object, known: ReadonlySet<string>, what: string): string[] {
  return Object.keys(object)
    .filter((key) => !known.has(key))
    .map((key) => `unknown ${what} key "${key}"`)
}

/** Throws one `HEALTH_ERR_INVALID_OPTIONS` listing every problem, if there are any. */
export function assertNoProblems(problems: string[], what: string): void {
  if (problems.length > 0)
    throw new HealthError('HEALTH_ERR_INVALID_OPTIONS', `invalid ${what}: ${problems.join('; ')}`)
}
