import { StartupError, type Component, type RetryOptions } from '@tarmac/startup'
import type pg from 'pg'
import { capacity, type ServerCapacity } from './capacity.js'
import { connect, type PostgresConnectTimings } from './connect.js'
import { PostgresError, isRetryablePostgresError } from './errors.js'
import { migrate, type MigrationResult } from './migrate.js'
import type { MigrationInput } from './migration-source.js'
import { defaults, isAny, isBoolean, isObject, isPositiveInt, isString, validateOptions } from './options.js'
import { createPool, type PoolOptions, type PoolStats } from './pool.js'

export interface PostgresAdmissionOptions {
  readonly url: string
  /** The service name: `application_name` of the admission connection and of every pool connection. */
  readonly applicationName: string
  /** Component name (for `resource(name)` and the startup report). Default `postgres`. */
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
  /** Pool settings; the pool opens no connection until the first query. */
  readonly pool?: Omit<PoolOptions, 'url' | 'applicationName'>
}

/** What the admission connection found, for the startup report and `/health/infrastructure`. */
export interface AdmissionFacts {
  readonly timings: PostgresConnectTimings
  readonly serverVersion: string
  readonly capacity: ServerCapacity
  readonly migrations: MigrationResult | null
}

/** The resource of the admission component. */
export interface PostgresHandle {
  readonly pool: pg.Pool
  readonly admission: AdmissionFacts
  readonly poolStats: () => PoolStats
  /** Reads capacity facts now, through the pool. */
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

/**
 * A startup component that admits the service to the database with exactly ONE connection: it times
 * the connect, reads version and capacity, runs migrations, releases the connection, then creates a
 * pool that grows lazily to `max`. It never retries by itself: the engine does, using `retry`.
 * @example
 * startup.add(createPostgresAdmission({ url: env.DATABASE_URL, applicationName: 'backend', migrations: './migrations' }))
 */
export function createPostgresAdmission(options: PostgresAdmissionOptions): Component<PostgresHandle> {
  const o = validateOptions(
    'createPostgresAdmission',
    options,
    {
      url: isString,
      applicationName: isString,
      name: isString,
      phase: isString,
      critical: isBoolean,
      timeoutMs: isPositiveInt,
      retry: isObject,
      migrations: isAny,
      migrationLockName: isString,
      migrationsTable: isString,
      pool: isObject,
    },
    ['url', 'applicationName'],
  )
  const timeoutMs = o.timeoutMs ?? defaults.connectTimeoutMs
  const retry = o.retry ?? { baseMs: defaults.retryBaseMs, capMs: defaults.retryCapMs }
  const userRetryable = retry.retryable
  return {
    name: o.name ?? defaults.componentName,
    phase: o.phase ?? defaults.phase,
    critical: o.critical ?? true,
    timeoutMs,
    retry: {
      ...retry,
      retryable: (error, attempt) =>
        isRetryableAdmissionError(error) && (userRetryable?.(error, attempt) ?? true),
    },
    async start({ signal }) {
      const { client, timings, serverVersion } = await connect(o.url, {
        signal,
        timeoutMs,
        applicationName: o.applicationName,
      })
      // Abort (attempt timeout, deadline, shutdown) must cut a migration or lock wait short, too.
      // Destroying the socket (not a polite end()) makes the server drop the backend at once.
      const destroy = (): void =>
        (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
      signal.addEventListener('abort', destroy, { once: true })
      let facts: AdmissionFacts
      try {
        const serverCapacity = await capacity(client)
        const migrations =
          o.migrations === undefined
            ? null
            : await migrate(client, {
                migrations: o.migrations,
                lockName: o.migrationLockName,
                table: o.migrationsTable,
                signal,
              })
        facts = Object.freeze({ timings, serverVersion, capacity: serverCapacity, migrations })
      } catch (error) {
        if (!signal.aborted) throw error
        throw new PostgresError(
          'PG_ERR_ABORTED',
          'admission aborted (attempt timeout, deadline or shutdown)',
          {
            cause: error,
          },
        )
      } finally {
        signal.removeEventListener('abort', destroy)
        if (!signal.aborted) await client.end().catch(() => undefined)
      }
      const { pool, stats } = createPool({ ...o.pool, url: o.url, applicationName: o.applicationName })
      let ending: Promise<void> | undefined
      return {
        pool,
        admission: facts,
        poolStats: stats,
        capacity: () => capacity(pool),
        close: () => (ending ??= pool.end()),
      }
    },
    stop: (handle) => handle.close(),
  }
}
