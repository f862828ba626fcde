import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { StartupLogger } from '@tarmac/startup'
import type { Registry } from 'prom-client'
import type { HealthStatus } from './check.js'
import type { StartupLike } from './contribute.js'
import { createDetailsGate } from './details-gate.js'
import type { EventLoopMonitor } from './event-loop.js'
import { createEventLoopMonitor } from './event-loop.js'
import { HEALTH_FAULTS } from './errors.js'
import type { HealthDocument, ServiceIdentity } from './health-document.js'
import { HEALTH_MEDIA_TYPE, statusesOnly } from './health-document.js'
import { createHealthMetrics } from './metrics.js'
import { HEALTH_DEFAULTS, optionFields, parseHealthOptions } from './options.js'
import { z } from 'zod'
import type { ProbeContext, ProbeResponse } from './probes.js'
import { infrastructureProbe, liveProbe, readyProbe } from './probes.js'
import type { HealthRegistry } from './registry.js'
import { STARTUP_PUBLIC_KEYS, startupProbe } from './startup-probe.js'

export interface HealthPluginOptions extends ServiceIdentity {
  readonly registry: HealthRegistry
  /** Without one the service counts as started until the server closes. */
  readonly startup?: StartupLike
  /** `HEALTH_TOKEN`: details only with `Authorization: Bearer <token>`. Unset: details only from loopback. */
  readonly token?: string
  /** `/health/live` fails above this event-loop lag. Default 1 000. */
  readonly maxEventLoopLagMs?: number
  /** Serve `/metrics` (default true). */
  readonly metrics?: boolean
  /**
   * Who may read `/metrics`. `details` (default): whoever may see health details — the token holder, or a
   * loopback caller that no proxy forwarded when there is no token (metrics name checks, components, pool and
   * server figures). `public`: anyone, for a scraper that cannot send a token on a network you trust.
   */
  readonly metricsAccess?: 'details' | 'public'
  /** Where status changes are logged. Default: the Fastify instance's logger. */
  readonly logger?: StartupLogger
  /**
   * In-service probes, served at `POST /health/probe/:name?connects=N&timeoutMs=T`: work that only means
   * something from the service's own network path (a VPC connector exists only there). Gated like details,
   * one run at a time per name (429 `HEALTH_ERR_PROBE_BUSY` meanwhile), answered whatever the service's state.
   */
  readonly probes?: Readonly<Record<string, InServiceProbe>>
}

/** One in-service probe: `connects` (1–20) and `timeoutMs` (100–30 000) come from the query, bounded. */
export type InServiceProbe = (request: {
  readonly connects: number
  readonly timeoutMs: number
  readonly signal: AbortSignal
}) => Promise<unknown>

/** What the plugin decorates the Fastify instance with, as `app.health`. */
export interface HealthDecoration {
  readonly registry: HealthRegistry
  readonly eventLoop: EventLoopMonitor
  /** The plugin's own prom-client registry (undefined with `metrics: false`): add service metrics here. */
  readonly metricsRegister: Registry | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthDecoration
  }
}

const { positiveMs, loose } = optionFields

const HEALTH_PLUGIN_SHAPE = {
  registry: z.custom<HealthPluginOptions['registry']>(
    (value) => typeof (value as { evaluate?: unknown } | null)?.evaluate === 'function',
    'must come from createHealthRegistry()',
  ),
  startup: loose,
  token: loose,
  maxEventLoopLagMs: positiveMs.optional(),
  metrics: z.boolean().optional(),
  metricsAccess: z.enum(['details', 'public']).optional(),
  logger: loose,
  probes: loose,
  // The service identity the documents carry, and the keys Fastify reads from any plugin's options.
  serviceId: loose,
  version: loose,
  releaseId: loose,
  description: loose,
  prefix: loose,
  logLevel: loose,
  logSerializers: loose,
} satisfies Record<keyof HealthPluginOptions | 'prefix' | 'logLevel' | 'logSerializers', z.ZodType>
export const HEALTH_PLUGIN_OPTIONS_SCHEMA = z.strictObject(HEALTH_PLUGIN_SHAPE)

const IDENTITY_KEYS = ['serviceId', 'version', 'releaseId', 'description'] as const

