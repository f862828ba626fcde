import type { ConnectAhead } from '@tarmac/postgres'
import { ConfigError } from '@tarmac/service'
import { EXIT_CODES, runMain } from '@tarmac/startup'
import { loadAuthConfig, type AuthConfig } from './options.js'
import { createAuthService } from './service.js'

/** Runs auth as a process (`main.ts` calls it once the connect-ahead is under way). */
export async function runAuth(options: { ahead?: ConnectAhead | undefined } = {}): Promise<void> {
  // Config comes first: with a bad environment there is no log level, port or deadline to start with. The line
  // has runMain's form; every variable is named (one more line each with its problem, never its value).
  let config: AuthConfig
  try {
    config = loadAuthConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const variables = error.problems.map((p) => p.variable).join(', ')
    process.stderr.write(
      `auth: startup failed in phase "init", component "config": ${error.code} — invalid configuration: ${variables}\n` +
        error.problems.map((p) => `auth:   ${p.variable}: ${p.problem}\n`).join(''),
    )
    process.exit(EXIT_CODES.startupFailed)
  }
  const service = await createAuthService(config, options.ahead ? { connectAhead: options.ahead } : {})
  await runMain(service.startup, { drainDelayMs: config.NODE_ENV === 'production' ? 5_000 : 0 })
}
