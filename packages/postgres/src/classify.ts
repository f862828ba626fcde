import { causeChain } from '@tarmac/startup'
import { PostgresError, redactUrl, type PostgresErrorCode } from './errors.js'

/** SQLSTATEs with a code of their own; everything else the server says is `PG_ERR_QUERY_FAILED`. */
const SQLSTATE_CODES: Readonly<Record<string, PostgresErrorCode>> = {
  '28P01': 'PG_ERR_AUTH_FAILED',
  '28000': 'PG_ERR_AUTH_FAILED',
  '3D000': 'PG_ERR_DATABASE_NOT_FOUND',
  '53300': 'PG_ERR_TOO_MANY_CONNECTIONS',
  '53400': 'PG_ERR_TOO_MANY_CONNECTIONS',
  '57P03': 'PG_ERR_STARTING_UP',
  '57P01': 'PG_ERR_CONNECTION_LOST',
  '57014': 'PG_ERR_TIMEOUT',
}

/** `@tarmac/probe` error classes (its `ProbeError.code`) → our codes. Unknown classes fall through to patterns. */
const PROBE_CLASS_CODES: Readonly<Record<string, PostgresErrorCode>> = {
  TIMEOUT: 'PG_ERR_TIMEOUT',
  ABORTED: 'PG_ERR_ABORTED',
  DNS_TIMEOUT: 'PG_ERR_TIMEOUT',
  TCP_TIMEOUT: 'PG_ERR_TIMEOUT',
  TCP_REFUSED: 'PG_ERR_UNREACHABLE',
  TCP_UNREACHABLE: 'PG_ERR_UNREACHABLE',
  TCP_RESET: 'PG_ERR_CONNECTION_LOST',
  SOCKET_NOT_FOUND: 'PG_ERR_SOCKET_NOT_FOUND',
  TLS_FAILED: 'PG_ERR_TLS_FAILED',
  DNS_NOT_FOUND: 'PG_ERR_HOST_NOT_FOUND',
  PG_ERROR: 'PG_ERR_QUERY_FAILED',
  PROTOCOL_ERROR: 'PG_ERR_CONNECT_FAILED',
  UNKNOWN: 'PG_ERR_CONNECT_FAILED',
  PROBE_ERR_INVALID_TARGET: 'PG_ERR_INVALID_OPTIONS',
  PROBE_ERR_INVALID_OPTIONS: 'PG_ERR_INVALID_OPTIONS',
  PG_AUTH_FAILED: 'PG_ERR_AUTH_FAILED',
  PG_TOO_MANY_CONNECTIONS: 'PG_ERR_TOO_MANY_CONNECTIONS',
  PG_STARTING_UP: 'PG_ERR_STARTING_UP',
  PG_DB_NOT_FOUND: 'PG_ERR_DATABASE_NOT_FOUND',
}

/** Node's `errno` codes of a failed socket. */
const ERRNO_CODES: Readonly<Record<string, PostgresErrorCode>> = {
  ECONNREFUSED: 'PG_ERR_UNREACHABLE',
  EHOSTUNREACH: 'PG_ERR_UNREACHABLE',
  ENETUNREACH: 'PG_ERR_UNREACHABLE',
  ECONNRESET: 'PG_ERR_CONNECTION_LOST',
  EPIPE: 'PG_ERR_CONNECTION_LOST',
  ENOTFOUND: 'PG_ERR_HOST_NOT_FOUND',
  EAI_AGAIN: 'PG_ERR_TIMEOUT',
  ETIMEDOUT: 'PG_ERR_TIMEOUT',
  ABORT_ERR: 'PG_ERR_ABORTED',
}

interface ErrorFacts {
  code?: unknown
  phase?: unknown
  sqlState?: unknown
  message?: unknown
  name?: unknown
}

