import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import {
  checkPlatformStartupWindow,
  createHealthRegistry,
  createPostgresChecks,
  healthPlugin,
  type HealthRegistry,
} from '@tarmac/health'
import {
  connect,
  isTransientPostgresError,
  probeConnects,
  type ConnectAhead,
  type PostgresHandle,
} from '@tarmac/postgres'
import { clientFrameSchema } from '@tarmac/protocol'
import {
  clientAddress,
  createHttpServerComponent,
  createLogger,
  drainDelayMsOf,
  installErrorHandler,
  installLazyValidation,
  installReadinessGate,
  type Logger,
} from '@tarmac/service'
import { createStartup, type Startup, type StartupReport } from '@tarmac/startup'
import type { PlatformState } from './assistant.js'
import { addBackendDatabase, createProviderComponent } from './components.js'
import { boundedQueries } from './bounded-queries.js'
import { ChatService } from './chat-service.js'
import { CLOSE_CODES } from './errors.js'
import { faults } from './faults.js'
import { createInProcessBus, type EventBus } from './event-bus.js'
import { BACKEND_DEFAULTS, BACKEND_PHASES, type BackendConfig, type BackendOptions } from './options.js'
import { createCapsComponent, type BackendCaps } from './caps-component.js'
import { createRedisBusComponent } from './redis-bus.js'
import { newInstanceId } from './run-lease-keeper.js'
import { registerRestRoutes } from './rest-routes.js'
import { chatRoundTrip } from './self-test.js'
import { createJwksComponent } from './token-verifier.js'
import { WebSocketHub, busLoopbackSelfTest, selectSubprotocol } from './ws-hub.js'

export interface Backend {
  readonly app: FastifyInstance
  readonly startup: Startup
  readonly config: BackendConfig
  readonly logger: Logger
  /** Runs the seven phases; resolves with the report once the self-test passed and traffic is let in. */
  run(): Promise<StartupReport>
  shutdown(reason?: string): Promise<StartupReport>
  /** The listening port (after `init`). */
  readonly port: number
  /** After `database`: the pool and what admission found. */
  readonly postgres: PostgresHandle
  /** After `cache`. */
  readonly bus: EventBus
  /** After `services`. */
  readonly chat: ChatService
  /** After `websocket`. */
  readonly hub: WebSocketHub
  /** The background checks behind `/health/*`. */
  readonly health: HealthRegistry
}

/**
 * Builds the backend: a Fastify app whose routes are all declared up front (behind the readiness gate)
 * and a startup of exactly seven phases that brings up what they need, proving chat works before it is ready.
 * @example
 * const backend = createBackend(loadConfig(configSchema))
 * await runMain(backend.startup)
 */
