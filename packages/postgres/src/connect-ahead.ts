import { POSTGRES_DEFAULTS } from './options.js'
import { TimedClient } from './timed-client.js'

/**
 * A database connection requested at process start, for the admission to adopt. Through a slow VPC connector
 * the establishment (seconds, queued behind other instances) is the long pole of a cold start, not the CPU:
 * asking for it before the rest of the service loads overlaps the two instead of adding them.
 */
export interface ConnectAhead {
  /** The connection (connecting, connected or failed) for the admission's first attempt; once only. */
  take(): { client: TimedClient; startedAtMs: number } | undefined
  /** Closes the connection if nobody took it (startup failed or stopped before the `database` phase). */
  discard(): void
}

export interface ConnectAheadOptions {
  /** Usually `process.env.DATABASE_URL` as is: unset or not a postgres URL → no connect-ahead. */
  readonly url: string | undefined
  readonly applicationName: string
  /** Usually `process.env.DB_CONNECT_TIMEOUT_MS` as is; a non-number falls back to 30 000. */
  readonly timeoutMs?: string | number | undefined
}

/**
 * Starts the admission connection now. Takes raw environment values on purpose: it runs before the config is
 * validated (and before the modules that validate it are loaded); a bad value only means no connect-ahead, and
 * `init` then reports the bad variable as usual. A failed connect-ahead is the admission's first failed
 * attempt; the engine retries as always.
 * @example
 * const ahead = connectAhead({ url: process.env.DATABASE_URL, applicationName: 'backend' })
 * const { run } = await import('./run.js') // the heavy part loads while the connector establishes
 */
export function connectAhead(options: ConnectAheadOptions): ConnectAhead | undefined {
  const { url } = options
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return undefined
  const timeoutMs = Number(options.timeoutMs)
  let client: TimedClient | undefined
  try {
    client = new TimedClient({
      url,
      applicationName: options.applicationName,
      timeoutMs:
        Number.isInteger(timeoutMs) && timeoutMs > 0 ? timeoutMs : POSTGRES_DEFAULTS.connectTimeoutMs,
    })
  } catch {
    return undefined
  }
  const startedAtMs = performance.now()
  // Nobody may await it for a while (or ever): a failure must not be an unhandled rejection.
  client.connectTimed().catch(() => undefined)
  let taken = false
  return {
    take() {
      if (taken || !client) return undefined
      taken = true
      return { client, startedAtMs }
    },
    discard() {
      if (taken || !client) return
      taken = true
      client.destroy()
    },
  }
}
