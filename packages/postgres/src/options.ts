import { PostgresError } from './errors.js'

/** Defaults, units in the names (DESIGN.md budgets: a DB connect attempt gets 30 s, backoff 250 ms → 10 s). */
export const defaults = Object.freeze({
  connectTimeoutMs: 30_000,
  phase: 'database',
  componentName: 'postgres',
  retryBaseMs: 250,
  retryCapMs: 10_000,
  poolMax: 10,
  poolMin: 1,
  poolIdleTimeoutMs: 30_000,
  poolAcquireTimeoutMs: 30_000,
  exhaustedAfterMs: 1_000,
  acquireSampleSize: 1_024,
  migrationLockName: 'tarmac_migrations',
  embeddedDataDir: '.tarmac/pgdata',
  embeddedHost: '127.0.0.1',
  embeddedMaxConnections: 100,
})

type Check = (value: unknown) => string | undefined

export const isString: Check = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string'
export const isPositiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer'
export const isNonNegativeInt: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a non-negative integer'
export const isObject: Check = (v) => (typeof v === 'object' && v !== null ? undefined : 'an object')
export const isBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'a boolean')
export const isAny: Check = () => undefined
export const isAbortSignal: Check = (v) => (v instanceof AbortSignal ? undefined : 'an AbortSignal')

/**
 * Validates `options` against `schema` once: unknown keys and wrong types are all reported in one
 * `PG_ERR_INVALID_OPTIONS`. Keys listed in `required` must be present. Returns the options frozen.
 */
export function validateOptions<T extends object>(
  what: string,
  options: T | undefined,
  schema: Readonly<Record<string, Check>>,
  required: readonly string[] = [],
): Readonly<T> {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) {
    throw new PostgresError('PG_ERR_INVALID_OPTIONS', `${what}: options must be an object`)
  }
  for (const key of required) {
    if ((options as Record<string, unknown>)[key] === undefined) problems.push(`${key} is required`)
  }
  for (const [key, value] of Object.entries(options)) {
    const check = schema[key]
    if (!check) problems.push(`${key} is not a known option`)
    else if (value !== undefined) {
      const expected = check(value)
      if (expected) problems.push(`${key} must be ${expected}`)
    }
  }
  if (problems.length > 0) {
    throw new PostgresError('PG_ERR_INVALID_OPTIONS', `${what}: ${problems.join('; ')}`)
  }
  return Object.freeze({ ...options })
}
