import type { HealthGet } from './service-status.js'
import { readServiceStatus } from './service-status.js'
import { networkCauseOf } from './upstream-proxy.js'
import type { ColdStartsSummary, Status, StatusBoard } from './status-types.js'

export interface StatusBoardOptions {
  /** Every service the page shows, in display order, each with the way to read its health endpoints. */
  services: readonly { name: string; get: HealthGet }[]
  /** The collector's summary of a service's cold starts (null when it recorded none). */
  coldStarts?: (service: string) => ColdStartsSummary | null
  /** Answers within this age are shared: a hundred open status pages cost one round of upstream calls. */
  cacheMs?: number
  now?: () => number
}

const SEVERITY: Record<Status, number> = { pass: 0, warn: 1, fail: 2 }

/**
 * Reads every service's health, single-flight and cached for `cacheMs`, remembering since when each one has had
 * its current status (so the page can say "down since 14:02").
 */
export function createStatusBoard(options: StatusBoardOptions): { read(): Promise<StatusBoard> } {
  const now = options.now ?? Date.now
  const cacheMs = options.cacheMs ?? 1_000
  const since = new Map<string, { status: Status; sinceMs: number }>()
  let cached: { atMs: number; board: StatusBoard } | undefined
  let inFlight: Promise<StatusBoard> | undefined

  const refresh = async (): Promise<StatusBoard> => {
    const coldStarts = new Map(options.services.map(({ name }) => [name, options.coldStarts?.(name) ?? null]))
    const results = await Promise.all(
      options.services.map(({ name, get }) => readServiceStatus(name, get, coldStarts.get(name)?.last)),
    )
    const atMs = now()
    const services = results.map((result) => {
      const previous = since.get(result.name)
      const entry =
        previous && previous.status === result.status ? previous : { status: result.status, sinceMs: atMs }
      since.set(result.name, entry)
      return {
        ...result,
        coldStarts: coldStarts.get(result.name) ?? null,
        since: new Date(entry.sinceMs).toISOString(),
      }
    })
    const status = services.reduce<Status>(
      (worst, s) => (SEVERITY[s.status] > SEVERITY[worst] ? s.status : worst),
      'pass',
    )
    const board = { checkedAt: new Date(atMs).toISOString(), status, services }
    cached = { atMs, board }
    return board
  }

  return {
    read() {
      if (cached && now() - cached.atMs < cacheMs) return Promise.resolve(cached.board)
      inFlight ??= refresh().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
  }
}

/**
 * Reads a remote service's health endpoints over HTTP with a per-request timeout. With `token`, sends
 * `Authorization: Bearer <token>` so the service shows details (HEALTH_TOKEN); without, a remote service shows
 * statuses only, a loopback one shows everything.
 */
export function httpHealthGet(baseUrl: string, options: { timeoutMs: number; token?: string }): HealthGet {
  const headers: Record<string, string> = { accept: 'application/health+json, application/json' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  return async (path) => {
    const startedMs = performance.now()
    try {
      const response = await fetch(new URL(path, baseUrl), {
        headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      const text = await response.text()
      let body: unknown = null
      try {
        body = JSON.parse(text)
      } catch {
        // A non-JSON answer (a proxy's error page) counts as an answer without a document.
      }
      const server = response.headers.get('server')
      return {
        statusCode: response.status,
        body,
        latencyMs: performance.now() - startedMs,
        ...(server !== null && { server }),
      }
    } catch (error) {
      // fetch wraps the socket error (ECONNREFUSED, undici's UND_ERR_SOCKET…) in `cause`.
      return { error: networkCauseOf(error), latencyMs: performance.now() - startedMs }
    }
  }
}
