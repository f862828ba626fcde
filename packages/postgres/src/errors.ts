/**
 * Every error this package throws is a `PostgresError` with one of these codes. Whether the
 * startup engine should try again is decided by the code (`retryable`), never by message text.
 */
export const POSTGRES_ERROR_CODES = {
  PG_ERR_TIMEOUT: { retryable: true, meaning: 'the connection or query did not finish within its timeout' },
  PG_ERR_ABORTED: { retryable: true, meaning: 'the caller aborted the attempt (its signal fired)' },
  PG_ERR_UNREACHABLE: {
    retryable: true,
    meaning: 'the TCP connection was refused or the network is unreachable',
  },
  PG_ERR_CONNECTION_LOST: { retryable: true, meaning: 'the server or a proxy closed the connection midway' },
  PG_ERR_HOST_NOT_FOUND: { retryable: false, meaning: 'the host name does not resolve' },
  PG_ERR_TLS_FAILED: {
    retryable: false,
    meaning: 'the TLS handshake failed or the certificate was rejected',
  },
  PG_ERR_AUTH_FAILED: { retryable: false, meaning: 'the server rejected the user or password' },
  PG_ERR_DATABASE_NOT_FOUND: { retryable: false, meaning: 'the database named in the URL does not exist' },
  PG_ERR_TOO_MANY_CONNECTIONS: { retryable: true, meaning: 'the server is out of connection slots (53300)' },
  PG_ERR_STARTING_UP: { retryable: true, meaning: 'the server is starting up or shutting down (57P03)' },
  PG_ERR_QUERY_FAILED: { retryable: false, meaning: 'a query of this package failed on the server' },
  PG_ERR_CONNECT_FAILED: { retryable: true, meaning: 'connecting failed for a reason not classified above' },
  PG_ERR_MIGRATION_FAILED: { retryable: false, meaning: 'a migration failed and was rolled back' },
  PG_ERR_MIGRATION_CHANGED: { retryable: false, meaning: 'an already applied migration file has changed' },
  PG_ERR_POOL_EXHAUSTED: {
    retryable: true,
    meaning: 'every pool connection stayed busy past the acquire timeout',
  },
  PG_ERR_INVALID_OPTIONS: { retryable: false, meaning: 'options failed validation' },
  PG_ERR_EMBEDDED_FAILED: {
    retryable: false,
    meaning: 'the embedded Postgres could not start or its data dir is locked',
  },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>

export type PostgresErrorCode = keyof typeof POSTGRES_ERROR_CODES

/** The connection phase an error happened in, as `@tarmac/probe` names them (`dns`, `tcp`, `auth`…). */
export type PostgresPhase = string

export interface PostgresErrorOptions {
  readonly cause?: unknown
  /** The finer error class, e.g. `@tarmac/probe`'s `TCP_REFUSED`, or a SQLSTATE-derived name. */
  readonly errorClass?: string
  readonly phase?: PostgresPhase
  readonly sqlState?: string
}

/**
 * The one error class of `@tarmac/postgres`.
 * @example
 * try { await connect(url) } catch (e) { if (e instanceof PostgresError && e.retryable) retryLater() }
 */
export class PostgresError extends Error {
  override readonly name = 'PostgresError'
  readonly retryable: boolean
  readonly errorClass: string | undefined
  readonly phase: PostgresPhase | undefined
  readonly sqlState: string | undefined

  constructor(
    readonly code: PostgresErrorCode,
    message: string,
    options: PostgresErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = POSTGRES_ERROR_CODES[code].retryable
    this.errorClass = options.errorClass
    this.phase = options.phase
    this.sqlState = options.sqlState
  }
}

/** Whether an error is worth another attempt: use it as a startup component's `retry.retryable`. */
export function isRetryablePostgresError(error: unknown): boolean {
  if (error instanceof PostgresError) return error.retryable
  return false
}

/** Replaces `user:password@` (and a `password=` query parameter) in a connection string. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@').replace(/(password=)[^&]*/gi, '$1***')
}
