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
import { faults } from './faults.js'
import type { AuthConfig } from './options.js'
import { AUTH_DEFAULTS } from './options.js'
import { createRateLimitCounter } from './rate-limit-counter.js'
import { rateLimitsWith } from './rate-limits.js'
import { registerAuthRoutes, type AuthRuntime } from './routes.js'

/** The HTTP side of the service before any dependency is up: the server, its readiness gate (closed). */
export interface AuthServer {
  readonly app: FastifyInstance
  readonly gate: { set(state: ServingState): void; readonly state: ServingState }
}

/** The server and where the `keys` phase puts the account operations and the signing keys. */
export interface AuthApp extends AuthServer {
  readonly runtime: AuthRuntime
}

/**
 * The Fastify instance: a 16 KiB body limit, strict JSON schemas (no type coercion), the client address as
 * `TRUST_PROXY` allows, the shared error handler and the readiness gate. Routes come with `registerAuthHttp`.
 */
export function createAuthServer(config: AuthConfig, logger: Logger): AuthServer {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: AUTH_DEFAULTS.bodyLimitBytes,
    // Rate limits key on request.ip: x-forwarded-for counts only from the proxies TRUST_PROXY names (default:
    // loopback), or any client could pick its own address, and a fresh bucket with it.
    trustProxy: trustFunction(config.TRUST_PROXY),
  })
  installErrorHandler(app, faults)
  // Schemas compile on first use. `{"email": 12}` is a client error, not the string "12".
  installLazyValidation(app, { customOptions: { coerceTypes: false } })
  return { app, gate: installReadinessGate(app) }
}

/**
 * Every route, declared before `init` listens: `@tarmac/health` probes (first: they answer from the moment the
 * server listens, while the database is still coming), helmet, the CORS allowlist, rate limits, and the
 * routes, which read `runtime` (filled by the `keys` phase).
 * @example await registerAuthHttp(app, config, logger, { registry, startup, runtime })
 */
export async function registerAuthHttp(
  app: FastifyInstance,
  config: AuthConfig,
  logger: Logger,
  inputs: {
    readonly registry: HealthRegistry
    readonly startup: StartupLike
    readonly runtime: AuthRuntime
    readonly version?: string | undefined
    readonly probes?: Readonly<Record<string, InServiceProbe>>
  },
): Promise<void> {
  await app.register(healthPlugin, {
    registry: inputs.registry,
    startup: inputs.startup,
    token: config.HEALTH_TOKEN,
    serviceId: 'auth',
    description: 'Tarmac auth service',
    ...(inputs.version && { version: inputs.version }),
    ...(inputs.probes && { probes: inputs.probes }),
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
  registerAuthRoutes(app, inputs.runtime, limit, { maxAgeS: config.REFRESH_TOKEN_TTL_S })
}
