import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPostgresChecks, type HealthRegistry } from '@tarmac/health'
import { addPostgresDatabase, connect, type ConnectAhead, type PostgresDatabase } from '@tarmac/postgres'
import type { Component, Startup } from '@tarmac/startup'
import type { AssistantProvider, PlatformState } from './assistant.js'
import { createLocalAssistant } from './local-assistant.js'
import { createOpenAiAssistant } from './openai-assistant.js'
import type { BackendConfig, BackendKnobs } from './options.js'

/** SQL migrations, next to `src/` and `dist/` alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

/**
 * `dependencies`: the configured assistant, checked reachable. A rejected API key is not retried (it will not
 * get better); an unreachable or failing server is, until the startup deadline.
 */
export function createProviderComponent(
  config: BackendConfig,
  knobs: Pick<BackendKnobs, 'providerConnectTimeoutMs' | 'providerIdleTimeoutMs' | 'providerRunTimeoutMs'>,
  platform: PlatformState,
): Component<AssistantProvider> {
  const timeouts = {
    connectTimeoutMs: knobs.providerConnectTimeoutMs,
    idleTimeoutMs: knobs.providerIdleTimeoutMs,
    runTimeoutMs: knobs.providerRunTimeoutMs,
  }
  return {
    name: 'assistant-provider',
    phase: 'dependencies',
    timeoutMs: 10_000,
    retry: { baseMs: 250, capMs: 2_000, retryable: (error) => !(error as { permanent?: boolean }).permanent },
    async start({ signal }) {
      const provider =
        config.LLM_PROVIDER === 'openai'
          ? createOpenAiAssistant({
              baseUrl: config.OPENAI_BASE_URL!,
              model: config.LLM_MODEL!,
              ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
              ...timeouts,
            })
          : createLocalAssistant(platform)
      await provider.check(signal)
      return provider
    },
  }
}

/**
 * `database`: the embedded Postgres when `DATABASE_URL` is unset, then admission and migrations, and the
 * checks on the pool (`postgres:responseTime`, pool, capacity, connection time). Returns the handles of what
 * it added.
 */
export function addBackendDatabase(
  startup: Startup,
  health: HealthRegistry,
  config: BackendConfig,
  ahead?: ConnectAhead,
): PostgresDatabase {
  const database = addPostgresDatabase(startup, {
    url: config.DATABASE_URL,
    dataDir: join(config.TARMAC_DATA_DIR, 'pgdata'),
    ...(ahead && { ahead }),
    applicationName: 'tarmac-backend',
    timeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    migrations: MIGRATIONS_DIR,
    migrationLockName: 'tarmac-backend',
    migrationsTable: 'backend_migrations',
    fleetSize: config.DB_FLEET_SIZE,
    pool: {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_POOL_IDLE_MS,
      acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    },
    pooler: config.DB_POOLER,
    ...(config.DATABASE_MIGRATION_URL && { migrationUrl: config.DATABASE_MIGRATION_URL }),
  })
  health.contribute(startup, database.postgres, (handle) =>
    createPostgresChecks(handle, {
      url: database.url.get(),
      applicationName: 'tarmac-backend',
      ...(config.DB_CONNECT_PROBE_INTERVAL_MS && {
        activeConnect: { connect, intervalMs: config.DB_CONNECT_PROBE_INTERVAL_MS },
      }),
    }),
  )
  return database
}
