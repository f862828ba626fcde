import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPostgresChecks, type HealthRegistry, type InServiceProbe } from '@tarmac/health'
import {
  addPostgresDatabase,
  connect,
  probeConnects,
  type ConnectAhead,
  type PostgresDatabase,
} from '@tarmac/postgres'
import type { Startup } from '@tarmac/startup'
import type { AuthConfig } from './options.js'

/** Where the migrations live (in the source tree and in the published package alike). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

/**
 * `database`: admission to `DATABASE_URL`, or to an embedded server started just before in the same phase;
 * then the critical `postgres:responseTime` check (select 1 through the pool), plus pool, capacity and
 * connection time.
 */
export function addAuthDatabase(
  startup: Startup,
  health: HealthRegistry,
  config: AuthConfig,
  ahead?: ConnectAhead,
): PostgresDatabase {
  const database = addPostgresDatabase(startup, {
    url: config.DATABASE_URL,
    dataDir: resolve(join(config.TARMAC_DATA_DIR, 'auth-pgdata')),
    ...(ahead && { ahead }),
    applicationName: 'auth',
    timeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    retry: { baseMs: 250, capMs: 10_000 },
    migrations: MIGRATIONS_DIR,
    migrationLockName: 'tarmac_auth_migrations',
    migrationsTable: 'auth_migrations',
    fleetSize: config.DB_FLEET_SIZE,
    pooler: config.DB_POOLER,
    ...(config.DATABASE_MIGRATION_URL && { migrationUrl: config.DATABASE_MIGRATION_URL }),
    pool: {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_POOL_IDLE_MS,
      // A request must fail fast with 503 when Postgres is away, not hang for the 30 s connect budget.
      acquireTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
      poolConfig: { query_timeout: config.DB_QUERY_TIMEOUT_MS },
    },
  })
  health.contribute(startup, database.postgres, (handle) =>
    createPostgresChecks(handle, {
      url: database.url.get(),
      applicationName: 'auth',
      ...(config.DB_CONNECT_PROBE_INTERVAL_MS && {
        activeConnect: { connect, intervalMs: config.DB_CONNECT_PROBE_INTERVAL_MS },
      }),
    }),
  )
  return database
}

/** `POST /health/probe/postgres`: connects from inside the service, where the connector is on the path. */
export function postgresProbe(url: { peek(): string | undefined }): InServiceProbe {
  return async ({ connects, timeoutMs, signal }) => {
    const target = url.peek()
    if (!target) return { connects: 0, ok: 0, failed: 0, note: 'the embedded database has not started yet' }
    return probeConnects(target, { connects, timeoutMs, signal, applicationName: 'auth:probe' })
  }
}
