import type { ConnectAhead } from '@tarmac/postgres'
import { runService } from '@tarmac/service'
import { faults } from './faults.js'
import { loadAuthConfig } from './options.js'
import { createAuthService } from './service.js'

/**
 * Runs auth as a process (`main.ts` calls it once the connect-ahead is under way), the way every service runs
 * (`runService`): a bad environment fails `init` — exit 3 and one line per bad variable (never its value). With
 * `STARTUP_REPORT_URL` set, the startup report goes to the collector once ready, or before exiting 3.
 */
export async function runAuth(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  await runService({
    name: 'auth',
    moduleUrl: import.meta.url,
    loadConfig: () => loadAuthConfig(),
    create: createAuthService,
    classify: faults.annotate,
    ahead: options.ahead,
  })
}
