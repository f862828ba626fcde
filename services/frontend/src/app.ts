import type { HealthCheck, StartupLike } from '@tarmac/health'
import { createDetailsGate, createHealthRegistry, healthPlugin } from '@tarmac/health'
import { classifyError } from '@tarmac/probe'
import type { Logger } from '@tarmac/service'
import { installErrorHandler, parseTrustProxy, TRUST_PROXY_DEFAULT, trustFunction } from '@tarmac/service'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { FrontendConfig } from './options.js'
import { DEFAULT_PUBLIC_DIR, backendInstances } from './options.js'
import { createColdStartLog, type ColdStartLog } from './cold-start-log.js'
import { connectCollectorRedis, createRedisStore } from './cold-start-redis-store.js'
import { registerColdStartRoutes } from './cold-start-routes.js'
import { faults } from './faults.js'
import { publicBoard } from './public-status.js'
import { installSecurityHeaders } from './security-headers.js'
import type { ColdStartMark, ColdStartsSummary } from './status-types.js'
import type { HealthGet } from './service-status.js'
import { registerStaticSite } from './static-site.js'
import { createStatusBoard, httpHealthGet } from './status-board.js'
import { networkCauseOf, registerProxies } from './upstream-proxy.js'
import { installWebSocketTunnel } from './websocket-tunnel.js'

export interface FrontendAppOptions {
  config: Pick<
    FrontendConfig,
    'BACKEND_URL' | 'AUTH_URL' | 'HEALTH_TOKEN' | 'STATUS_TIMEOUT_MS' | 'PUBLIC_DIR' | 'NODE_ENV'
  > &
    Partial<
      Pick<
        FrontendConfig,
        'STARTUP_REPORT_TOKEN' | 'BACKEND_URLS' | 'STATUS_POLL_MS' | 'TRUST_PROXY' | 'REDIS_URL'
      >
    >
  /**
   * Where the cold starts services send are kept: by default in Redis when `REDIS_URL` is set (shared by every
   * frontend), else in memory. Closed with the app.
   */
  coldStarts?: ColdStartLog
  logger?: Logger
  /** The frontend's own startup engine, for its `/health/startup`. */
  startup?: StartupLike
}

/** How far the frontend can see each service: a non-critical check, so readiness never depends on them. */
function reachabilityCheck(service: string, baseUrl: string): HealthCheck {
  return {
    name: `${service}:responseTime`,
    componentType: 'component',
    componentId: service,
    critical: false,
    run: async ({ signal }) => {
      const startedMs = performance.now()
      let response: Response
      try {
        response = await fetch(new URL('/health/live', baseUrl), { signal })
      } catch (error) {
        // No answer from a service: a crash and a broken network look alike from here, so the code is
        // UPSTREAM_UNAVAILABLE (whose fault: unknown) and the network class goes in the output.
        const failure = classifyError(networkCauseOf(error), 'ttfb')
        throw Object.assign(new Error(`${service} is not answering (${failure.class})`), {
          code: 'UPSTREAM_UNAVAILABLE',
        })
      }
      await response.body?.cancel()
      const observedValue = Math.round((performance.now() - startedMs) * 10) / 10
      return response.ok
        ? { observedValue, observedUnit: 'ms' }
        : {
            status: 'warn',
            observedValue,
            observedUnit: 'ms',
            output: `${service} /health/live: ${response.status}`,
          }
    },
  }
}

/**
 * The frontend server: the built app, the proxies to backend and auth (`/api`, `/auth`, `/ws`,
 * `/status/<service>/health/*`), the status board (`/status/services`) and its own health endpoints. It opens no
 * database and its readiness depends on nothing else, so it stays up — and says what is down — when they are not.
 */
