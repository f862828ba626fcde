import type { StartupLogger } from './logger.js'

/** Full-jitter exponential backoff, bounded by attempts and/or a deadline. */
export interface RetryOptions {
  /** First backoff window in ms. Default 250. */
  readonly baseMs?: number
  /** Largest backoff window in ms. Default 10 000. */
  readonly capMs?: number
  /** Attempts in all, the first included. Default: unbounded (the deadline bounds them). */
  readonly maxAttempts?: number
  /** Time for all attempts of this component, sleeps included. Default: the startup deadline. */
  readonly deadlineMs?: number
  /** Whether an error is worth another attempt. Default: every error is. */
  readonly retryable?: (error: unknown, attempt: number) => boolean
}

/** What `start` receives for one attempt. */
export interface StartContext {
  /** Aborts when this attempt times out, the startup deadline passes, or shutdown begins. Pass it on. */
  readonly signal: AbortSignal
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly log: StartupLogger
  /**
   * Adds facts to this component's entry in the startup report (`details`, merged key by key): what it
   * found and decided (a pool size and why, connect timings). JSON values only; never secrets.
   */
  readonly report: (details: Readonly<Record<string, unknown>>) => void
}

/** What `stop` receives. */
export interface StopContext {
  /** Aborts when `stopTimeoutMs` passes: stop what you can, quickly. */
  readonly signal: AbortSignal
  readonly log: StartupLogger
  /** Why the component is being stopped: shutdown, a critical failure, or a late resource. */
  readonly reason: string
}

/**
 * The unit of startup. `start` returns the resource (a pool, a server…); `stop` releases it. A component that
 * needs another's resource reads the `ResourceHandle` that `startup.add()` returned for it.
 * @example
 * startup.add({
 *   name: 'postgres', phase: 'database', timeoutMs: 30_000, retry: { baseMs: 250, capMs: 10_000 },
 *   start: ({ signal }) => connect(url, { signal }),
 *   stop: (client) => client.end(),
 * })
 */
export interface Component<Resource = unknown> {
  readonly name: string
  readonly phase: string
  /** true (default): failing fails startup. false: the service starts degraded and retries in the background. */
  readonly critical?: boolean
  /** Per-attempt timeout in ms; the attempt's signal aborts when it passes. Default 30 000. */
  readonly timeoutMs?: number
  /** Without it a component has one attempt. */
  readonly retry?: RetryOptions
  start(context: StartContext): Promise<Resource> | Resource
  stop?(resource: Resource, context: StopContext): Promise<void> | void
  /** Deadline for `stop` in ms. Default 10 000. */
  readonly stopTimeoutMs?: number
}
