import { parseOptions, type OptionsSchema } from '@tarmac/options'
import { z } from 'zod'
import { PostgresError } from './errors.js'

/** Defaults, units in the names (DESIGN.md budgets: a DB connect attempt gets 30 s, backoff 250 ms → 10 s). */
export const POSTGRES_DEFAULTS = Object.freeze({
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

const POSITIVE_INT = 'must be a positive integer'
const NON_NEGATIVE_INT = 'must be a non-negative integer'

/** The field rules the package's option schemas are built from (zod, through `@tarmac/options`). */
export const optionFields = Object.freeze({
  string: z.string().min(1),
  positiveInt: z.number().int(POSITIVE_INT).min(1, POSITIVE_INT),
  nonNegativeInt: z.number().int(NON_NEGATIVE_INT).min(0, NON_NEGATIVE_INT),
  boolean: z.boolean(),
  object: z.custom<object>((value) => typeof value === 'object' && value !== null, 'must be an object'),
  any: z.unknown().optional(),
  abortSignal: z.instanceof(AbortSignal, { error: 'must be an AbortSignal' }),
})

/**
 * Validates `options` against `schema` (a `z.strictObject`, built once at module load): unknown keys, missing
 * required keys and wrong values are all reported in one `PG_ERR_INVALID_OPTIONS`, prefixed with `what`.
 * Returns the options frozen, typed as given.
 */
export function validateOptions<T extends object>(
  what: string,
  options: T | undefined,
  schema: OptionsSchema<unknown>,
): Readonly<T> {
  parseOptions(
    schema,
    options,
    (problems) => new PostgresError('PG_ERR_INVALID_OPTIONS', `${what}: ${problems.join('; ')}`),
  )
  return Object.freeze({ ...(options as T) })
}
