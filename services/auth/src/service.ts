import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  checkPlatformStartupWindow,
  createHealthRegistry,
  createPostgresChecks,
  type HealthRegistry,
} from '@tarmac/health'
import {
  addPostgresDatabase,
  connect,
  probeConnects,
  type ConnectAhead,
  type PostgresDatabase,
} from '@tarmac/postgres'
import { createHttpServerComponent, createLogger, type Logger } from '@tarmac/service'
import { createStartup, type Startup } from '@tarmac/startup'
import { createAccounts } from './accounts.js'
import { createAuthApp, type AuthApp } from './app.js'
import { createAuthDatabase } from './database.js'
import type { AuthConfig } from './options.js'
import { AUTH_DEFAULTS } from './options.js'
import { createPasswordHasher } from './password.js'
import { faults } from './faults.js'
import { createRefreshTokenStore } from './refresh-tokens.js'
import { loadSigningKeys, type SigningKeys } from './signing-keys.js'

/** The phases, in order. */
export const AUTH_PHASES = ['init', 'database', 'keys', 'http'] as const

/** Where the migrations live (in the source tree and in the published package alike). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))

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
 * (the gate opens). Nothing runs until `startup.run()`.
 * @example
 * const service = await createAuthService(loadAuthConfig())
 * await runMain(service.startup)
 */
export async function createAuthService(
  config: AuthConfig,
  options: AuthServiceOptions = {},
): Promise<AuthService> {
  const logger = options.logger ?? createLogger({ name: 'auth', level: config.LOG_LEVEL })
  // A deadline past the platform's startup window means the platform kills the instance before it can say why.
  const windowWarning = checkPlatformStartupWindow({
    platformStartupWindowMs: config.PLATFORM_STARTUP_WINDOW_MS,
    startupDeadlineMs: config.STARTUP_DEADLINE_MS,
  })
  if (windowWarning) logger.warn({ event: 'platform.startupWindow' }, windowWarning)
  const startup = createStartup({
    name: 'auth',
    phases: [...AUTH_PHASES],
    deadlineMs: config.STARTUP_DEADLINE_MS,
    logger,
    classify: faults.annotate,
  })
  const health = createHealthRegistry({ logger, classify: faults.annotate })
  const authApp = await createAuthApp(config, logger, {
    registry: health,
    startup,
    ...(options.version && { version: options.version }),
    // From inside the service: the connector is on this path only.
    probes: {
      postgres: async ({ connects, timeoutMs, signal }) => {
        const url = database.url.peek()
        if (!url) return { connects: 0, ok: 0, failed: 0, note: 'the embedded database has not started yet' }
        return probeConnects(url, { connects, timeoutMs, signal, applicationName: 'auth:probe' })
      },
    },
  })
  const { app, gate, runtime } = authApp

  startup.add(createHttpServerComponent({ app, port: config.PORT, host: config.HOST, phase: 'init' }))
  const database = addAuthDatabase(startup, config, options.connectAhead)
  // Critical `postgres:responseTime` (select 1 through the pool), plus pool, capacity and connection time.
  health.contribute(startup, database.postgres, (handle) =>
    createPostgresChecks(handle, {
      url: database.url.get(),
      applicationName: 'auth',
      ...(config.DB_CONNECT_PROBE_INTERVAL_MS && {
        activeConnect: { connect, intervalMs: config.DB_CONNECT_PROBE_INTERVAL_MS },
      }),
    }),
  )

  let keysTimer: NodeJS.Timeout | undefined
  let sealTimer: NodeJS.Timeout | undefined
  startup.add<SigningKeys>({
    name: 'signing-keys',
    phase: 'keys',
    timeoutMs: 10_000,
    retry: { baseMs: 250, capMs: 5_000 },
    async start() {
      const db = createAuthDatabase(database.postgres.get().pool)
      const keys = await loadSigningKeys({ db, accessTokenTtlS: config.ACCESS_TOKEN_TTL_S })
      runtime.keys = keys
      const refreshTokens = createRefreshTokenStore(db, {
        ttlS: config.REFRESH_TOKEN_TTL_S,
        familyTtlS: config.REFRESH_FAMILY_TTL_S,
        reuseGraceMs: config.REFRESH_REUSE_GRACE_MS,
      })
      runtime.accounts = createAccounts({
        db,
        keys,
        refreshTokens,
        passwords: createPasswordHasher(),
        accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      })
      // Another instance may rotate: pick its key up within a minute (verification reloads on an unknown kid).
      const timer = setInterval(() => {
        keys.refresh().catch((error: unknown) => logger.warn({ err: error }, 'signing keys refresh failed'))
      }, AUTH_DEFAULTS.keyRefreshIntervalMs)
      timer.unref()
      keysTimer = timer
      // A sealed successor is spent once the grace window has passed: clear it, so an old token plus a database
      // backup cannot unseal the chain to the live token. Every instance sweeps; the update is idempotent.
      const sweep = () => {
        refreshTokens
          .clearSpentSeals()
          .catch((error: unknown) => logger.warn({ err: error }, 'clearing spent refresh-token seals failed'))
      }
      sweep()
      sealTimer = setInterval(sweep, AUTH_DEFAULTS.sealSweepIntervalMs)
      sealTimer.unref()
      return keys
    },
    stop() {
      clearInterval(keysTimer)
      clearInterval(sealTimer)
    },
  })
  startup.add({
    name: 'open',
    phase: 'http',
    start: () => gate.set('serving'),
    stop: () => gate.set('stopping'),
  })

  startup.on((event) => {
    // While starting, the pool holds the admission connection only: one connector establishment per instance.
    if (event.type === 'startup.completed') database.postgres.peek()?.growToBudget()
    if (event.type === 'startup.failed' || event.type === 'shutdown.started') options.connectAhead?.discard()
    if (event.type === 'shutdown.completed') health.close()
  })
  return { ...authApp, startup, config, logger, health, database }
}

/** `database`: admission to `DATABASE_URL`, or to an embedded server started just before in the same phase. */
function addAuthDatabase(startup: Startup, config: AuthConfig, ahead?: ConnectAhead): PostgresDatabase {
  return addPostgresDatabase(startup, {
    url: config.DATABASE_URL,
    dataDir: resolve(join(config.TARMAC_DATA_DIR, 'auth-pgdata')),
    ...(ahead && { ahead }),
    applicationName: 'auth',
    timeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    retry: { baseMs: 250, capMs: 10_000 },
    migrations: MIGRATIONS_DIR,
    migrationLockName: 'tarmac_auth_migrations',
    migrationsTable: 'auth_migrations',
    fleetSize: config.DB_FLEET_SIZE,
    pooler: config.DB_POOLER,
    ...(config.DATABASE_MIGRATION_URL && { migrationUrl: config.DATABASE_MIGRATION_URL }),
    pool: {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_POOL_IDLE_MS,
      // A request must fail fast with 503 when Postgres is away, not hang for the 30 s connect budget.
      acquireTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
      poolConfig: { query_timeout: config.DB_QUERY_TIMEOUT_MS },
    },
  })
}
