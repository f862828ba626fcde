import { connectPostgres, type PostgresConnectTimings } from '@tarmac/probe'
import type pg from 'pg'
import { toPostgresError } from './classify.js'
import { PostgresError, redactUrl } from './errors.js'
import { POSTGRES_DEFAULTS, optionFields as f, validateOptions } from './options.js'
import { z } from 'zod'

export type { PostgresConnectTimings }

export interface ConnectOptions {
  /** Aborting destroys the socket at once; rejects with `PG_ERR_ABORTED`. */
  readonly signal?: AbortSignal
  /** For the whole connect, DNS to first query. Default 30 000 (DESIGN.md's DB connect budget). */
  readonly timeoutMs?: number
  /** Shown in `pg_stat_activity`: name the service so its backends can be counted. */
  readonly applicationName?: string
  /** Extra `pg.ClientConfig` (ssl, statement_timeout…). */
  readonly clientConfig?: Partial<pg.ClientConfig>
}

/** A connected `pg.Client` (you own it: `end()` it) with the time each connection phase took. */
export interface PostgresConnection {
  readonly client: pg.Client
  readonly timings: PostgresConnectTimings
  readonly serverVersion: string
}

const CONNECT_OPTIONS_SCHEMA = z.strictObject({
  signal: f.abortSignal.optional(),
  timeoutMs: f.positiveInt.optional(),
  applicationName: f.string.optional(),
  clientConfig: f.any,
} satisfies Record<keyof ConnectOptions, z.ZodType>)

/**
 * Opens one timed connection (dns, tcp, ssl, auth, first query) with `@tarmac/probe`'s `connectPostgres`.
 * On timeout or abort the socket is destroyed, so the server backend goes too: a retry never leaks a
 * `max_connections` slot (node-postgres #3543). Failures are `PostgresError`s keeping the probe's error
 * class, phase, SQLSTATE and the original as `cause`.
 * @example
 * const { client, timings } = await connect(process.env.DATABASE_URL!, { timeoutMs: 30_000 })
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<PostgresConnection> {
  const o = validateOptions('connect', options, CONNECT_OPTIONS_SCHEMA)
  if (typeof url !== 'string' || url.length === 0) {
    throw new PostgresError('PG_ERR_INVALID_OPTIONS', 'connect: url must be a non-empty string')
  }
  try {
    const connection = await connectPostgres(url, {
      timeoutMs: o.timeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.applicationName ? { applicationName: o.applicationName } : {}),
      ...(o.clientConfig ? { clientConfig: o.clientConfig } : {}),
    })
    // The caller owns the client from here; an idle connection dropped by the server must not crash.
    connection.client.on('error', () => undefined)
    return connection
  } catch (error) {
    const mapped = toPostgresError(error, { what: `connecting to ${redactUrl(url)}` })
    if (o.signal?.aborted && mapped.code === 'PG_ERR_TIMEOUT') {
      return Promise.reject(
        new PostgresError('PG_ERR_ABORTED', `connecting to ${redactUrl(url)} was aborted`, {
          cause: error,
          errorClass: mapped.errorClass,
          phase: mapped.phase,
        }),
      )
    }
    throw mapped
  }
}
