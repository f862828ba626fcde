import { POOLER_MODES } from '@tarmac/postgres'
import { z } from 'zod'
import { ConfigError } from './errors.js'

/**
 * Reads a service's configuration from the environment through a zod schema, once, at `init`.
 * Every bad variable is reported in one `ConfigError` (names and problems, never values: they may be secrets).
 * Unknown variables are ignored (the environment is shared with everything else on the machine).
 * @example
 * const config = loadConfig(z.object({ PORT: port(8001), DATABASE_URL: z.string().url().optional() }))
 */
export function loadConfig<Schema extends z.ZodObject>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<Schema>> {
  // Empty strings mean "unset": `FOO= npm start` should behave like no FOO at all.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = schema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: issue.path.map(String).join('.') || '(environment)',
        problem: issue.message,
      })),
    )
  }
  return Object.freeze(parsed.data)
}

/** A TCP port with a default. */
export const port = (defaultPort: number) => z.coerce.number().int().min(0).max(65535).default(defaultPort)

/** A duration in milliseconds with a default. */
export const durationMs = (defaultMs: number) => z.coerce.number().int().positive().default(defaultMs)

/** A count (a pool size, a number of instances) with a default. */
export const positiveInt = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue)

/** A URL with one of the given protocols, e.g. `url('postgres:', 'postgresql:')`. */
export const urlWith = (...protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol)
      } catch {
        return false
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  )

/**
 * The database connection budget every service reads: `DB_POOL_MAX` (what one instance asks for),
 * `DB_FLEET_SIZE` (instances that may run at once: the admission divides the server's free slots by it),
 * `DB_POOL_IDLE_MS` (idle connections above one close after this), `DB_CONNECT_PROBE_INTERVAL_MS` (an
 * active fresh-connection probe; unset = off), `DB_POOLER` (`transaction` when `DATABASE_URL` is a
 * transaction pooler such as PgBouncer: migrations take a transaction-scoped lock and the budget is the
 * pooler's), `DATABASE_MIGRATION_URL` (a direct session for migrations, bypassing the pooler; dialled only
 * when a migration is pending). Spread it into a service's env schema.
 */
export const databaseBudgetEnv = {
  DB_POOL_MAX: positiveInt(10),
  DB_FLEET_SIZE: positiveInt(1),
  DB_POOL_IDLE_MS: durationMs(30_000),
  DB_CONNECT_PROBE_INTERVAL_MS: z.coerce.number().int().positive().optional(),
  DB_POOLER: z.enum(POOLER_MODES).default('none'),
  DATABASE_MIGRATION_URL: urlWith('postgres:', 'postgresql:').optional(),
}

/**
 * `DRAIN_DELAY_MS`: how long readiness fails before anything stops on SIGTERM. Unset: 5 000 in production, 0
 * elsewhere (DESIGN.md). A platform that stops routing before it signals (Cloud Run) and gives 10 s in all
 * wants 0; one that notices readiness on a probe period (Kubernetes) wants about one period.
 */
export const drainDelayEnv = {
  DRAIN_DELAY_MS: z.coerce.number().int().min(0).optional(),
  /**
   * The platform's startup probe window (`tarmac deploy render` sets it): a service whose deadline exceeds it
   * logs a warning at start (`checkPlatformStartupWindow`), since the platform would kill it before it reports.
   */
  PLATFORM_STARTUP_WINDOW_MS: z.coerce.number().int().positive().optional(),
}

/** The drain delay a service uses: `DRAIN_DELAY_MS` when set, else `productionMs` in production, else 0. */
export function drainDelayMsOf(
  config: { readonly DRAIN_DELAY_MS?: number | undefined; readonly NODE_ENV: string },
  productionMs = 5_000,
): number {
  return config.DRAIN_DELAY_MS ?? (config.NODE_ENV === 'production' ? productionMs : 0)
}

/**
 * `HEALTH_TOKEN`: the bearer token that shows health details and metrics. At least 16 characters, so it cannot
 * be guessed in a few requests; unset, details and metrics are for loopback callers only.
 */
export const healthToken = z.string().min(16, 'must be at least 16 characters').optional()

/** pino's levels. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')

export const nodeEnv = z.enum(['development', 'production', 'test']).default('development')
