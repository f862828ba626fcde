/** Every code `@tarmac/health` can throw or record in a probe body. Each is documented in the package README. */
export const HEALTH_ERROR_CODES = [
  'HEALTH_ERR_INVALID_OPTIONS',
  'HEALTH_ERR_INVALID_CHECK',
  'HEALTH_ERR_DUPLICATE_CHECK',
  'HEALTH_ERR_CHECK_TIMEOUT',
  'HEALTH_ERR_CHECK_FAILED',
  'HEALTH_ERR_INVALID_RESULT',
  'HEALTH_ERR_CHECK_STALE',
  'HEALTH_ERR_CHECK_PENDING',
  'HEALTH_ERR_CONTRIBUTION_FAILED',
  'HEALTH_ERR_UNKNOWN_COMPONENT',
  'HEALTH_ERR_EVENT_LOOP_LAG',
  'HEALTH_ERR_STARTING',
  'HEALTH_ERR_STARTUP_FAILED',
  'HEALTH_ERR_SHUTTING_DOWN',
] as const
export type HealthErrorCode = (typeof HEALTH_ERROR_CODES)[number]

/** The one error class of this package; `code` is from a closed list, `cause` is kept. */
export class HealthError extends Error {
  override readonly name = 'HealthError'

  constructor(
    readonly code: HealthErrorCode,
    message: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode
  }

  /** Set where the error reaches HTTP. */
  statusCode?: number
}
