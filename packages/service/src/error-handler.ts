import type { FastifyError, FastifyInstance } from 'fastify'
import { HttpError } from './errors.js'
import { serializeError } from './logger.js'

/** Error codes (Node's and Postgres's) that mean "a dependency is not there right now", not "we are broken". */
const DEPENDENCY_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
  // @tarmac/postgres's codes for an unreachable or saturated database (named here, not imported: the kit
  // does not depend on the Postgres layer).
  'PG_ERR_UNREACHABLE',
  'PG_ERR_TIMEOUT',
  'PG_ERR_CONNECTION_LOST',
  'PG_ERR_POOL_EXHAUSTED',
  'PG_ERR_TOO_MANY_CONNECTIONS',
  'PG_ERR_STARTING_UP',
])

const DEPENDENCY_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
]

/** True for errors that mean a dependency (database, cache, auth) is unavailable. */
export function isDependencyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && DEPENDENCY_ERROR_CODES.has(code)) return true
  if ((error as { dependencyUnavailable?: unknown }).dependencyUnavailable === true) return true
  const message = error instanceof Error ? error.message : ''
  return DEPENDENCY_MESSAGES.some((pattern) => pattern.test(message))
}

interface ClientError {
  statusCode: number
  code: string
  message: string
  details?: unknown
}

/** Maps any error to what the client may see. A 5xx never carries internals. */
export function toClientError(error: unknown): ClientError {
  if (error instanceof HttpError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message, details: error.details }
  }
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown }
  if (fastifyError.validation) {
    return { statusCode: 400, code: 'VALIDATION_FAILED', message: fastifyError.message ?? 'invalid request' }
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, code: 'BODY_TOO_LARGE', message: 'request body is too large' }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { statusCode: 400, code: 'INVALID_JSON', message: 'request body is not valid JSON' }
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { statusCode: 400, code: 'INVALID_JSON', message: 'request body is not valid JSON' }
  }
  if (fastifyError.statusCode === 429) {
    return { statusCode: 429, code: 'RATE_LIMITED', message: fastifyError.message ?? 'too many requests' }
  }
  if (isDependencyError(error)) {
    return {
      statusCode: 503,
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'a dependency is unavailable; retry shortly',
    }
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, code: 'BAD_REQUEST', message: fastifyError.message ?? 'bad request' }
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error' }
}

/**
 * The one place a service turns errors into responses: `{ code, message }` (plus `details` for validation),
 * the right status, and a 5xx logged once with its code (never a stack) and never shown to the client.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const clientError = toClientError(error)
    if (clientError.statusCode >= 500) {
      request.log.error({ err: serializeError(error), code: clientError.code }, 'request failed')
    }
    if (clientError.statusCode === 503) void reply.header('retry-after', '5')
    const body: Record<string, unknown> = { code: clientError.code, message: clientError.message }
    if (clientError.details !== undefined) body.details = clientError.details
    return reply.status(clientError.statusCode).send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  )
}
