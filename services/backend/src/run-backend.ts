import type { ConnectAhead } from '@tarmac/postgres'
import {
  createColdStartSender,
  createLogger,
  loadConfig,
  loadConfigOrExit,
  logLevel,
  packageVersion,
} from '@tarmac/service'
import { runMain, type StartupReport } from '@tarmac/startup'
import { createBackend } from './backend.js'
import { faults } from './faults.js'
import { configSchema } from './options.js'

/**
 * Runs the backend as a process (`main.ts` calls it once the connect-ahead is under way). A bad environment
 * fails the `init` phase like any other critical component — exit 3 and one line naming every bad variable.
 * Either way, with `STARTUP_REPORT_URL` set, the startup report goes to the collector: once ready, or before
 * exiting 3.
 */
export async function runBackend(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  const version = packageVersion(import.meta.url)
  const log = createLogger({
    name: 'backend',
    level: logLevel.safeParse(process.env.LOG_LEVEL).data ?? 'info',
  })
  const sender = createColdStartSender({ service: 'backend', ...(version && { version }), log })
  const beforeExit = (report: StartupReport | undefined) => report && sender?.send(report, 'failed')
  const config = await loadConfigOrExit('backend', () => loadConfig(configSchema), {
    beforeExit,
    classify: faults.annotate,
    onConfigError: () => options.ahead?.discard(),
  })
  if (!config) return
  const backend = createBackend(config, {
    logger: log,
    ...(options.ahead && { connectAhead: options.ahead }),
    ...(version && { version }),
  })
  sender?.sendWhenReady(backend.startup)
  const report = await runMain(backend.startup, { beforeExit })
  // The engine has already logged the report as one JSON line; say where to connect.
  if (report) backend.logger.info(`backend ready on http://127.0.0.1:${backend.port} (WebSocket /ws)`)
}
