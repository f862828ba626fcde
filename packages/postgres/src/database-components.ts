import type { Component, ResourceHandle } from '@tarmac/startup'
import { createPostgresAdmission, type PostgresAdmissionOptions, type PostgresHandle } from './admission.js'
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js'

/** The embedded server's component name (the admission's is its own `name`, default `postgres`). */
export const EMBEDDED_POSTGRES_COMPONENT = 'embedded-postgres'

/** What `addPostgresDatabase` needs of a startup engine; `createStartup()` from `@tarmac/startup` satisfies it. */
export interface StartupAdder {
  add<Resource>(component: Component<Resource>): ResourceHandle<Resource>
}

export interface PostgresDatabaseOptions extends Omit<PostgresAdmissionOptions, 'url'> {
  /** `DATABASE_URL`. Unset: an embedded Postgres in `dataDir`, started in the same phase just before admission. */
  readonly url?: string | undefined
  /** The embedded server's data directory; read only when `url` is unset. */
  readonly dataDir: string
  /** Per-attempt timeout of the embedded server's start (a first start initialises the data dir). Default 60 000. */
  readonly embeddedTimeoutMs?: number
}

/** The handles of what `addPostgresDatabase` added. */
export interface PostgresDatabase {
  /** The admission component: the pool, the admission facts, migrations applied. */
  readonly postgres: ResourceHandle<PostgresHandle>
  /** The embedded server; undefined when a `url` was given. */
  readonly embedded: ResourceHandle<EmbeddedPostgres> | undefined
  /**
   * The URL the service connects to: `url`, else the embedded server's. `get()` throws `STARTUP_ERR_NOT_STARTED`
   * while the embedded server is not up; `peek()` is undefined then.
   */
  readonly url: { get(): string; peek(): string | undefined }
}

/**
 * A service's database: admission and migrations (`createPostgresAdmission`) to `url` or, without one, to an
 * embedded Postgres started just before it in the same phase. `ahead` is adopted only with a `url`: a
 * connection begun at process start cannot be to a server that did not exist yet.
 * @example
 * const database = addPostgresDatabase(startup, {
 *   url: config.DATABASE_URL, dataDir: join(config.TARMAC_DATA_DIR, 'pgdata'),
 *   applicationName: 'tarmac-backend', migrations: MIGRATIONS_DIR,
 * })
 * startup.add({ name: 'store', phase: 'services', start: () => new Store(database.postgres.get().pool) })
 */
export function addPostgresDatabase(
  startup: StartupAdder,
  options: PostgresDatabaseOptions,
): PostgresDatabase {
  const { url, dataDir, embeddedTimeoutMs = 60_000, ahead, ...admissionOptions } = options
  const admissionFor = (target: string) =>
    createPostgresAdmission({
      ...admissionOptions,
      url: target,
      ...(ahead && url !== undefined && { ahead }),
    })
  // Validates the options now, at build time, whichever server the URL will name.
  const template = admissionFor(url ?? 'postgres://embedded')
  if (url !== undefined)
    return { postgres: startup.add(template), embedded: undefined, url: { get: () => url, peek: () => url } }
  const embedded = startup.add<EmbeddedPostgres>({
    name: EMBEDDED_POSTGRES_COMPONENT,
    phase: template.phase,
    timeoutMs: embeddedTimeoutMs,
    start: () => startEmbeddedPostgres({ dataDir }),
    stop: (server) => server.close(),
  })
  const postgres = startup.add<PostgresHandle>({
    ...template,
    start: (context) => admissionFor(embedded.get().url).start(context),
  })
  return {
    postgres,
    embedded,
    url: { get: () => embedded.get().url, peek: () => embedded.peek()?.url },
  }
}