function codeFromClass(errorClass: string): PostgresErrorCode {
  const known = PROBE_CLASS_CODES[errorClass]
  if (known) return known
  if (errorClass === 'PG_ERROR') return 'PG_ERR_QUERY_FAILED'
  if (errorClass.includes('TIMEOUT')) return 'PG_ERR_TIMEOUT'
  if (errorClass.includes('ABORT')) return 'PG_ERR_ABORTED'
  if (errorClass.startsWith('TLS')) return 'PG_ERR_TLS_FAILED'
  if (errorClass.startsWith('DNS'))
    return errorClass.includes('NOT_FOUND') ? 'PG_ERR_HOST_NOT_FOUND' : 'PG_ERR_TIMEOUT'
  if (/RESET|CLOSED|LOST/.test(errorClass)) return 'PG_ERR_CONNECTION_LOST'
  if (/REFUSED|UNREACHABLE/.test(errorClass)) return 'PG_ERR_UNREACHABLE'
  return 'PG_ERR_CONNECT_FAILED'
}

/**
 * Turns whatever a connect or query threw — a `@tarmac/probe` `ProbeError`, a pg `DatabaseError`, a Node
 * socket error — into a `PostgresError`, keeping the original as `cause`. A `PostgresError` passes through.
 */
export function toPostgresError(
  error: unknown,
  context: { phase?: string; what?: string } = {},
): PostgresError {
  if (error instanceof PostgresError) return error
  const facts: ErrorFacts = typeof error === 'object' && error !== null ? error : {}
  const rawCode = typeof facts.code === 'string' ? facts.code : undefined
  const phase = typeof facts.phase === 'string' ? facts.phase : context.phase
  const sqlState =
    typeof facts.sqlState === 'string'
      ? facts.sqlState
      : rawCode && /^[0-9A-Z]{5}$/.test(rawCode) && /\d/.test(rawCode)
        ? rawCode
        : undefined
  const message = redactUrl(typeof facts.message === 'string' ? facts.message : String(error))
  let code: PostgresErrorCode
  let errorClass = rawCode
  if (sqlState !== undefined) {
    code =
      SQLSTATE_CODES[sqlState] ??
      (rawCode === sqlState ? 'PG_ERR_QUERY_FAILED' : codeFromClass(rawCode ?? ''))
    if (rawCode === sqlState) errorClass = `SQLSTATE_${sqlState}`
  } else if (rawCode && ERRNO_CODES[rawCode]) {
    code = ERRNO_CODES[rawCode]
  } else if (facts.name === 'AbortError') {
    code = 'PG_ERR_ABORTED'
  } else if (/timeout|timed out/i.test(message)) {
    code = 'PG_ERR_TIMEOUT'
  } else if (/terminated unexpectedly|Connection terminated|ended unexpectedly/i.test(message)) {
    code = 'PG_ERR_CONNECTION_LOST'
  } else if (rawCode) {
    code = codeFromClass(rawCode)
  } else {
    code = 'PG_ERR_CONNECT_FAILED'
  }
  const prefix = context.what ? `${context.what}: ` : ''
  return new PostgresError(code, `${prefix}${message}`, { cause: error, errorClass, phase, sqlState })
}

/**
 * pg's own errors that carry no code, only these messages: its client-side `query_timeout`, a connection that
 * ended under a query, a pool that could not connect in time, a client reused after its connection broke.
 */
const PG_CODELESS_TRANSIENT =
  /^(Query read timeout|Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/

/**
 * True when `error`, or an error in its `cause` chain, is a database condition that passes by itself: no
 * free slot (53300), the server starting (57P03), a refused, reset or timed-out connection (pg's codeless
 * `Connection terminated unexpectedly`, `Query read timeout` included), a full pool.
 * Worth another attempt while starting; a 503 with `Retry-After` at run time. Errors without a database
 * code (a bug, a constraint violation, a wrong password) are not transient.
 */
export function isTransientPostgresError(error: unknown): boolean {
  for (const current of causeChain(error, 8)) {
    if (typeof current !== 'object') break
    if (current instanceof PostgresError) return current.retryable
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && (SQLSTATE_CODES[code] || ERRNO_CODES[code] || PROBE_CLASS_CODES[code]))
      return toPostgresError(current).retryable
    if (code === undefined && current instanceof Error && PG_CODELESS_TRANSIENT.test(current.message))
      return true
  }
  return false
}
