import type { HealthGet } from './service-status.js'
import { readServiceStatus, type ServiceReading } from './service-status.js'
import { createStateHistory, type StateHistory } from './state-history.js'
import { networkCauseOf } from './upstream-proxy.js'
import type { ColdStartMark, ColdStartsSummary, Status, StatusBoard } from './status-types.js'

export interface StatusBoardOptions {
  /** Every service the page shows, in display order, each with the way to read its health endpoints. */
  services: readonly { name: string; get: HealthGet }[]
  /** The collector's summary of a service's cold starts (null when it recorded none). */
  coldStarts?: (service: string) => ColdStartsSummary | null
  /** The cold starts the collector recorded for a service since `sinceMs`, newest first (the timeline's marks). */
  coldStartMarks?: (service: string, sinceMs: number) => ColdStartMark[]
  /** Answers within this age are shared: a hundred open status pages cost one round of upstream calls. */
  cacheMs?: number
  /** `start()` reads every service this often, so state changes are seen when they happen. */
  pollMs?: number
  /** Where state changes are kept; a fresh one (200 per service) by default. */
  history?: StateHistory
  now?: () => number
}

/** The timeline's length. */
export const TIMELINE_WINDOW_MS = 86_400_000

const SEVERITY: Record<Status, number> = { pass: 0, warn: 1, fail: 2 }

/** The status board: `read()` for the page, `start()`/`stop()` for the background poll. */
export interface StatusBoardReader {
  read(): Promise<StatusBoard>
  start(): void
  stop(): void
}

/**
 * Reads every service's health, single-flight and cached for `cacheMs`. Between page loads a background poll
 * (`start()`, every `pollMs`) keeps reading, so each service's state changes are recorded when they happen and
 * "since" is when its state changed — not when someone first opened the page. Each service comes with its last
 * 24 hours: state changes and the cold starts the collector recorded.
 */
export function createStatusBoard(options: StatusBoardOptions): StatusBoardReader {
  const now = options.now ?? Date.now
  const cacheMs = options.cacheMs ?? 1_000
  const history = options.history ?? createStateHistory()
  let cached: { atMs: number; board: StatusBoard } | undefined
  let inFlight: Promise<StatusBoard> | undefined
  let timer: NodeJS.Timeout | undefined

  const refresh = async (): Promise<StatusBoard> => {
    const coldStarts = new Map(options.services.map(({ name }) => [name, options.coldStarts?.(name) ?? null]))
    const results = await Promise.all(
      options.services.map(({ name, get }) => readServiceStatus(name, get, coldStarts.get(name)?.last)),
    )
    const atMs = now()
    const services = results.map((result) => {
      history.observe(result.name, readingOf(result), atMs)
      const since = history.since(result.name)!
      return {
        ...result,
        coldStarts: coldStarts.get(result.name) ?? null,
        since: since.at,
        sinceBasis: since.basis,
        timeline: {
          windowMs: TIMELINE_WINDOW_MS,
          changes: history.changes(result.name, atMs, TIMELINE_WINDOW_MS),
          coldStarts: options.coldStartMarks?.(result.name, atMs - TIMELINE_WINDOW_MS) ?? [],
        },
      }
    })
    const status = services.reduce<Status>(
      (worst, s) => (SEVERITY[s.status] > SEVERITY[worst] ? s.status : worst),
      'pass',
    )
    const board = { checkedAt: new Date(atMs).toISOString(), status, details: true, services }
    cached = { atMs, board }
    return board
  }

  const read = (): Promise<StatusBoard> => {
    if (cached && now() - cached.atMs < cacheMs) return Promise.resolve(cached.board)
    inFlight ??= refresh().finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  return {
    read,
    start() {
      if (timer || !options.pollMs) return
      const poll = () => {
        read().then(
          () => undefined,
          () => undefined, // a round that failed is retried on the next tick; the board reports per service
        )
      }
      timer = setInterval(poll, options.pollMs)
      timer.unref()
    },
    stop() {
      clearInterval(timer)
      timer = undefined
    },
  }
}

/** What the history keeps of a reading, and when the service itself says it entered its state. */
function readingOf(result: ServiceReading) {
  const startedMs = result.startedAt === null ? null : Date.parse(result.startedAt)
  const reportedSinceMs =
    startedMs === null || Number.isNaN(startedMs)
      ? null
      : result.state === 'starting'
        ? startedMs
        : result.startupDurationMs !== null && result.status === 'pass'
          ? startedMs + result.startupDurationMs
          : null
  return {
    status: result.status,
    state: result.state,
    code: result.fault?.code ?? null,
    reportedSinceMs,
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
