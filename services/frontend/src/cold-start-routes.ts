import { createDetailsGate, type GateRequest } from '@tarmac/health'
import type { ColdStartSummary } from '@tarmac/protocol'
import { HttpError, verifyStartupReportCredential, type ColdStartRecord } from '@tarmac/service'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ColdStartLog } from './cold-start-log.js'

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi
/** Defence in depth: the engine already redacts, but nothing secret is stored even from a careless sender. */
const redacted = (value: string) => value.replace(CREDENTIALS_IN_URL, '$1***@')
const text = (max: number) => z.string().max(max).transform(redacted)
const count = z.number().int().min(0).max(1_000_000)
const ms = z.number().min(0).max(86_400_000)

/** Why a facts value is refused, or undefined when it is JSON facts within the bounds. */
function factsProblem(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'not a finite number'
  if (typeof value === 'string') return value.length <= 300 ? undefined : 'a string over 300 characters'
  if (depth >= 8) return 'nested deeper than 8'
  if (Array.isArray(value)) {
    if (value.length > 50) return 'an array over 50 items'
    for (const item of value) {
      const problem = factsProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length > 50) return 'an object over 50 keys'
    for (const [key, item] of entries) {
      if (key.length > 64) return 'a key over 64 characters'
      const problem = factsProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  return 'not JSON'
}

/** The value with every string redacted (checked by `factsProblem` first). */
function redactFacts(value: unknown): unknown {
  if (typeof value === 'string') return redacted(value)
  if (Array.isArray(value)) return value.map(redactFacts)
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactFacts(item)]))
  return value
}

/**
 * JSON facts (timings, a budget, an error class): scalars, arrays and objects only, strings redacted. Checked by
 * one walk, not a recursive zod union: that took ~100 ms per maximum-size report, blocking the event loop.
 */
const factsRecord = z.unknown().transform((value, context) => {
  const problem =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? factsProblem(value, 0)
      : 'not an object'
  if (problem) {
    context.addIssue({ code: 'custom', message: `not JSON facts: ${problem}` })
    return z.NEVER
  }
  return redactFacts(value) as Record<string, unknown>
})
const attemptError = z.object({
  attempt: count,
  code: text(100),
  message: text(300),
  durationMs: ms,
  at: text(40),
  domain: text(40).optional(),
  layer: text(40).optional(),
  evidence: factsRecord.optional(),
})
const component = z.object({
  name: text(100),
  phase: text(100),
  critical: z.boolean(),
  timeoutMs: ms.optional(),
  state: text(40),
  startedAt: text(40).nullable(),
  durationMs: ms.nullable(),
  attempts: count,
  errors: z.array(attemptError).max(20),
  details: factsRecord.optional(),
  recoveredAt: text(40).optional(),
  stopError: z.object({ code: text(100), message: text(300) }).optional(),
})
const report = z.object({
  service: text(100),
  state: text(40),
  currentPhase: text(100).nullable(),
  startedAt: text(40).nullable(),
  durationMs: ms.nullable(),
  deadlineMs: ms,
  phases: z
    .array(
      z.object({
        name: text(100),
        parallel: z.boolean(),
        state: text(40),
        startedAt: text(40).nullable(),
        durationMs: ms.nullable(),
        components: z.array(component).max(100),
      }),
    )
    .max(20),
  failure: z
    .object({
      phase: text(100),
      component: text(100),
      code: text(100),
      message: text(300),
      domain: text(40).optional(),
      layer: text(40).optional(),
      cause: z.object({ code: text(100), message: text(300) }).optional(),
    })
    .nullable(),
})
/** What `POST /startup-reports` accepts; unknown keys are dropped, so nothing beyond these is ever stored. */
export const coldStartRecordSchema = z.object({
  service: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a kebab-case service name'),
  instance: text(200),
  version: text(100).optional(),
  releaseId: text(128).optional(),
  outcome: z.enum(['ready', 'failed']),
  sentAt: text(40),
  report,
})

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
}

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

  app.post(
    '/startup-reports',
    {
      bodyLimit: 256 * 1024,
      // Before the body is read: a sender without a credential, or one too many at once, costs no body.
      onRequest: async (request, reply) => {
        const sender = senderOf(request)
        if (!sender)
          return refuse(
            reply,
            401,
            'STARTUP_REPORT_REJECTED',
            "a startup report needs its service's credential",
          )
        if (inFlight >= log.bounds.maxConcurrentReports)
          return refuse(
            reply.header('retry-after', '1'),
            503,
            'STARTUP_REPORT_BUSY',
            'too many reports at once',
          )
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
      const parsed = coldStartRecordSchema.safeParse(request.body)
      if (!parsed.success)
        throw new HttpError(400, 'VALIDATION_FAILED', 'not a startup report', {
          details: parsed.error.issues
            .slice(0, 10)
            .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        })
      const bound = senders.get(request)?.service
      if (bound !== undefined && parsed.data.service !== bound)
        throw new HttpError(
          403,
          'STARTUP_REPORT_WRONG_SERVICE',
          `this credential writes ${bound}'s records only, not ${parsed.data.service}'s`,
        )
      let stored: boolean
      try {
        stored = await log.add(parsed.data as ColdStartRecord)
      } catch (error) {
        throw new HttpError(
          503,
          'STARTUP_REPORT_STORE_UNAVAILABLE',
          'the collector cannot store reports now',
          {
            cause: error,
          },
        )
      }
      if (!stored)
        throw new HttpError(
          413,
          'STARTUP_REPORT_TOO_LARGE',
          `the report does not fit in ${log.bounds.recordMaxBytes} bytes even trimmed`,
        )
      return reply.status(202).send({ accepted: true })
    },
  )

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
      throw new HttpError(401, 'UNAUTHORIZED', 'reading startup reports needs the health token')
    const filter = query.safeParse(request.query)
    if (!filter.success) throw new HttpError(400, 'VALIDATION_FAILED', 'bad query')
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
    if (!filter.success) throw new HttpError(400, 'VALIDATION_FAILED', 'bad query')
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

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  // `connection: close`: the unread body is not drained for a next request on this connection.
  return reply.code(status).header('connection', 'close').send({ code, message })
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
