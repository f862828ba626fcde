/**
 * The backend's own codes, beside the shared ones of `@tarmac/service` (`UNAUTHORIZED`, `RATE_LIMITED`,
 * `SERVICE_STARTING`…). Startup codes end up in the startup report and the exit-3 line; the others reach
 * clients in `{ code, message }` bodies, WebSocket `error` frames and `run.failed` frames.
 */
export const BACKEND_ERROR_CODES = [
  // startup
  'BACKEND_ERR_JWKS_UNAVAILABLE',
  'BACKEND_ERR_PROVIDER_UNAVAILABLE',
  'BACKEND_ERR_REDIS_UNAVAILABLE',
  'BACKEND_ERR_BUS_SELF_TEST_FAILED',
  'BACKEND_ERR_SELF_TEST_FAILED',
  // REST and WebSocket
  'THREAD_NOT_FOUND',
  'INVALID_CURSOR',
  'INVALID_FRAME',
  'UNKNOWN_FRAME_TYPE',
  'FRAME_TOO_LARGE',
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'ALREADY_AUTHENTICATED',
  // run.failed
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_ERROR',
  'PROVIDER_TIMEOUT',
  'RUN_ABORTED',
  'RUN_FAILED',
] as const
export type BackendErrorCode = (typeof BACKEND_ERROR_CODES)[number]

/** Codes of `@tarmac/service` the backend answers with; documented again in this README for clients. */
export const SHARED_ERROR_CODES_USED = [
  'SERVICE_ERR_INVALID_CONFIG',
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'BODY_TOO_LARGE',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'SERVICE_STARTING',
  'SERVICE_STOPPING',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const

/** WebSocket close codes the backend uses. */
export const CLOSE_CODES = Object.freeze({
  /** Shutdown: the server is going away; reconnect (another instance will answer). */
  goingAway: 1001,
  /** A frame above the hard payload cap (`maxPayloadBytes`). */
  messageTooBig: 1009,
  /** Not authenticated within `authTimeoutMs`, or a bad token. */
  unauthorized: 4401,
})

/** A backend failure with a code from the closed list; `dependencyUnavailable` maps it to 503 over HTTP. */
export class BackendError extends Error {
  override readonly name = 'BackendError'
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    options?: { cause?: unknown; dependencyUnavailable?: boolean; permanent?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.dependencyUnavailable = options?.dependencyUnavailable ?? false
    this.permanent = options?.permanent ?? false
  }
  readonly dependencyUnavailable: boolean
  /** Retrying will not help (a rejected API key): startup stops retrying at once. */
  readonly permanent: boolean
}

/** The code of any error, for logs and frames: its own `code` string, else `INTERNAL`. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'INTERNAL'
}

/** `fetch failed` hides the real reason in `cause`: dig out `ECONNREFUSED`, `ENOTFOUND`… */
export function networkReasonOf(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return error instanceof Error ? error.message : String(error)
}