export function createBackend(
  config: BackendConfig,
  options: BackendOptions & { logger?: Logger; connectAhead?: ConnectAhead; version?: string } = {},
): Backend {
  const { connectAhead, logger: givenLogger, version, ...knobs } = options
  const o = { ...BACKEND_DEFAULTS, ...knobs }
  const logger = givenLogger ?? createLogger({ name: 'backend', level: config.LOG_LEVEL })
  // This process's name in run leases (and, with Redis, in the fleet's cap counts).
  const instanceId = newInstanceId()
  // A deadline past the platform's startup window means the platform kills the instance before it can say why.
  const windowWarning = checkPlatformStartupWindow({
    platformStartupWindowMs: config.PLATFORM_STARTUP_WINDOW_MS,
    startupDeadlineMs: config.STARTUP_DEADLINE_MS,
  })
  if (windowWarning) logger.warn({ event: 'platform.startupWindow' }, windowWarning)
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 64 * 1024,
  })
  installErrorHandler(app)
  installLazyValidation(app)
  const gate = installReadinessGate(app)
  const startup = createStartup({
    name: 'backend',
    phases: BACKEND_PHASES.map((name) => (name === 'dependencies' ? { name, parallel: true } : name)),
    deadlineMs: config.STARTUP_DEADLINE_MS,
    drainDelayMs: drainDelayMsOf(config, o.productionDrainDelayMs),
    logger,
    classify: faults.annotate,
  })
  const health = createHealthRegistry({ logger, classify: faults.annotate })
  startup.on((event) => {
    // While starting, the pool holds the admission connection only: one connector establishment per instance.
    if (event.type === 'startup.completed') database.postgres.peek()?.growToBudget()
    if (event.type === 'startup.failed' || event.type === 'shutdown.started') connectAhead?.discard()
    if (event.type === 'shutdown.started') gate.set('stopping')
    if (event.type === 'shutdown.completed' || event.type === 'startup.failed') health.close()
  })
  // Health first: probes answer (and show the phase) while the rest is still starting.
  app.register(healthPlugin, {
    registry: health,
    startup,
    ...(config.HEALTH_TOKEN ? { token: config.HEALTH_TOKEN } : {}),
    serviceId: 'backend',
    description: 'Tarmac chat backend',
    ...(version && { version }),
    ...(process.env.RELEASE_ID && { releaseId: process.env.RELEASE_ID }),
    // From inside the service: the connector is on this path only. The URL is known once `database` starts.
    probes: {
      postgres: async ({ connects, timeoutMs, signal }) => {
        const url = database.url.peek()
        if (!url) return { connects: 0, ok: 0, failed: 0, note: 'the embedded database has not started yet' }
        return probeConnects(url, { connects, timeoutMs, signal, applicationName: 'tarmac-backend:probe' })
      },
    },
  })

  app.register(websocket, {
    options: { maxPayload: o.maxPayloadBytes, handleProtocols: (offered) => selectSubprotocol(offered) },
  })
  app.register(async (scoped) => {
    scoped.get('/ws', { websocket: true }, (socket, request) => {
      if (gate.state !== 'serving') return socket.close(CLOSE_CODES.tryAgainLater, 'not ready')
      hub.get().accept(socket, request.raw)
    })
  })
  registerRestRoutes(app, () => ({ verifier: jwks.get(), chat: chat.get() }))

  const platform: PlatformState = {
    startup: () => startup.report(),
    database: () => {
      const postgres = database.postgres.peek()
      return (
        postgres && {
          serverVersion: postgres.admission.serverVersion,
          connectMs: postgres.admission.timings,
          embedded: postgres.admission.capacity.embedded,
          pool: postgres.poolStats(),
        }
      )
    },
    bus: () => eventBus.peek()?.kind,
    connections: () => hub.peek()?.connectionCount ?? 0,
  }

  const http = startup.add(
    createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'init' }),
  )
  const jwks = startup.add(
    createJwksComponent(config.AUTH_URL, { cooldownMs: o.jwksCooldownMs, maxAgeMs: o.jwksMaxAgeMs }),
  )
  const provider = startup.add(
    createProviderComponent(config, platform, {
      connectTimeoutMs: o.providerConnectTimeoutMs,
      idleTimeoutMs: o.providerIdleTimeoutMs,
      runTimeoutMs: o.providerRunTimeoutMs,
    }),
  )
  const database = addBackendDatabase(startup, config, connectAhead)
  health.contribute(startup, database.postgres, (handle) =>
    createPostgresChecks(handle, {
      url: database.url.get(),
      applicationName: 'tarmac-backend',
      ...(config.DB_CONNECT_PROBE_INTERVAL_MS && {
        activeConnect: { connect, intervalMs: config.DB_CONNECT_PROBE_INTERVAL_MS },
      }),
    }),
  )
  // One handle whichever bus is configured: Redis across instances, or in-process for one.
  const eventBus = startup.add<EventBus>(
    config.REDIS_URL
      ? createRedisBusComponent(config.REDIS_URL, o.redisChannelPrefix)
      : {
          name: 'event-bus',
          phase: 'cache',
          start: () => createInProcessBus(),
          stop: (b: EventBus) => b.close(),
        },
  )
  if (config.REDIS_URL) {
    health.contribute(startup, eventBus, (redisBus) => [
      {
        name: 'redis:responseTime',
        componentType: 'datastore',
        fault: { domain: 'infrastructure', layer: 'redis' },
        run: async () => ({ observedValue: await redisBus.ping(), observedUnit: 'ms' }),
      },
    ])
  }
  // The run and socket caps: fleet-wide in Redis when REDIS_URL is set, else this instance's (said at startup).
  const caps = startup.add<BackendCaps>(
    createCapsComponent(config.REDIS_URL, {
      instanceId,
      keyPrefix: o.redisKeyPrefix,
      heartbeatMs: o.capsHeartbeatMs,
      commandTimeoutMs: o.capsCommandTimeoutMs,
      log: logger,
      metrics: () => app.health?.metricsRegister,
    }),
  )
  const chat = startup.add<ChatService>({
    name: 'chat',
    phase: 'services',
    start: () =>
      new ChatService({
        db: boundedQueries(database.postgres.get().pool, config.DB_QUERY_TIMEOUT_MS),
        // A direct connection to a real Postgres keeps its prepared statements; a transaction pooler and the
        // embedded Postgres do not. Decided by what the server is, not by whether a URL was given: under
        // `tarmac up` DATABASE_URL names the embedded server, whose ONE session every client shares — named
        // statements there collide between processes (42P05 "already exists").
        preparedStatements:
          !database.postgres.get().admission.capacity.embedded && config.DB_POOLER !== 'transaction',
        bus: eventBus.get(),
        provider: provider.get(),
        historyMessages: o.historyMessages,
        maxQueuedRunsPerThread: o.maxQueuedRunsPerThread,
        deltaFlushMs: o.deltaFlushMs,
        maxRunsPerUser: config.CHAT_MAX_RUNS_PER_USER,
        runCaps: caps.get().counters['runs-per-user'],
        leases: {
          instanceId,
          leaseMs: o.runLeaseMs,
          heartbeatMs: o.runLeaseHeartbeatMs,
          sweepMs: o.runLeaseSweepMs,
          maxAttempts: o.runLeaseMaxAttempts,
        },
        log: logger,
      }),
    stop: (service) => service.stop(o.runDrainMs),
    stopTimeoutMs: o.runDrainMs + 5_000,
  })
  const hub = startup.add<WebSocketHub>({
    name: 'websocket-hub',
    phase: 'websocket',
    timeoutMs: o.busSelfTestTimeoutMs + 1_000,
    async start({ signal }) {
      const bus = eventBus.get()
      const loopbackMs = await busLoopbackSelfTest(bus, o.busSelfTestTimeoutMs, signal)
      logger.info({ loopbackMs, bus: bus.kind }, 'websocket bus self-test passed')
      return new WebSocketHub(
        {
          verifier: jwks.get(),
          chat: chat.get(),
          bus,
          schema: clientFrameSchema(o.maxMessageChars),
          limits: o,
          log: logger,
        },
        {
          heartbeatIntervalMs: o.heartbeatIntervalMs,
          maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
          maxSocketsPerIp: config.WS_MAX_SOCKETS_PER_IP,
          socketCaps: {
            perUser: caps.get().counters['sockets-per-user'],
            perIp: caps.get().counters['sockets-per-ip'],
          },
          clientAddress: (request) => clientAddress(request, config.TRUST_PROXY),
        },
      )
    },
    stop: (wsHub) => wsHub.closeAll(),
  })
  startup.add({
    name: 'self-test',
    phase: 'finalize',
    timeoutMs: o.selfTestTimeoutMs,
    // A database that is merely full or restarting (53300, 57P03, a reset) is retried under the deadline.
    retry: { baseMs: 250, capMs: 5_000, retryable: isTransientPostgresError },
    async start({ signal }) {
      const result = await chatRoundTrip(chat.get(), eventBus.get(), signal)
      logger.info(result, 'chat round trip self-test passed')
      gate.set('serving')
      return result
    },
    stop: () => gate.set('stopping'),
  })

  return {
    app,
    startup,
    config,
    logger,
    run: () => startup.run(),
    shutdown: (reason) => startup.shutdown(reason),
    get port() {
      return http.get().port
    },
    get postgres() {
      return database.postgres.get()
    },
    get bus() {
      return eventBus.get()
    },
    get chat() {
      return chat.get()
    },
    get hub() {
      return hub.get()
    },
    health,
  }
}
