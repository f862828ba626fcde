import { StartupError, type Component, type RetryOptions } from '@tarmac/startup'
import type pg from 'pg'
import { capacity, type ServerCapacity } from './capacity.js'
import type { PostgresConnectTimings } from './connect.js'
import type { ConnectAhead } from './connect-ahead.js'
import { PostgresError, isRetryablePostgresError } from './errors.js'
import { runAdmissionMigrations } from './admission-migrations.js'
import type { MigrationResult } from './migrate.js'
import type { MigrationInput } from './migration-source.js'
import { POSTGRES_DEFAULTS, optionFields as f, validateOptions } from './options.js'
import { z } from 'zod'
import { POOLER_MODES, poolBudget, type PoolBudget, type PoolerMode } from './pool-budget.js'
import { createPool, type PoolOptions, type PoolStats } from './pool.js'
import { TimedClient } from './timed-client.js'

export interface PostgresAdmissionOptions {
  readonly url: string
  /** The service name: `application_name` of the admission connection and of every pool connection. */
  readonly applicationName: string
  /** Component name (in the startup report and events). Default `postgres`. */
  readonly name?: string
  /** Default `database`. */
  readonly phase?: string
  /** Default true. */
  readonly critical?: boolean
  /** Per attempt: the admission connect, migrations included. Default 30 000. */
  readonly timeoutMs?: number
  /** Passed to the engine, with `retryable` narrowed by `isRetryableAdmissionError`. Default base 250, cap 10 000. */
  readonly retry?: RetryOptions
  /** A directory of `NNNN_name.sql` files or an in-memory list, run under the advisory lock. */
  readonly migrations?: string | readonly MigrationInput[]
  readonly migrationLockName?: string
  /** The migrations bookkeeping table; give each service sharing a database its own. Default `tarmac_migrations`. */
  readonly migrationsTable?: string
  /** Pool settings. `max` is what the service asks for (`DB_POOL_MAX`); the budget may give it less. */
  readonly pool?: Omit<PoolOptions, 'url' | 'applicationName' | 'adopt'>
  /** Instances of this service that may run at once (`DB_FLEET_SIZE`): the budget's divisor. Default 1. */
  readonly fleetSize?: number
  /** A connection begun at process start (`connectAhead`), adopted by the first attempt. */
  readonly ahead?: ConnectAhead
  /**
   * What `url` points at (`DB_POOLER`). Default `none`. `transaction` (PgBouncer `pool_mode = transaction`):
   * migrations take a transaction-scoped lock (or use `migrationUrl`), and the budget is the pooler's.
   */
  readonly pooler?: PoolerMode
  /**
   * A direct session to Postgres for migrations (`DATABASE_MIGRATION_URL`), bypassing a pooler — or a role
   * with DDL rights the service's own role lacks. Opened only when a migration is pending.
   */
  readonly migrationUrl?: string
}

/** How old the admission's capacity facts may be for the first `capacity()` read while starting to reuse them. */
export const ADMISSION_CAPACITY_REUSE_MS = 1_000

/** What the admission connection found, for the startup report and `/health/infrastructure`. */
export interface AdmissionFacts {
  readonly timings: PostgresConnectTimings
  readonly serverVersion: string
  readonly capacity: ServerCapacity
  readonly migrations: MigrationResult | null
  /** The pool's size after startup, and the arithmetic behind it. */
  readonly budget: PoolBudget
}

/** The resource of the admission component. */
export interface PostgresHandle {
  /** Holds the admission connection; `max` is 1 until `growToBudget()`. */
  readonly pool: pg.Pool
  readonly admission: AdmissionFacts
  readonly poolStats: () => PoolStats
  /** Call once startup is done: the pool may then open connections up to `admission.budget.size`. */
  readonly growToBudget: () => void
  /**
   * Reads capacity facts now, through the pool — except the first read before `growToBudget()`, which gets the
   * admission's own facts if they are at most `ADMISSION_CAPACITY_REUSE_MS` old (their `observedAtMs` says when).
   */
  readonly capacity: () => Promise<ServerCapacity>
  /** Ends the pool. Idempotent. */
  readonly close: () => Promise<void>
}

/**
 * The admission's retry predicate: a retryable `PostgresError`, or the engine's own attempt timeout
 * (`STARTUP_ERR_ATTEMPT_TIMEOUT`: the engine rejects a timed-out attempt with that, not our error).
 */
export function isRetryableAdmissionError(error: unknown): boolean {
  if (error instanceof StartupError) return error.code === 'STARTUP_ERR_ATTEMPT_TIMEOUT'
  return isRetryablePostgresError(error)
}

const ADMISSION_OPTIONS_SCHEMA = z.strictObject({
  url: f.string,
  applicationName: f.string,
  name: f.string.optional(),
  phase: f.string.optional(),
  critical: f.boolean.optional(),
  timeoutMs: f.positiveInt.optional(),
  retry: f.object.optional(),
  migrations: f.any,
  migrationLockName: f.string.optional(),
  migrationsTable: f.string.optional(),
  pool: f.object.optional(),
  fleetSize: f.positiveInt.optional(),
  ahead: f.object.optional(),
  pooler: z.enum(POOLER_MODES).optional(),
  migrationUrl: f.string.optional(),
} satisfies Record<keyof PostgresAdmissionOptions, z.ZodType>)

