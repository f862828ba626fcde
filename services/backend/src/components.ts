import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createPostgresAdmission,
  startEmbeddedPostgres,
  type ConnectAhead,
  type EmbeddedPostgres,
  type PostgresHandle,
} from '@tarmac/postgres'
import type { Component } from '@tarmac/startup'
import type { AssistantProvider, PlatformState } from './assistant.js'
import { createLocalAssistant } from './local-assistant.js'
import { createOpenAiAssistant, type OpenAiAssistantOptions } from './openai-assistant.js'
import type { BackendConfig } from './options.js'

/** SQL migrations, next to `src/` and `dist/` alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

/**
 * `dependencies`: the configured assistant, checked reachable. A rejected API key is not retried (it will not
 * get better); an unreachable or failing server is, until the startup deadline.
 */
export function createProviderComponent(
  config: BackendConfig,
  platform: PlatformState,
  timeouts: Pick<OpenAiAssistantOptions, 'connectTimeoutMs' | 'idleTimeoutMs' | 'runTimeoutMs'>,
): Component<AssistantProvider> {
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

/** `database`: the embedded Postgres when `DATABASE_URL` is unset, then admission and migrations. */
export function databaseComponents(
  config: BackendConfig,
  onHandle: (handle: PostgresHandle, url: string) => void,
  ahead?: ConnectAhead,
): Component[] {
  const admission = (url: string) =>
    createPostgresAdmission({
      url,
      ...(ahead && config.DATABASE_URL === url ? { ahead } : {}),
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
  const template = admission(config.DATABASE_URL ?? 'postgres://embedded')
  const postgres: Component<PostgresHandle> = {
    ...template,
    async start(context) {
      const url = config.DATABASE_URL ?? context.resource<EmbeddedPostgres>('embedded-postgres').url
      const handle = await admission(url).start(context)
      onHandle(handle, url)
      return handle
    },
  }
  if (config.DATABASE_URL) return [postgres]
  const embedded: Component<EmbeddedPostgres> = {
    name: 'embedded-postgres',
    phase: 'database',
    timeoutMs: 60_000,
    start: () => startEmbeddedPostgres({ dataDir: join(config.TARMAC_DATA_DIR, 'pgdata') }),
    stop: (server) => server.close(),
  }
  return [embedded, postgres]
}
