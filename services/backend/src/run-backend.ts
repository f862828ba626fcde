import type { ConnectAhead } from '@tarmac/postgres'
import { loadConfig, runService } from '@tarmac/service'
import { createBackend } from './backend.js'
import { faults } from './faults.js'
import { configSchema } from './options.js'

/**
 * Runs the backend as a process (`main.ts` calls it once the connect-ahead is under way), the way every service
 * runs (`runService`): a bad environment fails the `init` phase like any other critical component — exit 3 and
 * one line naming every bad variable. Either way, with `STARTUP_REPORT_URL` set, the startup report goes to the
 * collector: once ready, or before exiting 3.
 */
export async function runBackend(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  await runService({
    name: 'backend',
    moduleUrl: import.meta.url,
    loadConfig: () => loadConfig(configSchema),
    create: createBackend,
    classify: faults.annotate,
    ahead: options.ahead,
    // The engine has already logged the report as one JSON line; say where to connect.
    onReady: (backend) =>
      backend.logger.info(`backend ready on http://127.0.0.1:${backend.port} (WebSocket /ws)`),
  })
}
