import { checkPlatformStartupWindow, createHealthRegistry, type HealthRegistry } from '@tarmac/health'
import type { ConnectAhead, PostgresDatabase } from '@tarmac/postgres'
import { createHttpServerComponent, createLogger, drainDelayMsOf, type Logger } from '@tarmac/service'
import { createStartup, type Startup } from '@tarmac/startup'
import { createAuthServer, registerAuthHttp, type AuthApp } from './app.js'
import { addAuthDatabase, postgresProbe } from './database-component.js'
import { faults } from './faults.js'
import { createSigningKeysComponent } from './keys-component.js'
import type { AuthConfig } from './options.js'
import type { AuthRuntime } from './routes.js'

/** The phases, in order. */
export const AUTH_PHASES = ['init', 'database', 'keys', 'http'] as const

export { MIGRATIONS_DIR } from './database-component.js'

/** A built but not yet started service: run `startup` (or hand it to `runMain`). */
export interface AuthService extends AuthApp {
  readonly startup: Startup
  readonly config: AuthConfig
  readonly logger: Logger
  /** The health checks behind `/health/ready` and `/health/infrastructure`. */
  readonly health: HealthRegistry
  /** The `database` phase's handles: the pool (`postgres`), the embedded server, the URL. */
  readonly database: PostgresDatabase
}

export interface AuthServiceOptions {
  /** Default: a JSON logger at `LOG_LEVEL`. */
  readonly logger?: Logger
  /** The connection `main.ts` asked for at process start; the admission adopts it. */
  readonly connectAhead?: ConnectAhead
  /** Shown in every health document. */
  readonly version?: string
}

/**
 * Builds the auth service: `init` (HTTP listening behind the readiness gate), `database` (embedded Postgres
 * when `DATABASE_URL` is unset, then admission + migrations), `keys` (signing keys loaded or created), `http`
 * (the gate opens). Components are declared in phase order; nothing runs until `startup.run()`.
 * @example
 * const service = await createAuthService(loadAuthConfig())
 * await runMain(service.startup)
 */
export async function createAuthService(
  config: AuthConfig,
  options: AuthServiceOptions = {},
): Promise<AuthService> {
  const { connectAhead, version } = options
  const logger = options.logger ?? createLogger({ name: 'auth', level: config.LOG_LEVEL })
  // A deadline past the platform's startup window means the platform kills the instance before it can say why.
  const windowWarning = checkPlatformStartupWindow({
    platformStartupWindowMs: config.PLATFORM_STARTUP_WINDOW_MS,
    startupDeadlineMs: config.STARTUP_DEADLINE_MS,
  })
  if (windowWarning) logger.warn({ event: 'platform.startupWindow' }, windowWarning)
  const { app, gate } = createAuthServer(config, logger)
  const startup = createStartup({
    name: 'auth',
    phases: [...AUTH_PHASES],
    deadlineMs: config.STARTUP_DEADLINE_MS,
    drainDelayMs: drainDelayMsOf(config),
    logger,
    classify: faults.annotate,
  })
  const health = createHealthRegistry({ logger, classify: faults.annotate })
  const runtime: AuthRuntime = {} // filled by `keys`, read by the routes

  startup.add(createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'init' }))
  const database = addAuthDatabase(startup, health, config, connectAhead)
  startup.add(createSigningKeysComponent(config, { postgres: database.postgres, runtime, log: logger }))
  startup.add({
    name: 'open',
    phase: 'http',
    start: () => gate.set('serving'),
    stop: () => gate.set('stopping'),
  })

  const probes = { postgres: postgresProbe(database.url) }
  await registerAuthHttp(app, config, logger, { registry: health, startup, runtime, version, probes })
  startup.on((event) => {
    // While starting, the pool holds the admission connection only: one connector establishment per instance.
    if (event.type === 'startup.completed') database.postgres.peek()?.growToBudget()
    if (event.type === 'startup.failed' || event.type === 'shutdown.started') connectAhead?.discard()
    if (event.type === 'shutdown.completed') health.close()
  })
  return { app, gate, runtime, startup, config, logger, health, database }
}
