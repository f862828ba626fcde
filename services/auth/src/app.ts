import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import Fastify, { type FastifyInstance } from 'fastify'
import { healthPlugin, type HealthRegistry, type InServiceProbe, type StartupLike } from '@tarmac/health'
import {
  installErrorHandler,
  installLazyValidation,
  installReadinessGate,
  trustFunction,
  type Logger,
  type ServingState,
} from '@tarmac/service'
import type { AuthConfig } from './options.js'
import { AUTH_DEFAULTS } from './options.js'
import { createRateLimitCounter } from './rate-limit-counter.js'
import { rateLimitsWith } from './rate-limits.js'
import { registerAuthRoutes, type AuthRuntime } from './routes.js'

/** The HTTP side of the service before any dependency is up: routes, protections, the readiness gate. */
export interface AuthApp {
  readonly app: FastifyInstance
  readonly gate: { set(state: ServingState): void; readonly state: ServingState }
  /** Where the `keys` phase puts the account operations and the signing keys. */
  readonly runtime: AuthRuntime
}

/**
 * Builds the Fastify app: `@tarmac/health` probes, helmet, the CORS allowlist, a 16 KiB body limit, strict JSON schemas (no type
 * coercion), rate limits, the shared error handler and readiness gate, and the routes.
 * @example const { app, gate, runtime } = await createAuthApp(config, logger, { registry, startup })
 */
export async function createAuthApp(
  config: AuthConfig,
  logger: Logger,
  health: {
    registry: HealthRegistry
    startup: StartupLike
    version?: string
    probes?: Readonly<Record<string, InServiceProbe>>
  },
): Promise<AuthApp> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: AUTH_DEFAULTS.bodyLimitBytes,
    // Rate limits key on request.ip: x-forwarded-for counts only from the proxies TRUST_PROXY names (default:
    // loopback), or any client could pick its own address, and a fresh bucket with it.
    trustProxy: trustFunction(config.TRUST_PROXY),
  })
  installErrorHandler(app)
  // Schemas compile on first use. `{"email": 12}` is a client error, not the string "12".
  installLazyValidation(app, { customOptions: { coerceTypes: false } })
  const gate = installReadinessGate(app)
  // Health first: probes answer from the moment the server listens, while the database is still coming.
  await app.register(healthPlugin, {
    registry: health.registry,
    startup: health.startup,
    token: config.HEALTH_TOKEN,
    serviceId: 'auth',
    description: 'Tarmac auth service',
    ...(health.version && { version: health.version }),
    ...(health.probes && { probes: health.probes }),
    ...(process.env.RELEASE_ID && { releaseId: process.env.RELEASE_ID }),
    logger,
  })
  await app.register(helmet, { global: true })
  await app.register(cors, {
    origin: config.CORS_ORIGINS.length > 0 ? [...config.CORS_ORIGINS] : false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  })
  // Shared by the fleet through Redis when REDIS_URL is set, per instance otherwise (logged either way).
  const counter = await createRateLimitCounter({
    redisUrl: config.REDIS_URL,
    logger,
    register: app.health.metricsRegister,
  })
  app.addHook('onClose', () => counter.close())
  const limit = rateLimitsWith(counter.counter, {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perIp: config.RATE_LIMIT_PER_IP,
    perAccount: config.RATE_LIMIT_PER_ACCOUNT,
    refreshPerIp: config.RATE_LIMIT_REFRESH_PER_IP,
    ipv6PrefixBits: config.RATE_LIMIT_IPV6_PREFIX,
  })
  const runtime: AuthRuntime = {}
  registerAuthRoutes(app, runtime, limit, { maxAgeS: config.REFRESH_TOKEN_TTL_S })
  return { app, gate, runtime }
}
