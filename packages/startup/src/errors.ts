/** Every code `@tarmac/startup` can throw or record. Each is documented in the package README. */
export const STARTUP_ERROR_CODES = [
  'STARTUP_ERR_INVALID_OPTIONS',
  'STARTUP_ERR_INVALID_COMPONENT',
  'STARTUP_ERR_DUPLICATE_COMPONENT',
  'STARTUP_ERR_UNKNOWN_PHASE',
  'STARTUP_ERR_ALREADY_RUN',
  'STARTUP_ERR_ATTEMPT_TIMEOUT',
  'STARTUP_ERR_COMPONENT_DEADLINE',
  'STARTUP_ERR_DEADLINE_EXCEEDED',
  'STARTUP_ERR_ABORTED',
  'STARTUP_ERR_CRITICAL_FAILED',
  'STARTUP_ERR_NOT_STARTED',
  'STARTUP_ERR_STOP_TIMEOUT',
  'STARTUP_ERR_STOP_FAILED',
] as const
export type StartupErrorCode = (typeof STARTUP_ERROR_CODES)[number]

/** The one error class of this package; `code` is from a closed list, `cause` is kept. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  /** Set on `STARTUP_ERR_CRITICAL_FAILED` and `STARTUP_ERR_ABORTED`: the report at the moment startup ended. */
  readonly report: unknown

  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: { cause?: unknown; report?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.report = options?.report
  }
}

/** The code to record for any error: its own string `code` if it has one, else its name. */
export function errorCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.length > 0) return code
    if (error instanceof Error) return error.name === 'Error' ? 'ERROR' : error.name
  }
  return 'UNKNOWN'
}

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi

/** One line, at most 300 characters, with passwords in URLs replaced: safe for logs and probes. */
export function safeMessageOf(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error)
  const line = raw.replace(/\s+/g, ' ').trim().replace(CREDENTIALS_IN_URL, '$1***@')
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
