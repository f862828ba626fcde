import { defineFaults } from '@tarmac/faults'
import { HttpError, SHARED_ERROR_CODES } from '@tarmac/service'

const client = (status: number, meaning: string, action: string) =>
  ({ status, domain: 'application', layer: 'client', meaning, action }) as const

/** The auth service's own codes, each with its HTTP status, fault domain and layer. */
export const AUTH_FAULTS = defineFaults('@tarmac/auth', {
  INVALID_CREDENTIALS: client(
    401,
    'wrong email or password (the same answer for an unknown account)',
    'check both; after repeated failures expect `RATE_LIMITED`',
  ),
  EMAIL_TAKEN: client(409, 'an account with this (normalised) email exists', 'log in instead'),
  INVALID_EMAIL: client(400, 'not `local@domain.tld`, or control/invisible characters', 'fix the address'),
  INVALID_DISPLAY_NAME: client(
    400,
    'empty, longer than 64 characters, or control/invisible characters',
    'fix the name',
  ),
  WEAK_PASSWORD: client(400, 'shorter than 10 characters', 'choose a longer password'),
  INVALID_TOKEN: client(
    401,
    'access token missing, malformed, expired or badly signed; refresh token unknown, expired or revoked',
    'log in again (or refresh, for an expired access token)',
  ),
  TOKEN_REUSED: client(
    401,
    'a refresh token was used again after its reuse grace window (`REFRESH_REUSE_GRACE_MS`): its whole family is now revoked',
    'log in again; if unexpected, the token may have leaked',
  ),
  AUTH_ERR_KEYS_UNAVAILABLE: {
    status: 503,
    retryAfterS: 5,
    domain: 'application',
    layer: 'application',
    meaning: 'signing keys not loaded yet (only if a request slips past the readiness gate)',
    action: 'retry shortly',
  },
})

export type AuthErrorCode = (typeof AUTH_FAULTS.codes)[number]
export const AUTH_ERROR_CODES = AUTH_FAULTS.codes

/** Codes of `@tarmac/service` the auth service answers with (or exits with). */
export const SHARED_ERROR_CODES_USED = [...SHARED_ERROR_CODES, 'UNAUTHORIZED'] as const

/**
 * An auth failure a client sees as `{ code, message }` with the status of the code's catalog entry.
 * @example throw new AuthError('EMAIL_TAKEN', 'an account with this email exists')
 */
export class AuthError extends HttpError {
  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
