import { HttpError } from '@tarmac/service'

/**
 * The auth service's own codes, each with its HTTP status. Beside them the service answers with the shared
 * codes of `@tarmac/service` (`VALIDATION_FAILED`, `RATE_LIMITED`, `DEPENDENCY_UNAVAILABLE`…), listed in
 * `SHARED_ERROR_CODES_USED`. Every code is documented in the README.
 */
export const AUTH_ERROR_STATUS = Object.freeze({
  INVALID_CREDENTIALS: 401,
  EMAIL_TAKEN: 409,
  INVALID_EMAIL: 400,
  INVALID_DISPLAY_NAME: 400,
  WEAK_PASSWORD: 400,
  INVALID_TOKEN: 401,
  TOKEN_REUSED: 401,
  AUTH_ERR_KEYS_UNAVAILABLE: 503,
} as const)

export type AuthErrorCode = keyof typeof AUTH_ERROR_STATUS
export const AUTH_ERROR_CODES = Object.keys(AUTH_ERROR_STATUS) as readonly AuthErrorCode[]

/** Codes of `@tarmac/service` the auth service answers with (or exits with). */
export const SHARED_ERROR_CODES_USED = [
  'SERVICE_ERR_INVALID_CONFIG',
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SERVICE_STARTING',
  'SERVICE_STOPPING',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const

/**
 * An auth failure a client sees as `{ code, message }` with the code's status.
 * @example throw new AuthError('EMAIL_TAKEN', 'an account with this email exists')
 */
export class AuthError extends HttpError {
  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(AUTH_ERROR_STATUS[code], code, message, options)
  }
}

/**
 * Marks a database failure that means "Postgres is not there right now" so the shared error handler answers
 * 503 `DEPENDENCY_UNAVAILABLE` instead of 500.
 */
export class DependencyError extends Error {
  override readonly name = 'DependencyError'
  readonly dependencyUnavailable = true
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
