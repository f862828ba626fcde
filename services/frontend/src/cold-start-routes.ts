import { createDetailsGate, type GateRequest } from '@tarmac/health'
import { HttpError, type ColdStartRecord } from '@tarmac/service'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ColdStartLog } from './cold-start-log.js'

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi
/** Defence in depth: the engine already redacts, but nothing secret is stored even from a careless sender. */
const redacted = (value: string) => value.replace(CREDENTIALS_IN_URL, '$1***@')
const text = (max: number) => z.string().max(max).transform(redacted)
const count = z.number().int().min(0).max(1_000_000)
const ms = z.number().min(0).max(86_400_000)

/** JSON facts (timings, a budget, an error class): scalars, arrays and objects only, strings redacted. */
const facts: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.number(),
    z.boolean(),
    z.null(),
    text(300),
    z.array(facts).max(50),
    z.record(z.string().max(64), facts),
  ]),
)
const attemptError = z.object({
  attempt: count,
  code: text(100),
  message: text(300),
  durationMs: ms,
  at: text(40),
  domain: text(40).optional(),
  layer: text(40).optional(),
  evidence: z.record(z.string().max(64), facts).optional(),
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
  details: z.record(z.string().max(64), facts).optional(),
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
  /** Senders must present it (`STARTUP_REPORT_TOKEN`); unset: only loopback senders are accepted. */
  readonly reportToken: string | undefined
  /** Reading the raw records needs `HEALTH_TOKEN` (or loopback without one), like health details. */
  readonly healthToken: string | undefined
}

/**
 * The collector's routes: `POST /startup-reports` (an instance's report, after ready or before exit 3),
 * `GET /startup-reports` (the raw records, token-gated) and `GET /status/cold-starts` (per service, the last
 * 15 minutes: counts, failures by phase, the last failure, connect p50/p95 per step — no messages).
 */
export function registerColdStartRoutes(app: FastifyInstance, options: ColdStartRoutesOptions): void {
  const senderAllowed = createDetailsGate(options.reportToken)
  const readerAllowed = createDetailsGate(options.healthToken)
  const gateOf = (request: FastifyRequest): GateRequest => ({
    headers: request.headers,
    remoteAddress: request.raw.socket.remoteAddress,
  })

  app.post('/startup-reports', { bodyLimit: 256 * 1024 }, async (request, reply) => {
    if (!senderAllowed(gateOf(request)))
      throw new HttpError(401, 'STARTUP_REPORT_REJECTED', 'a startup report needs the collector token')
    const parsed = coldStartRecordSchema.safeParse(request.body)
    if (!parsed.success)
      throw new HttpError(400, 'VALIDATION_FAILED', 'not a startup report', {
        details: parsed.error.issues
          .slice(0, 10)
          .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      })
    options.log.add(parsed.data as ColdStartRecord)
    return reply.status(202).send({ accepted: true })
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
  })
  app.get('/startup-reports', async (request, reply) => {
    if (!readerAllowed(gateOf(request)))
      throw new HttpError(401, 'UNAUTHORIZED', 'reading startup reports needs the health token')
    const filter = query.safeParse(request.query)
    if (!filter.success) throw new HttpError(400, 'VALIDATION_FAILED', 'bad query')
    const { service, sinceMs } = filter.data
    return reply.header('cache-control', 'no-store').send({
      records: options.log.list({ ...(service && { service }), ...(sinceMs !== undefined && { sinceMs }) }),
    })
  })

  app.get('/status/cold-starts', async (request, reply) => {
    const filter = query.safeParse(request.query)
    if (!filter.success) throw new HttpError(400, 'VALIDATION_FAILED', 'bad query')
    const windowMs = filter.data.windowMs ?? 15 * 60_000
    const services = options.log.services().map((service) => {
      const { lastFailure, ...summary } = options.log.summary(service, Date.now(), windowMs)
      // Public: codes, phases and timings, never a message.
      return { ...summary, lastFailure: lastFailure && { ...lastFailure, message: undefined } }
    })
    return reply.header('cache-control', 'no-store').send({ windowMs, services })
  })
}
