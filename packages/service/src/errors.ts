import { defineFaults } from '@tarmac/faults'

const clientError = (status: number, meaning: string, action: string) =>
  ({ status, domain: 'application', layer: 'client', meaning, action }) as const

/** Codes every service answers with, whatever its own domain codes, with their fault domain and layer. */
export const SERVICE_FAULTS = defineFaults('@tarmac/service', {
  SERVICE_ERR_INVALID_CONFIG: {
    domain: 'configuration',
    layer: 'application',
    meaning: 'environment variables are missing or malformed; the message names each one (exit 3)',
    action: 'fix the named variables',
  },
  VALIDATION_FAILED: clientError(
    400,
    "the request body or query does not match the route's schema",
    'fix the request; `details` says where',
  ),
  INVALID_JSON: clientError(
    400,
    'the body is not valid JSON (or empty with a JSON content type)',
    'send valid JSON',
  ),
  BAD_REQUEST: clientError(
    400,
    'the request is malformed in a way the framework rejected',
    'fix the request',
  ),
  BODY_TOO_LARGE: clientError(413, "the body exceeds the route's limit", 'send less'),
  UNSUPPORTED_MEDIA_TYPE: clientError(
    415,
    'a content type the service does not parse',
    'send `application/json`',
  ),
  NOT_FOUND: clientError(404, 'no such route', 'check the path'),
  UNAUTHORIZED: clientError(401, 'missing or invalid credentials', 'log in again'),
  FORBIDDEN: clientError(
    403,
    'authenticated, but not allowed',
    'ask for the permission, or use another account',
  ),
  RATE_LIMITED: clientError(429, 'too many requests', 'wait for `retry-after`'),
  SERVICE_STARTING: {
    status: 503,
    retryAfterS: 5,
    defers: true,
    meaning: 'the service is still starting (its `/health/startup` shows the phase)',
    action: 'retry after `retry-after`',
  },
  SERVICE_STOPPING: {
    status: 503,
    retryAfterS: 5,
    domain: 'infrastructure',
    layer: 'process',
    meaning: 'the service is shutting down',
    action: 'retry: another instance will answer',
  },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    retryAfterS: 5,
    defers: true,
    domain: 'infrastructure',
    meaning: 'a dependency (database, cache…) refused, reset or timed out',
    action: 'retry; `/health/infrastructure` names the dependency and its layer',
  },
  INTERNAL: {
    status: 500,
    domain: 'application',
    layer: 'application',
    meaning: 'anything else; logged once with its code, never shown',
    action: 'report it with the time; the log line has the code',
  },
})

/** Codes every service answers with. Each is documented in the README. */
export const SERVICE_ERROR_CODES = SERVICE_FAULTS.codes
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number]

/**
 * The codes every service built on this package can answer with without writing a line for them: the error
 * and 404 handlers, the readiness gate, and the config failure it exits with. A service adds the ones it
 * throws itself (`UNAUTHORIZED`, `FORBIDDEN`) and documents the list for its clients.
 */
export const SHARED_ERROR_CODES = [
  'SERVICE_ERR_INVALID_CONFIG',
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'BAD_REQUEST',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'RATE_LIMITED',
  'SERVICE_STARTING',
  'SERVICE_STOPPING',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const satisfies readonly ServiceErrorCode[]

/**
 * An error written for a client: a `code` its service's fault model declares (the shared ones here, or the
 * service's own), a message safe to show even on a 5xx. The status is the catalog entry's, never the thrower's:
 * the one error handler looks it up.
 * @example throw new HttpError('THREAD_NOT_FOUND', 'no such thread')
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  /** Optional structured detail for the client (e.g. which fields failed validation). Never internals. */
  readonly details: unknown
  /** `Retry-After` for this answer, when it differs from the entry's (a rate limit's remaining window). */
  readonly retryAfterS: number | undefined

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: unknown; retryAfterS?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.details = options?.details
    this.retryAfterS = options?.retryAfterS
  }
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
