import { ConfigError } from '@tarmac/service'
import { EXIT_CODES, failureLine, runMain } from '@tarmac/startup'
import { loadAuthConfig } from './options.js'
import { createAuthService } from './service.js'

// Config comes first: with a bad environment there is no logger level, port or deadline to start with.
let config
try {
  config = loadAuthConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`${failureLine('auth', error)}\n`)
  process.exit(EXIT_CODES.startupFailed)
}
const service = await createAuthService(config)
await runMain(service.startup, { drainDelayMs: config.NODE_ENV === 'production' ? 5_000 : 0 })
