import type { FastifyInstance } from 'fastify'
import { createHealthRegistry, type HealthRegistry } from '@tarmac/health'
import type { ConnectAhead, PostgresHandle } from '@tarmac/postgres'
import { createHttpServerComponent, createLogger, drainDelayMsOf, type Logger } from '@tarmac/service'
import { createStartup, type Startup, type StartupReport } from '@tarmac/startup'
import { createBackendApp, registerBackendRoutes } from './backend-app.js'
import { followStartup, warnPastStartupWindow } from './backend-lifecycle.js'
import { addEventBus } from './bus-component.js'
import { createCapsComponent } from './caps-component.js'
import { createChatComponent } from './chat-component.js'
import type { ChatService } from './chat-service.js'
import { addBackendDatabase, createProviderComponent } from './components.js'
import type { EventBus } from './event-bus.js'
import { faults } from './faults.js'
import { createHubComponent } from './hub-component.js'
import { BACKEND_PHASES, resolveBackendOptions, type BackendConfig, type BackendOptions } from './options.js'
import { createPlatformView } from './platform-view.js'
import { newInstanceId } from './run-lease-keeper.js'
import { createSelfTestComponent } from './self-test.js'
import { createJwksComponent } from './token-verifier.js'
import type { WebSocketHub } from './ws-hub.js'

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

/** `createBackend`'s second argument: the knobs (`BACKEND_DEFAULTS`), and what the process hands in. */
export type CreateBackendOptions = BackendOptions & {
  logger?: Logger
  connectAhead?: ConnectAhead
  version?: string
}

/**
 * Builds the backend: a Fastify app whose routes are all declared up front (behind the readiness gate) and a
 * startup of exactly seven phases, declared in order, that brings up what they need and proves chat works
 * before it is ready. Each component gets the handles of earlier phases; nothing reads a later one.
 * @example
 * const backend = createBackend(loadConfig(configSchema))
 * await runMain(backend.startup)
 */
export function createBackend(config: BackendConfig, options: CreateBackendOptions = {}): Backend {
  const { connectAhead, logger: givenLogger, version, ...knobs } = options
  const o = resolveBackendOptions(knobs)
  const log = givenLogger ?? createLogger({ name: 'backend', level: config.LOG_LEVEL })
  warnPastStartupWindow(config, log)
  const instanceId = newInstanceId() // this process's name in run leases and (with Redis) the fleet's caps
  const { app, gate } = createBackendApp(log)
  const startup = createStartup({
    name: 'backend',
    phases: BACKEND_PHASES.map((name) => (name === 'dependencies' ? { name, parallel: true } : name)),
    deadlineMs: config.STARTUP_DEADLINE_MS,
    drainDelayMs: drainDelayMsOf(config, o.productionDrainDelayMs),
    logger: log,
    classify: faults.annotate,
  })
  const health = createHealthRegistry({ logger: log, classify: faults.annotate })
  const platform = createPlatformView(() => startup.report())

  // init → dependencies (in parallel) → database → cache → services → websocket → finalize
  const http = startup.add(
    createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'init' }),
  )
  const verifier = startup.add(
    createJwksComponent(config.AUTH_URL, { cooldownMs: o.jwksCooldownMs, maxAgeMs: o.jwksMaxAgeMs }),
  )
  const provider = startup.add(createProviderComponent(config, o, platform.state))
  const { postgres, url: databaseUrl } = addBackendDatabase(startup, health, config, connectAhead)
  const bus = addEventBus(startup, health, config.REDIS_URL, o.redisChannelPrefix)
  const metrics = () => app.health?.metricsRegister // the health plugin's registry, there once `init` listens
  const caps = startup.add(createCapsComponent(config, o, { instanceId, log, metrics }))
  const chat = startup.add(createChatComponent(config, o, { postgres, bus, provider, caps, instanceId, log }))
  const hub = startup.add(createHubComponent(config, o, { verifier, chat, bus, caps, log }))
  startup.add(createSelfTestComponent({ chat, gate, timeoutMs: o.selfTestTimeoutMs, log }))

  // Wired once every handle exists; each is read only after its component started.
  platform.attach({ postgres, bus, hub })
  registerBackendRoutes({
    app,
    gate,
    config,
    startup,
    health,
    version,
    maxPayloadBytes: o.maxPayloadBytes,
    databaseUrl,
    verifier,
    chat,
    hub,
  })
  followStartup(startup, { postgres, gate, health, connectAhead })
  return {
    app,
    startup,
    config,
    logger: log,
    health,
    run: () => startup.run(),
    shutdown: (reason) => startup.shutdown(reason),
    get port() {
      return http.get().port
    },
    get postgres() {
      return postgres.get()
    },
    get bus() {
      return bus.get()
    },
    get chat() {
      return chat.get()
    },
    get hub() {
      return hub.get()
    },
  }
}