interface CachedBody {
  version: number
  state: string
  closing: boolean
  validUntilMs: number
  statusCode: number
  body: string
}

async function registerHealthRoutes(app: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  parseHealthOptions(HEALTH_PLUGIN_OPTIONS_SCHEMA, options, 'health plugin options')

  const { registry, startup } = options
  const logger: StartupLogger = options.logger ?? app.log
  const identity: ServiceIdentity = Object.fromEntries(
    IDENTITY_KEYS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
  )
  const eventLoop = createEventLoopMonitor({ sampleMs: HEALTH_DEFAULTS.eventLoopSampleMs })
  let closing = false
  const context: ProbeContext = {
    identity,
    startup,
    eventLoop,
    maxEventLoopLagMs: options.maxEventLoopLagMs ?? HEALTH_DEFAULTS.maxEventLoopLagMs,
    closing: () => closing,
  }
  const metrics =
    options.metrics === false ? undefined : createHealthMetrics({ checks: registry, startup, eventLoop })
  const mayShowDetails = createDetailsGate(options.token)
  app.decorate('health', { registry, eventLoop, metricsRegister: metrics?.register })
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onClose', async () => {
    eventLoop.close()
    metrics?.close()
  })

  const detailed = (request: FastifyRequest) =>
    mayShowDetails({ headers: request.headers, remoteAddress: request.socket.remoteAddress })
  const send = (reply: FastifyReply, statusCode: number, body: string) =>
    reply
      .code(statusCode)
      .header('content-type', HEALTH_MEDIA_TYPE)
      .header('cache-control', 'no-store')
      .send(body)
  const render = (request: FastifyRequest, response: ProbeResponse, publicKeys: readonly string[] = []) =>
    JSON.stringify(detailed(request) ? response.document : statusesOnly(response.document, publicKeys))

  // Readiness is logged when it changes, not on every probe.
  let lastReady: HealthStatus | undefined
  const noteReady = (document: HealthDocument) => {
    if (document.status === lastReady) return
    const from = lastReady
    lastReady = document.status
    if (from === undefined) return // the first answer is a state, not a change
    const entry = { probe: 'ready', from: from ?? null, to: document.status, output: document.output }
    if (document.status === 'fail') logger.warn(entry, 'readiness is failing')
    else logger.info(entry, `readiness is ${document.status}`)
  }

  // /health/ready is what load balancers hammer: its body is rebuilt only when something it shows has changed.
  const readyCache: [CachedBody | undefined, CachedBody | undefined] = [undefined, undefined]
  app.get('/health/ready', async (request, reply) => {
    const withDetails = detailed(request)
    const state = startup?.state ?? ''
    const cached = readyCache[withDetails ? 1 : 0]
    if (
      cached !== undefined &&
      cached.version === registry.version &&
      cached.state === state &&
      cached.closing === closing &&
      Date.now() < cached.validUntilMs
    )
      return send(reply, cached.statusCode, cached.body)
    const version = registry.version
    const validUntilMs = registry.validUntilMs
    const response = readyProbe(context, registry.evaluate())
    noteReady(response.document)
    const body = JSON.stringify(withDetails ? response.document : statusesOnly(response.document))
    readyCache[withDetails ? 1 : 0] = {
      version,
      state,
      closing,
      validUntilMs,
      statusCode: response.statusCode,
      body,
    }
    return send(reply, response.statusCode, body)
  })
  app.get('/health', async (request, reply) => {
    const response = readyProbe(context, registry.evaluate())
    noteReady(response.document)
    response.document.links = {
      live: '/health/live',
      ready: '/health/ready',
      startup: '/health/startup',
      infrastructure: '/health/infrastructure',
      ...(metrics && { metrics: '/metrics' }),
    }
    return send(reply, response.statusCode, render(request, response))
  })
  app.get('/health/live', async (request, reply) => {
    const response = liveProbe(context)
    return send(reply, response.statusCode, render(request, response))
  })
  app.get('/health/startup', async (request, reply) => {
    const response = startupProbe(context)
    return send(reply, response.statusCode, render(request, response, STARTUP_PUBLIC_KEYS))
  })
  app.get('/health/infrastructure', async (request, reply) => {
    const response = infrastructureProbe(context, registry.evaluate(), registry.contributors)!
    return send(reply, response.statusCode, render(request, response))
  })
  app.get<{ Params: { component: string } }>('/health/infrastructure/:component', async (request, reply) => {
    const { component } = request.params
    const response = infrastructureProbe(context, registry.evaluate(), registry.contributors, component)
    if (response) return send(reply, response.statusCode, render(request, response))
    return reply
      .code(HEALTH_FAULTS.specs.HEALTH_ERR_UNKNOWN_COMPONENT.status)
      .header('cache-control', 'no-store')
      .send({
        code: 'HEALTH_ERR_UNKNOWN_COMPONENT',
        message: `no health checks for component "${component}"`,
      })
  })
  registerProbeRoute(app, options.probes ?? {}, detailed)
  if (metrics) {
    const publicMetrics = options.metricsAccess === 'public'
    app.get('/metrics', async (request, reply) => {
      if (!publicMetrics && !detailed(request))
        return reply
          .code(401)
          .header('cache-control', 'no-store')
          .header('www-authenticate', 'Bearer')
          .send({ code: 'UNAUTHORIZED', message: 'metrics need the health token (or a loopback caller)' })
      const text = await metrics.register.metrics()
      return reply
        .header('content-type', metrics.register.contentType)
        .header('cache-control', 'no-store')
        .send(text)
    })
  }
}