/**
 * A startup component that admits the service to the database with exactly ONE connection, and keeps it: it
 * times the connect, reads version and capacity, runs migrations, works out the pool's budget for the fleet,
 * then hands that same connection to a pool that stays at one connection until `growToBudget()`. Through a
 * slow connector a starting instance pays for one establishment, and holds one server slot. It never retries
 * by itself: the engine does, using `retry`.
 * @example
 * startup.add(createPostgresAdmission({ url: env.DATABASE_URL, applicationName: 'backend', migrations: './migrations', fleetSize: 20 }))
 */
export function createPostgresAdmission(options: PostgresAdmissionOptions): Component<PostgresHandle> {
  const o = validateOptions('createPostgresAdmission', options, ADMISSION_OPTIONS_SCHEMA)
  const timeoutMs = o.timeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs
  const retry = o.retry ?? { baseMs: POSTGRES_DEFAULTS.retryBaseMs, capMs: POSTGRES_DEFAULTS.retryCapMs }
  const userRetryable = retry.retryable
  const requestedMax = o.pool?.max ?? POSTGRES_DEFAULTS.poolMax
  return {
    name: o.name ?? POSTGRES_DEFAULTS.componentName,
    phase: o.phase ?? POSTGRES_DEFAULTS.phase,
    critical: o.critical ?? true,
    timeoutMs,
    retry: {
      ...retry,
      retryable: (error, attempt) =>
        isRetryableAdmissionError(error) && (userRetryable?.(error, attempt) ?? true),
    },
    async start({ signal, report }) {
      const attemptStartedMs = performance.now()
      const early = o.ahead?.take()
      const client =
        early?.client ??
        new TimedClient({
          url: o.url,
          applicationName: o.applicationName,
          timeoutMs,
          ...(o.pool?.poolConfig ? { clientConfig: o.pool.poolConfig } : {}),
        })
      // Abort (attempt timeout, deadline, shutdown) must cut a connect, a migration or a lock wait short.
      // Destroying the socket (not a polite end()) makes the server drop the backend at once.
      const destroy = (): void => client.destroy()
      signal.addEventListener('abort', destroy, { once: true })
      let facts: AdmissionFacts
      try {
        const timings = await client.connectTimed(signal)
        report({
          connect: timings,
          ...(early && {
            connectAhead: { begunBeforeAttemptMs: Math.round(attemptStartedMs - early.startedAtMs) },
          }),
        })
        const serverCapacity = await capacity(client)
        let migrations: MigrationResult | null = null
        if (o.migrations !== undefined) {
          const { result, path } = await runAdmissionMigrations(client, {
            migrations: o.migrations,
            lockName: o.migrationLockName,
            table: o.migrationsTable,
            signal,
            pooler: o.pooler ?? 'none',
            ...(o.migrationUrl !== undefined && { migrationUrl: o.migrationUrl }),
            applicationName: o.applicationName,
            timeoutMs,
          })
          report({ migrations: { path, applied: result.applied.length, skipped: result.skipped.length } })
          migrations = result
        }
        const budget = poolBudget({
          requestedMax,
          fleetSize: o.fleetSize ?? 1,
          applicationName: o.applicationName,
          capacity: serverCapacity,
          pooler: o.pooler ?? 'none',
        })
        report({ budget })
        facts = Object.freeze({
          timings,
          serverVersion: client.serverVersion,
          capacity: serverCapacity,
          migrations,
          budget,
        })
      } catch (error) {
        if (!signal.aborted) {
          await client.end().catch(() => undefined)
          throw error
        }
        throw new PostgresError(
          'PG_ERR_ABORTED',
          'admission aborted (attempt timeout, deadline or shutdown)',
          { cause: error },
        )
      } finally {
        signal.removeEventListener('abort', destroy)
      }
      const { pool, stats, resize } = createPool({
        ...o.pool,
        max: 1,
        url: o.url,
        applicationName: o.applicationName,
        adopt: client,
      })
      // The pool takes the admission connection now: counted, kept (`min`), and the only one while starting.
      ;(await pool.connect()).release()
      let ending: Promise<void> | undefined
      // The first capacity read while starting (the health check's first run, which would queue two queries on
      // the one connection in front of the service's own startup work) takes the facts the admission read on
      // that connection moments ago, if they are that recent; every later read asks the server.
      let admitted: ServerCapacity | undefined = facts.capacity
      const takeAdmitted = (): ServerCapacity | undefined => {
        const recent = admitted
        admitted = undefined
        return recent && Date.now() - recent.observedAtMs <= ADMISSION_CAPACITY_REUSE_MS ? recent : undefined
      }
      return {
        pool,
        admission: facts,
        poolStats: stats,
        growToBudget: () => {
          admitted = undefined
          resize(facts.budget.size)
        },
        capacity: async () => takeAdmitted() ?? capacity(pool),
        close: () => (ending ??= pool.end()),
      }
    },
    stop: (handle) => handle.close(),
  }
}
