import module from 'node:module'
import { connectAhead } from '@tarmac/postgres'

/**
 * The backend's entry: `node dist/main.js`. Before the rest of the service loads, it asks for its database
 * connection: through a slow VPC connector the establishment (seconds, queued behind other instances) is the
 * long pole of a cold start, so starting it first overlaps it with loading and the earlier phases instead of
 * adding to them. The `database` phase adopts that connection; a failed one is just its first failed attempt.
 */
// Node ≥ 22.1 caches compiled code on disk (NODE_COMPILE_CACHE, else the OS temp directory): the next cold
// start on this host skips compiling the chunks imported below. A no-op on Node 20.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
const ahead = connectAhead({
  url: process.env.DATABASE_URL,
  applicationName: 'tarmac-backend',
  timeoutMs: process.env.DB_CONNECT_TIMEOUT_MS,
})
const { runBackend } = await import('./run-backend.js')
await runBackend({ ahead })
