import { runService } from '@tarmac/service'
import { createFrontendStartup } from './frontend-startup.js'
import { loadFrontendConfig } from './options.js'

/**
 * Runs the frontend until a signal stops it (exit 0) or startup fails (exit 3), the way every service runs
 * (`runService`): a bad environment exits 3 with one line per bad variable. The frontend is the cold-start
 * collector, so it sends no report of its own.
 */
export async function runFrontend(): Promise<void> {
  await runService({
    name: 'frontend',
    moduleUrl: import.meta.url,
    loadConfig: () => loadFrontendConfig(),
    create: (config, { logger }) => createFrontendStartup({ logger, config }),
    sendsStartupReport: false,
  })
}
