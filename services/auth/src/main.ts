import module from 'node:module'
import { connectAhead } from '@tarmac/postgres'

/**
 * Auth's entry: `node dist/main.js`. It asks for its database connection before the rest of the service
 * loads (connect-ahead): through a slow VPC connector the establishment is the long pole of a cold start. The
 * `database` phase adopts it; a failed one is just its first failed attempt.
 */
// Node ≥ 22.1 caches compiled code on disk (NODE_COMPILE_CACHE, else the OS temp directory): the next cold
// start on this host skips compiling the chunks imported below. A no-op on Node 20.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
const ahead = connectAhead({
  url: process.env.DATABASE_URL,
  applicationName: 'auth',
  timeoutMs: process.env.DB_CONNECT_TIMEOUT_MS,
})
const { runAuth } = await import('./run-auth.js')
await runAuth({ ahead })
