import type { ConnectAhead } from '@tarmac/postgres'
import { ConfigError, loadConfig } from '@tarmac/service'
import { createStartup, runMain } from '@tarmac/startup'
import { createBackend } from './backend.js'
import { BACKEND_PHASES, configSchema } from './options.js'

/**
 * Runs the backend as a process (`main.ts` calls it once the connect-ahead is under way). A bad environment
 * fails the `init` phase like any other critical component — exit 3 and one line naming every bad variable.
 */
export async function runBackend(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  let config
  try {
    config = loadConfig(configSchema)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    options.ahead?.discard()
    const failed = createStartup({ name: 'backend', phases: BACKEND_PHASES })
    failed.add({ name: 'config', phase: 'init', start: () => Promise.reject(error) })
    await runMain(failed)
    return
  }
  const backend = createBackend(config, options.ahead ? { connectAhead: options.ahead } : {})
  const report = await runMain(backend.startup)
  // The engine has already logged the report as one JSON line; say where to connect.
  if (report) backend.logger.info(`backend ready on http://127.0.0.1:${backend.port} (WebSocket /ws)`)
}