const PROBE_BOUNDS = { connects: [1, 20, 5], timeoutMs: [100, 30_000, 10_000] } as const

function bounded(raw: unknown, [min, max, fallback]: readonly [number, number, number]): number | undefined {
  if (raw === undefined) return fallback
  const value = Number(raw)
  return Number.isInteger(value) && value >= min && value <= max ? value : undefined
}

function registerProbeRoute(
  app: FastifyInstance,
  probes: Readonly<Record<string, InServiceProbe>>,
  detailed: (request: FastifyRequest) => boolean,
): void {
  const running = new Set<string>()
  const closing = new AbortController()
  app.addHook('preClose', async () => closing.abort())
  app.post<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>(
    '/health/probe/:name',
    async (request, reply) => {
      const answer = (statusCode: number, code: string, message: string) =>
        reply.code(statusCode).header('cache-control', 'no-store').send({ code, message })
      if (!detailed(request))
        return answer(401, 'UNAUTHORIZED', 'in-service probes need the health token (or a loopback caller)')
      const { name } = request.params
      const probe = Object.hasOwn(probes, name) ? probes[name] : undefined
      if (!probe)
        return answer(
          HEALTH_FAULTS.specs.HEALTH_ERR_UNKNOWN_COMPONENT.status,
          'HEALTH_ERR_UNKNOWN_COMPONENT',
          `no in-service probe "${name}"`,
        )
      const connects = bounded(request.query.connects, PROBE_BOUNDS.connects)
      const timeoutMs = bounded(request.query.timeoutMs, PROBE_BOUNDS.timeoutMs)
      if (connects === undefined || timeoutMs === undefined)
        return answer(400, 'VALIDATION_FAILED', 'connects must be 1–20 and timeoutMs 100–30000')
      if (running.has(name))
        return answer(
          HEALTH_FAULTS.specs.HEALTH_ERR_PROBE_BUSY.status,
          'HEALTH_ERR_PROBE_BUSY',
          `the "${name}" probe is already running`,
        )
      running.add(name)
      try {
        const result = await probe({ connects, timeoutMs, signal: closing.signal })
        return reply.header('cache-control', 'no-store').send({ probe: name, ...(result as object) })
      } finally {
        running.delete(name)
      }
    },
  )
}

/**
 * Registers `/health`, `/health/live`, `/health/ready`, `/health/startup`, `/health/infrastructure[/:component]`
 * and `/metrics`. Register it first, before slow plugins, so probes answer while the service starts.
 * @example
 * await app.register(healthPlugin, { registry, startup, token: process.env.HEALTH_TOKEN, serviceId: 'backend' })
 */
export const healthPlugin = fastifyPlugin(registerHealthRoutes, { fastify: '5.x', name: '@tarmac/health' })
