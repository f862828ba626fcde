import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { lockDataDir } from './data-dir-lock.js'
import { keepExtendedQueriesTogether } from './embedded-queue.js'
import { PostgresError } from './errors.js'
import { POSTGRES_DEFAULTS, optionFields as f, validateOptions } from './options.js'
import { z } from 'zod'

export interface EmbeddedPostgresOptions {
  /** Where PGlite keeps its files. Default `.tarmac/pgdata` under the current directory. */
  readonly dataDir?: string
  /** Default 0: any free port (read it from the result). */
  readonly port?: number
  /** Default 127.0.0.1: the embedded server never listens beyond loopback by default. */
  readonly host?: string
  /** Concurrent client connections the socket server accepts. Default 100. */
  readonly maxConnections?: number
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` — use it like any DATABASE_URL. */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly embedded: true
  /** Stops the socket server, closes PGlite, releases the data dir lock. Idempotent. */
  close(): Promise<void>
}

const EMBEDDED_OPTIONS_SCHEMA = z.strictObject({
  dataDir: f.string.optional(),
  port: f.nonNegativeInt.optional(),
  host: f.string.optional(),
  maxConnections: f.positiveInt.optional(),
} satisfies Record<keyof EmbeddedPostgresOptions, z.ZodType>)

/**
 * Starts PGlite persisted in `dataDir` and serves it over the Postgres wire protocol on loopback, so the
 * same driver, timing and admission code runs as in production. First start initialises the data dir.
 * @example
 * const embedded = await startEmbeddedPostgres({ dataDir: '.tarmac/pgdata' })
 * process.env.DATABASE_URL ??= embedded.url
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const o = validateOptions('startEmbeddedPostgres', options, EMBEDDED_OPTIONS_SCHEMA)
  const dataDir = resolve(o.dataDir ?? POSTGRES_DEFAULTS.embeddedDataDir)
  const host = o.host ?? POSTGRES_DEFAULTS.embeddedHost
  await mkdir(dirname(dataDir), { recursive: true })
  const lock = lockDataDir(dataDir)
  let db: PGlite | undefined
  try {
    // Loaded here, not at import: a service on a real Postgres never pays for PGlite.
    const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-socket'),
    ])
    db = await PGlite.create(dataDir)
    const server = new PGLiteSocketServer({
      db,
      host,
      port: o.port ?? 0,
      maxConnections: o.maxConnections ?? POSTGRES_DEFAULTS.embeddedMaxConnections,
    })
    keepExtendedQueriesTogether(server)
    await server.start()
    const port = Number(server.getServerConn().split(':').pop())
    let closing: Promise<void> | undefined
    const opened = db
    return {
      url: `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`,
      port,
      dataDir,
      embedded: true,
      close() {
        closing ??= (async () => {
          try {
            await server.stop()
            await opened.close()
          } finally {
            lock.release()
          }
        })()
        return closing
      },
    }
  } catch (error) {
    await db?.close().catch(() => undefined)
    lock.release()
    throw new PostgresError('PG_ERR_EMBEDDED_FAILED', `embedded Postgres failed to start in ${dataDir}`, {
      cause: error,
    })
  }
}
