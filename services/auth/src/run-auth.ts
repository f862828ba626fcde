import type { ConnectAhead } from '@tarmac/postgres'
import {
  createColdStartSender,
  createLogger,
  drainDelayMsOf,
  loadConfigOrExit,
  logLevel,
  packageVersion,
} from '@tarmac/service'
import { runMain, type StartupReport } from '@tarmac/startup'
import { faults } from './faults.js'
import { loadAuthConfig } from './options.js'
import { createAuthService } from './service.js'

/**
 * Runs auth as a process (`main.ts` calls it once the connect-ahead is under way). A bad environment fails
 * `init`: exit 3 and one line per bad variable (never its value). With `STARTUP_REPORT_URL` set, the startup
 * report goes to the collector once ready, or before exiting 3.
 */
export async function runAuth(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  const version = packageVersion(import.meta.url)
  const logger = createLogger({
    name: 'auth',
    level: logLevel.safeParse(process.env.LOG_LEVEL).data ?? 'info',
  })
  const sender = createColdStartSender({ service: 'auth', ...(version && { version }), log: logger })
  const beforeExit = (report: StartupReport | undefined) => report && sender?.send(report, 'failed')
  const config = await loadConfigOrExit('auth', () => loadAuthConfig(), {
    beforeExit,
    classify: faults.annotate,
    onConfigError: () => options.ahead?.discard(),
  })
  if (!config) return
  const service = await createAuthService(config, {
    logger,
    ...(options.ahead && { connectAhead: options.ahead }),
    ...(version && { version }),
  })
  sender?.sendWhenReady(service.startup)
  await runMain(service.startup, { drainDelayMs: drainDelayMsOf(config), beforeExit })
}
