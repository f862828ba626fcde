import { createDetailsGate, type GateRequest } from '@tarmac/health'
import type { ColdStartSummary } from '@tarmac/protocol'
import { HttpError, verifyStartupReportCredential } from '@tarmac/service'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ColdStartLog } from './cold-start-log.js'
import type { FrontendErrorCode } from './errors.js'
import { createIntakeThread, type IntakeThread } from './report-intake-thread.js'

export interface ColdStartRoutesOptions {
  readonly log: ColdStartLog
  /**
   * The collector's secret (`STARTUP_REPORT_TOKEN`): senders present their service's credential derived from it
   * (`tsr1.<service>.<mac>`), and a record is filed under the service its credential names. Unset: only loopback
   * senders (with a loopback `Host`) are accepted, under the service their body names (a local stack).
   */
  readonly reportToken: string | undefined
  /** Reading the raw records and the summary's details needs `HEALTH_TOKEN` (or loopback without one). */
  readonly healthToken: string | undefined
  /** Where report bodies are parsed and validated; a worker thread of its own by default. */
  readonly intake?: IntakeThread
}

/** The largest report body read; bigger → 413 before it is parsed. */
const REPORT_BODY_LIMIT = 256 * 1024

/** What the credential check decided for a request, before its body was read. */
const senders = new WeakMap<FastifyRequest, { service: string | undefined }>()

/**
 * The collector's routes: `POST /startup-reports` (an instance's report, after ready or before exit 3),
 * `GET /startup-reports` (the raw records, paged, token-gated) and `GET /status/cold-starts` (per service, the
 * last 15 minutes: counts and failures by phase for anyone; the last failure's instance and time and connect
 * timings only for whoever may see health details — never a message).
 */
export function registerColdStartRoutes(app: FastifyInstance, options: ColdStartRoutesOptions): void {
  const { log } = options
  const loopbackSender = createDetailsGate(undefined)
  const readerAllowed = createDetailsGate(options.healthToken)
  const gateOf = (request: FastifyRequest): GateRequest => ({
    headers: request.headers,
    remoteAddress: request.raw.socket.remoteAddress,
  })
  /** The service a request may write as (undefined: any, from loopback without a secret), or false. */
  const senderOf = (request: FastifyRequest): { service: string | undefined } | false => {
    if (options.reportToken === undefined) return loopbackSender(gateOf(request)) && { service: undefined }
    const header = request.headers.authorization
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
    const service = verifyStartupReportCredential(options.reportToken, header.slice(7).trim())
    return service !== undefined && { service }
  }
  let inFlight = 0

  const intake = options.intake ?? createIntakeThread()
  app.addHook('onClose', async () => intake.close())
  // Its own scope: the body stays bytes here, parsed and validated on the intake thread, off the event loop.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    )
    scope.post(
      '/startup-reports',
      {
        bodyLimit: REPORT_BODY_LIMIT,
        // Before the body is read: a sender without a credential, or one too many at once, costs no body.
        onRequest: async (request, reply) => {
          const sender = senderOf(request)
          if (!sender)
            return refuse(reply, 'STARTUP_REPORT_REJECTED', "a startup report needs its service's credential")
          if (inFlight >= log.bounds.maxConcurrentReports)
            return refuse(reply, 'STARTUP_REPORT_BUSY', 'too many reports at once')
          inFlight++
          senders.set(request, sender)
          // Released when the exchange ends, answered or aborted by the sender mid-body.
          let released = false
          const release = () => {
            if (!released) inFlight--
            released = true
          }
          request.raw.once('close', release)
          reply.raw.once('close', release)
          return undefined
        },
      },
      async (request, reply) => {
        const body = request.body
        if (!(body instanceof Uint8Array) && typeof body !== 'string')
          throw new HttpError('VALIDATION_FAILED', 'not a startup report: no JSON body')
        const outcome = await intake
          .intake(typeof body === 'string' ? Buffer.from(body) : body, Date.now(), log.bounds.recordMaxBytes)
          .catch((error: unknown) => {
            // The client gets the code; the log says why the thread stopped (it died, or did not answer).
            request.log.warn(
              { event: 'collector.intake', reason: error instanceof Error ? error.message : String(error) },
              'report intake thread failed',
            )
            throw new HttpError(
              'STARTUP_REPORT_INTAKE_UNAVAILABLE',
              'the collector cannot read reports now',
              {
                cause: error,
              },
            )
          })
        if (!outcome.ok)
          throw new HttpError(outcome.code, outcome.message, {
            ...(outcome.details && { details: outcome.details }),
          })
        const bound = senders.get(request)?.service
        if (bound !== undefined && outcome.service !== bound)
          throw new HttpError(
            'STARTUP_REPORT_WRONG_SERVICE',
            `this credential writes ${bound}'s records only, not ${outcome.service}'s`,
          )
        try {
          await log.addAccepted(outcome)
        } catch (error) {
          throw new HttpError('STARTUP_REPORT_STORE_UNAVAILABLE', 'the collector cannot store reports now', {
            cause: error,
          })
        }
        return reply.status(202).send({ accepted: true })
      },
    )
  })

  const query = z.object({
    service: z.string().max(64).optional(),
    sinceMs: z.coerce.number().int().min(0).optional(),
    windowMs: z.coerce
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .optional(),
    cursor: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(100),
  })
  app.get('/startup-reports', async (request, reply) => {
    if (!readerAllowed(gateOf(request)))
      throw new HttpError('UNAUTHORIZED', 'reading startup reports needs the health token')
    const filter = query.safeParse(request.query)
    if (!filter.success) throw new HttpError('VALIDATION_FAILED', 'bad query')
    const { service, sinceMs, cursor, limit } = filter.data
    await refreshed(log)
    const page = await log.page({
      ...(service && { service }),
      ...(sinceMs !== undefined && { sinceMs }),
      ...(cursor !== undefined && { cursor }),
      limit,
    })
    return reply.header('cache-control', 'no-store').send(page)
  })

  app.get('/status/cold-starts', async (request, reply) => {
    const filter = query.safeParse(request.query)
    if (!filter.success) throw new HttpError('VALIDATION_FAILED', 'bad query')
    const windowMs = filter.data.windowMs ?? 15 * 60_000
    const details = readerAllowed(gateOf(request))
    await refreshed(log)
    const nowMs = Date.now()
    const services = log.services().map((service) => {
      const summary = log.summary(service, nowMs, windowMs)
      return details ? detailedSummary(summary) : publicSummary(summary)
    })
    return reply.header('cache-control', 'no-store').send({ windowMs, details, services })
  })
}

