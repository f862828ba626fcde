import { createLogger, logLevel } from '@tarmac/service'
import { runMain } from '@tarmac/startup'
import { createFrontendStartup } from './frontend-startup.js'

/** Runs the frontend until a signal stops it (exit 0) or startup fails (exit 3). */
export async function runFrontend(): Promise<void> {
  // The logger exists before the config is validated; a bad LOG_LEVEL is reported by the config component.
  const logger = createLogger({
    name: 'frontend',
    level: logLevel.safeParse(process.env.LOG_LEVEL || undefined).data ?? 'info',
  })
  await runMain(createFrontendStartup({ logger }))
}
