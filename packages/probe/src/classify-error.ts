import { ProbeError, isProbeErrorClass, timeoutClassFor, type ProbeErrorClass } from './errors.js'
import type { ProbePhase } from './phases.js'

/** A classified failure, as reported in `ProbeResult.error` (JSON-serialisable). */
export interface ProbeFailure {
  class: ProbeErrorClass
  phase: ProbePhase
  message: string
  /** The server's SQLSTATE, for Postgres errors. */
  sqlState?: string
  /** The underlying system or library code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `ABORT_ERR`…). */
  code?: string
}

/** SQLSTATEs with a class of their own; any other SQLSTATE is `PG_ERROR`. */
const SQLSTATE_CLASSES: Readonly<Record<string, ProbeErrorClass>> = {
  '28P01': 'PG_AUTH_FAILED', // invalid_password
  '28000': 'PG_AUTH_FAILED', // invalid_authorization_specification (pg_hba reject, no such role)
  '53300': 'PG_TOO_MANY_CONNECTIONS', // too_many_connections
  '57P03': 'PG_STARTING_UP', // cannot_connect_now (starting up, shutting down, in recovery)
  '3D000': 'PG_DB_NOT_FOUND', // invalid_catalog_name
}

const SYSTEM_CODE_CLASSES: Readonly<Record<string, ProbeErrorClass>> = {
  ENOTFOUND: 'DNS_NOT_FOUND',
  ENODATA: 'DNS_NOT_FOUND',
  EAI_NONAME: 'DNS_NOT_FOUND',
  EAI_NODATA: 'DNS_NOT_FOUND',
  EAI_FAIL: 'DNS_NOT_FOUND',
  EAI_AGAIN: 'DNS_TIMEOUT', // the resolver could not be reached or did not answer
  ECONNREFUSED: 'TCP_REFUSED',
  EHOSTUNREACH: 'TCP_UNREACHABLE',
  ENETUNREACH: 'TCP_UNREACHABLE',
  EHOSTDOWN: 'TCP_UNREACHABLE',
  ENETDOWN: 'TCP_UNREACHABLE',
  EADDRNOTAVAIL: 'TCP_UNREACHABLE',
  ECONNRESET: 'TCP_RESET',
  ECONNABORTED: 'TCP_RESET',
  EPIPE: 'TCP_RESET',
  // Only a Unix-socket connect meets it on the network path: no socket file at that path.
  ENOENT: 'SOCKET_NOT_FOUND',
}

/** pg's own timers (`connectionTimeoutMillis`, `query_timeout`), when a caller sets them in `clientConfig`. */
const PG_TIMEOUT_MESSAGES = new Set(['timeout expired', 'Query read timeout'])

/** What pg says when the server (or a proxy) closes the socket before answering. */
const PG_CLOSED_MESSAGES = new Set(['Connection terminated unexpectedly', 'Connection terminated'])

/**
 * Maps any error onto the closed list of classes, given the phase that was in progress.
 * A `ProbeError` keeps its own class and phase. Exported so that other packages classify the same way.
 * @example classifyError(err, 'auth') // → { class: 'PG_AUTH_FAILED', phase: 'auth', sqlState: '28P01', … }
 */
export function classifyError(error: unknown, phase: ProbePhase): ProbeFailure {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof ProbeError && isProbeErrorClass(error.code)) {
    const failure: ProbeFailure = { class: error.code, phase: error.phase ?? phase, message }
    if (error.sqlState !== undefined) failure.sqlState = error.sqlState
    const code = codeOf(error.cause)
    if (code !== undefined && code !== error.sqlState) failure.code = code
    return failure
  }
  const sqlState = sqlStateOf(error)
  if (sqlState !== undefined) {
    return { class: SQLSTATE_CLASSES[sqlState] ?? 'PG_ERROR', phase, message, sqlState }
  }
  const code = codeOf(error)
  const failure: ProbeFailure = { class: classOf(error, code, message, phase), phase, message }
  if (code !== undefined) failure.code = code
  return failure
}

function classOf(
  error: unknown,
  code: string | undefined,
  message: string,
  phase: ProbePhase,
): ProbeErrorClass {
  const name = error instanceof Error ? error.name : ''
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || name === 'AbortError' || name === 'TimeoutError') {
    return timeoutClassFor(phase)
  }
  if (code === undefined && PG_TIMEOUT_MESSAGES.has(message)) {
    return timeoutClassFor(phase)
  }
  const byCode = code === undefined ? undefined : SYSTEM_CODE_CLASSES[code]
  if (byCode !== undefined) return byCode
  if (phase === 'tls' || phase === 'ssl') return 'TLS_FAILED'
  if (PG_CLOSED_MESSAGES.has(message)) return 'TCP_RESET'
  if (code !== undefined && (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE')) {
    return 'PROTOCOL_ERROR'
  }
  return 'UNKNOWN'
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

/** A pg `DatabaseError` (or any error shaped like one) carries a five-character SQLSTATE and a severity. */
function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, severity } = error as { code?: unknown; severity?: unknown }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return code
  return undefined
}