/** The snapshot as fresh as the log allows; a store that is away leaves the last one (stale beats nothing). */
async function refreshed(log: ColdStartLog): Promise<void> {
  try {
    await log.refresh()
  } catch {
    // Served from the last snapshot; POST answers 503 while the store is away.
  }
}

/** Refuses a report before its body is read; the error handler answers with the code's catalog entry. */
function refuse(reply: FastifyReply, code: FrontendErrorCode, message: string): never {
  // `connection: close`: the unread body is not drained for a next request on this connection.
  void reply.header('connection', 'close')
  throw new HttpError(code, message)
}

/** For whoever may see health details: everything but the failure's message (messages stay in the raw records). */
function detailedSummary(summary: ColdStartSummary): ColdStartSummary {
  const { lastFailure } = summary
  return {
    ...summary,
    lastFailure: lastFailure && { ...lastFailure, message: undefined as unknown as string },
  }
}

/**
 * What a public status page needs: counts, failures by phase, and the verdict of the last failure (its phase,
 * component, codes, domain and layer). No instance names, no send times, no timings, no messages.
 */
function publicSummary(summary: ColdStartSummary): PublicColdStartSummary {
  const { lastFailure } = summary
  return {
    service: summary.service,
    windowMs: summary.windowMs,
    total: summary.total,
    ready: summary.ready,
    failed: summary.failed,
    failedByPhase: summary.failedByPhase,
    lastFailure: lastFailure && {
      phase: lastFailure.phase,
      component: lastFailure.component,
      code: lastFailure.code,
      causeCode: lastFailure.causeCode,
      domain: lastFailure.domain,
      layer: lastFailure.layer,
    },
    connectMs: {},
  }
}

type PublicColdStartSummary = Omit<ColdStartSummary, 'lastFailure'> & {
  readonly lastFailure: Omit<
    NonNullable<ColdStartSummary['lastFailure']>,
    'at' | 'instance' | 'message'
  > | null
}