export async function createFrontendApp(options: FrontendAppOptions): Promise<FastifyInstance> {
  const { config } = options
  const loggerInstance: FastifyBaseLogger | undefined = options.logger
  // The client address (request.ip) that goes to backend and auth in x-forwarded-for, where rate limits key
  // on it: believed from the proxies TRUST_PROXY names only, or any client could choose its own.
  const trust = config.TRUST_PROXY ?? parseTrustProxy(TRUST_PROXY_DEFAULT)
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    trustProxy: trustFunction(trust),
  })
  installErrorHandler(app, faults)
  installSecurityHeaders(app, { hsts: config.NODE_ENV === 'production' })

  const registry = createHealthRegistry({
    classify: faults.annotate,
    ...(options.logger && { logger: options.logger }),
  })
  const backends = backendInstances(config)
  const backendUrls = backends.map((backend) => backend.url)
  for (const backend of backends) registry.add(reachabilityCheck(backend.name, backend.url))
  registry.add(reachabilityCheck('auth', config.AUTH_URL))
  app.addHook('onClose', async () => registry.close())
  await app.register(healthPlugin, {
    registry,
    serviceId: 'frontend',
    description: 'Tarmac web app and static server',
    ...(options.startup && { startup: options.startup }),
    ...(config.HEALTH_TOKEN !== undefined && { token: config.HEALTH_TOKEN }),
  })

  await registerProxies(app, [
    { prefix: '/api', upstreams: backendUrls, rewritePrefix: '/api', service: 'backend' },
    { prefix: '/auth', upstreams: [config.AUTH_URL], rewritePrefix: '/auth', service: 'auth' },
    // Any backend (balanced), and with several, each one by name: /status/backend-2/health/ready.
    {
      prefix: '/status/backend/health',
      upstreams: backendUrls,
      rewritePrefix: '/health',
      service: 'backend',
    },
    ...(backends.length > 1
      ? backends.map((backend) => ({
          prefix: `/status/${backend.name}/health`,
          upstreams: [backend.url],
          rewritePrefix: '/health',
          service: backend.name,
        }))
      : []),
    {
      prefix: '/status/auth/health',
      upstreams: [config.AUTH_URL],
      rewritePrefix: '/health',
      service: 'auth',
    },
  ])
  installWebSocketTunnel(app, { path: '/ws', upstreams: backendUrls, service: 'backend', trust })

  const timing = {
    timeoutMs: config.STATUS_TIMEOUT_MS,
    ...(config.HEALTH_TOKEN && { token: config.HEALTH_TOKEN }),
  }
  const self: HealthGet = async (path) => {
    const startedMs = performance.now()
    const response = await app.inject({ method: 'GET', url: path, remoteAddress: '127.0.0.1' })
    return {
      statusCode: response.statusCode,
      body: response.json(),
      latencyMs: performance.now() - startedMs,
    }
  }
  const coldStarts =
    options.coldStarts ??
    createColdStartLog(
      config.REDIS_URL === undefined
        ? {}
        : { store: createRedisStore({ client: await connectCollectorRedis(config.REDIS_URL) }) },
    )
  app.addHook('onClose', async () => coldStarts.close())
  registerColdStartRoutes(app, {
    log: coldStarts,
    reportToken: config.STARTUP_REPORT_TOKEN,
    healthToken: config.HEALTH_TOKEN,
  })
  const board = createStatusBoard({
    services: [
      { name: 'frontend', get: self },
      ...backends.map((backend) => ({ name: backend.name, get: httpHealthGet(backend.url, timing) })),
      { name: 'auth', get: httpHealthGet(config.AUTH_URL, timing) },
    ],
    // Instances report their cold starts as their service (`backend`): backend-2's are the backends'.
    coldStarts: (service) => briefOf(coldStarts, service.replace(/-\d+$/, '')),
    coldStartMarks: (service, sinceMs) => marksOf(coldStarts, service.replace(/-\d+$/, ''), sinceMs),
    pollMs: config.STATUS_POLL_MS ?? 5_000,
  })
  // Polling starts once the app is ready: the frontend reads its own health through `app.inject`.
  app.addHook('onReady', async () => board.start())
  app.addHook('onClose', async () => board.stop())
  // The board is read with the frontend's own token: its details go to whoever may see health details here
  // (the token holder; without a token, a loopback caller no proxy forwarded), everyone else sees states only.
  const mayShowDetails = createDetailsGate(config.HEALTH_TOKEN)
  app.get('/status/services', async (request, reply) => {
    await coldStarts.refresh().catch(() => undefined) // a store that is away: the last snapshot
    const result = await board.read()
    const details = mayShowDetails({
      headers: request.headers,
      remoteAddress: request.raw.socket.remoteAddress,
    })
    return reply.header('cache-control', 'no-store').send(details ? result : publicBoard(result))
  })

  await registerStaticSite(app, config.PUBLIC_DIR ?? DEFAULT_PUBLIC_DIR)
  return app
}

/** The status page's view of a service's cold starts: the collector's 15-minute summary, no messages. */
function briefOf(log: ColdStartLog, service: string): ColdStartsSummary | null {
  const summary = log.summary(service)
  if (summary.total === 0) return null
  const newest = log.facts({ service })[0]
  const failure = newest?.failure
  return {
    windowMs: summary.windowMs,
    total: summary.total,
    ready: summary.ready,
    failed: summary.failed,
    failedByPhase: { ...summary.failedByPhase },
    last: newest
      ? {
          outcome: newest.outcome,
          at: newest.sentAt,
          phase: failure?.phase ?? 'finalize',
          component: failure?.component ?? '',
          // A deadline's code says only "too slow": show the real error underneath it.
          code:
            (failure && faults.lookup(failure.code)?.defers ? failure.causeCode : undefined) ??
            failure?.code ??
            'READY',
          domain: failure?.domain ?? null,
          layer: failure?.layer ?? null,
        }
      : null,
    connectMs: { ...summary.connectMs },
  }
}

/** The collector's records of a service since `sinceMs`, as timeline marks: when, outcome, phase and code. */
function marksOf(log: ColdStartLog, service: string, sinceMs: number): ColdStartMark[] {
  return log.facts({ service, sinceMs }).map((facts) => {
    const failure = facts.failure
    return {
      at: facts.sentAt,
      outcome: facts.outcome,
      phase: failure?.phase ?? null,
      code:
        (failure && faults.lookup(failure.code)?.defers ? failure.causeCode : undefined) ??
        failure?.code ??
        null,
    }
  })
}
