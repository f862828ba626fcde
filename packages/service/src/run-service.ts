import { runMain, type FaultClassifier, type Startup, type StartupReport } from '@tarmac/startup'
import { createColdStartSender } from './cold-start-sender.js'
import { loadConfigOrExit, packageVersion } from './config-failure.js'
import { logLevel } from './config.js'
import { createLogger, type Logger } from './logger.js'

/** What a service's factory gets besides its configuration. */
export interface ServiceContext<Ahead> {
  readonly logger: Logger
  readonly version?: string
  /** The connection `main.ts` asked for before the service loaded; the `database` phase adopts it. */
  readonly connectAhead?: Ahead
}

export interface RunServiceOptions<Config, Service extends { readonly startup: Startup }, Ahead> {
  /** The service's name: its logger, its report, its cold-start record. */
  readonly name: string
  /** The entry module's `import.meta.url`: the version is read from the package.json beside it. */
  readonly moduleUrl: string
  /** Reads and validates the environment; throws `ConfigError` naming every bad variable. */
  readonly loadConfig: () => Config
  /** Builds the service; nothing runs until `runMain` runs its startup. */
  readonly create: (config: Config, context: ServiceContext<Ahead>) => Service | Promise<Service>
  /** The service's fault model (`faults.annotate`), so the report of a bad environment places it too. */
  readonly classify?: FaultClassifier
  /** A connect-ahead under way (`main.ts`): dropped on a bad environment, else handed to `create`. */
  readonly ahead?: (Ahead & { discard(): void }) | undefined
  /** Default true: with `STARTUP_REPORT_URL` set, the report goes to the collector when ready, or before exit 3. */
  readonly sendsStartupReport?: boolean
  /** Called once the service is ready (not after a failed start). */
  readonly onReady?: (service: Service, report: StartupReport) => void
}

/**
 * Runs a service as a process, the same way for every service: a logger before the configuration (a bad
 * `LOG_LEVEL` is reported with the other variables), `loadConfigOrExit` (exit 3, one line per bad variable),
 * the service built and its startup run by `runMain` (exit 3 on failure; SIGTERM drains with the drain delay
 * the service gave its startup). The startup report goes to the collector once ready or before exit 3.
 * @example
 * await runService({ name: 'auth', moduleUrl: import.meta.url, loadConfig: loadAuthConfig, create: createAuthService })
 */
export async function runService<Config, Service extends { readonly startup: Startup }, Ahead = never>(
  options: RunServiceOptions<Config, Service, Ahead>,
): Promise<void> {
  const { name, ahead } = options
  const version = packageVersion(options.moduleUrl)
  const logger = createLogger({
    name,
    level: logLevel.safeParse(process.env.LOG_LEVEL || undefined).data ?? 'info',
  })
  const sender =
    options.sendsStartupReport === false
      ? undefined
      : createColdStartSender({ service: name, ...(version && { version }), log: logger })
  const beforeExit = (report: StartupReport | undefined) => report && sender?.send(report, 'failed')
  const config = await loadConfigOrExit(name, options.loadConfig, {
    beforeExit,
    ...(options.classify && { classify: options.classify }),
    onConfigError: () => ahead?.discard(),
  })
  if (config === undefined) return
  const service = await options.create(config, {
    logger,
    ...(ahead && { connectAhead: ahead }),
    ...(version && { version }),
  })
  sender?.sendWhenReady(service.startup)
  const report = await runMain(service.startup, { beforeExit })
  if (report) options.onReady?.(service, report)
}
