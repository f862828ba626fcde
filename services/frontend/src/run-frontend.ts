import { createLogger, loadConfigOrExit, logLevel } from '@tarmac/service'
import { runMain } from '@tarmac/startup'
import { createFrontendStartup } from './frontend-startup.js'
import { loadFrontendConfig } from './options.js'

/**
 * Runs the frontend until a signal stops it (exit 0) or startup fails (exit 3). A bad environment takes the
 * path every service takes (`loadConfigOrExit`): exit 3 and one line per bad variable.
 */
export async function runFrontend(): Promise<void> {
  // The logger exists before the config is validated; a bad LOG_LEVEL is reported with the other variables.
  const logger = createLogger({
    name: 'frontend',
    level: logLevel.safeParse(process.env.LOG_LEVEL || undefined).data ?? 'info',
  })
  const config = await loadConfigOrExit('frontend', () => loadFrontendConfig())
  if (!config) return
  await runMain(createFrontendStartup({ logger, config }).startup)
}
