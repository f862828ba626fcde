import type { FastifyInstance, FastifyReply } from 'fastify'
import type { DeclaredFault, FaultModel } from '@tarmac/faults'
import { HttpError, type ServiceErrorCode } from './errors.js'
import { serializeError } from './logger.js'

/** Fastify's own codes for a body it could not take, as the shared codes (statuses from the catalog). */
const FRAMEWORK_CODES: Readonly<Record<string, { code: ServiceErrorCode; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is not valid JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'request body is not valid JSON' },
}

/** What a client reads for a 5xx whose own message may carry internals (hosts, SQL, paths). */
const SAFE_MESSAGES: Readonly<Partial<Record<string, string>>> = {
  DEPENDENCY_UNAVAILABLE: 'a dependency is unavailable; retry shortly',
  INTERNAL: 'internal error',
}

/** What a client may see of an error: the status, code and `Retry-After` of its catalog entry. */
export interface ClientError {
  statusCode: number
  code: string
  message: string
  details?: unknown
  retryAfterS?: number
}

/** What the mapping reads of a thrown value (ours, Fastify's, or anything with a `code`). */
interface ErrorFacts {
  code?: unknown
  message?: unknown
  statusCode?: unknown
  validation?: unknown
  retryAfterS?: unknown
}

/**
 * The one route from an error to what a client sees: the error's `code`, looked up in the service's fault model;
 * the entry's `status`, its `answersAs` code (a dependency's `PG_ERR_…` answers as `DEPENDENCY_UNAVAILABLE`) and
 * its `retryAfterS` (the error's own wins); an error without such a code answers with the first in its `cause`
 * chain that has one. Fastify's parse failures become the shared codes first; a code
 * without a `status` — or no code — is a 500 `INTERNAL`. A 4xx carries the error's message; a 5xx only an
 * `HttpError`'s (written for clients), else a fixed one.
 * @example
 * const clientErrorOf = createClientErrors(faults)
 * clientErrorOf(new PostgresError('PG_ERR_UNREACHABLE', '…')) // { statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', … }
 */
export function createClientErrors(faults: FaultModel): (error: unknown) => ClientError {
  const unanswerable = faults.codes.filter((code) => {
    const target = faults.lookup(code)?.answersAs
    return target !== undefined && faults.lookup(target)?.status === undefined
  })
  const internal = faults.lookup('INTERNAL')
  if (internal?.status === undefined || unanswerable.length > 0)
    throw new TypeError(
      `the fault model must declare INTERNAL and every answersAs target (${unanswerable.join(', ') || 'INTERNAL'})`,
    )
  const answerable = (code: unknown) => {
    const entry = typeof code === 'string' ? faults.lookup(code) : undefined
    return entry?.status === undefined ? undefined : entry
  }
  // The error's own code, else the first in its `cause` chain that reaches HTTP (a wrapped `PG_ERR_…`).
  const declaredIn = (error: unknown): DeclaredFault | undefined => {
    let current = error
    for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
      const entry = answerable((current as { code?: unknown }).code)
      if (entry) return entry
      current = (current as { cause?: unknown }).cause
    }
    return undefined
  }

  return (error) => {
    const facts = (typeof error === 'object' && error !== null ? error : {}) as ErrorFacts
    const message = typeof facts.message === 'string' ? facts.message : ''
    let entry: DeclaredFault = internal
    let clientMessage = message
    const framework = typeof facts.code === 'string' ? FRAMEWORK_CODES[facts.code] : undefined
    if (facts.validation) entry = answerable('VALIDATION_FAILED') ?? internal
    else if (framework) [entry, clientMessage] = [answerable(framework.code) ?? internal, framework.message]
    else if (error instanceof SyntaxError && facts.statusCode === 400)
      [entry, clientMessage] = [answerable('INVALID_JSON') ?? internal, 'request body is not valid JSON']
    else if (declaredIn(error)) entry = declaredIn(error)!
    // Any other request Fastify refused (a bad URL, a bad content length): the client's, never a 5xx.
    else if (typeof facts.statusCode === 'number' && facts.statusCode >= 400 && facts.statusCode < 500)
      entry = answerable('BAD_REQUEST') ?? internal
    const shown = entry.answersAs === undefined ? entry : faults.lookup(entry.answersAs)!
    const statusCode = entry.status!
    if (statusCode >= 500 && !(error instanceof HttpError && shown === entry))
      clientMessage = SAFE_MESSAGES[shown.code] ?? shown.meaning
    const retryAfterS =
      typeof facts.retryAfterS === 'number' ? facts.retryAfterS : (entry.retryAfterS ?? shown.retryAfterS)
    return {
      statusCode,
      code: shown.code,
      message: clientMessage || shown.meaning,
      ...(error instanceof HttpError && error.details !== undefined && { details: error.details }),
      ...(retryAfterS !== undefined && { retryAfterS }),
    }
  }
}

/** Sends `{ code, message, details? }` with the status and `Retry-After` of a client error. */
export function sendClientError(reply: FastifyReply, clientError: ClientError): FastifyReply {
  if (clientError.retryAfterS !== undefined) void reply.header('retry-after', String(clientError.retryAfterS))
  const body: Record<string, unknown> = { code: clientError.code, message: clientError.message }
  if (clientError.details !== undefined) body.details = clientError.details
  return reply.status(clientError.statusCode).send(body)
}

/**
 * The one place a service turns errors into responses (`createClientErrors` with the service's fault model),
 * and the 404 handler. A 5xx is logged once with its code (never a stack) and never shown to the client.
 * @example installErrorHandler(app, faults) // faults = createServiceFaultModel(BACKEND_FAULTS)
 */
export function installErrorHandler(app: FastifyInstance, faults: FaultModel): void {
  const clientErrorOf = createClientErrors(faults)
  app.setErrorHandler((error, request, reply) => {
    const clientError = clientErrorOf(error)
    if (clientError.statusCode >= 500) {
      request.log.error({ err: serializeError(error), code: clientError.code }, 'request failed')
    }
    return sendClientError(reply, clientError)
  })
  app.setNotFoundHandler((request, reply) =>
    sendClientError(
      reply,
      clientErrorOf(new HttpError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
    ),
  )
}
