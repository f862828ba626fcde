/** Codes every service answers with, whatever its own domain codes. Each is documented in the README. */
export const SERVICE_ERROR_CODES = [
  'SERVICE_ERR_INVALID_CONFIG',
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'SERVICE_STARTING',
  'SERVICE_STOPPING',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number]

/**
 * An error that reaches a client: `code` (a service's own codes are strings too), an HTTP status, a message
 * safe to show. Services throw it; the one error handler turns it into `{ code, message }`.
 * @example throw new HttpError(404, 'THREAD_NOT_FOUND', 'no such thread')
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.details = options?.details
  }

  /** Optional structured detail for the client (e.g. which fields failed validation). Never internals. */
  readonly details: unknown
}

export interface ConfigProblem {
  /** The environment variable, e.g. `DATABASE_URL`. */
  readonly variable: string
  readonly problem: string
}

/** Startup configuration is wrong: lists every bad variable at once, never their values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'SERVICE_ERR_INVALID_CONFIG'

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable} ${p.problem}`).join('; ')}`)
  }
}
