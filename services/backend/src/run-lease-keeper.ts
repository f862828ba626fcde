import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { RunOutcome } from './assistant-runner.js'
import type { RunLease, RunLeases } from './run-leases.js'

/** How long a run lease lasts and how often it is renewed and expired ones are looked for. */
export interface RunLeaseTimings {
  /** A lease not renewed for this long is taken over by another instance (its owner is presumed dead). */
  readonly leaseMs: number
  /** The owner renews its leases this often: well under `leaseMs`, so a busy event loop does not lose them. */
  readonly heartbeatMs: number
  /** Every instance looks for expired leases this often, and takes over up to `sweepBatch` of them. */
  readonly sweepMs: number
  readonly sweepBatch: number
  /** A message whose run died with its instance this many times is given up (`run.failed`), not retried. */
  readonly maxAttempts: number
}

export const RUN_LEASE_DEFAULTS: RunLeaseTimings = Object.freeze({
  leaseMs: 5_000,
  heartbeatMs: 1_000,
  sweepMs: 1_000,
  sweepBatch: 20,
  maxAttempts: 3,
})

/** A name for this process in `owner_instance`: readable (host, pid), unique across restarts (a random part). */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
}

interface KeeperLog {
  warn(object: object, message: string): void
}

/**
 * Keeps this instance's run leases alive and picks up the ones other instances left behind: a heartbeat renews
 * every lease held for at least a heartbeat; a sweep takes over expired ones (their owner died) and hands them to `takeOver`, and gives
 * up those that used their attempts (`abandon`). When a run ends its lease is let go — by the reply's own
 * statement when it completed, else deleted, or expired at once when the run was stopped by shutdown, so
 * another instance takes it over without waiting. Timers are
 * single-flight: a slow database delays the next tick, never stacks them.
 */
export class RunLeaseKeeper {
  readonly #leases: RunLeases
  readonly #timings: RunLeaseTimings
  /** Each held lease and when it was last written (its acquisition, or its last renewal), in `performance.now()`. */
  readonly #held = new Map<string, { lease: RunLease; writtenAtMs: number }>()
  readonly #endings = new Set<Promise<void>>()
  readonly #timers: NodeJS.Timeout[]
  readonly #takeOver: (lease: RunLease) => Promise<void>
  readonly #abandon: (lease: RunLease) => Promise<void>
  readonly #log: KeeperLog | undefined
  #stopped = false

  constructor(
    leases: RunLeases,
    timings: RunLeaseTimings,
    handlers: {
      takeOver: (lease: RunLease) => Promise<void>
      abandon: (lease: RunLease) => Promise<void>
      log?: KeeperLog | undefined
    },
  ) {
    this.#leases = leases
    this.#timings = timings
    this.#takeOver = handlers.takeOver
    this.#abandon = handlers.abandon
    this.#log = handlers.log
    this.#timers = [
      singleFlightInterval(() => this.#heartbeat(), timings.heartbeatMs),
      singleFlightInterval(() => this.#sweep(), timings.sweepMs),
    ]
  }

  /** Runs whose lease this instance holds. */
  get heldCount(): number {
    return this.#held.size
  }

  /** Renews `lease` until `done` settles, then lets it go. */
  hold(lease: RunLease, done: Promise<RunOutcome>): void {
    this.#held.set(lease.runId, { lease, writtenAtMs: performance.now() })
    const ending = done
      .then((outcome) => {
        // No longer renewed from here: a heartbeat that misses the row now is not a lease lost.
        this.#held.delete(lease.runId)
        if (outcome.status === 'completed') return // the reply's statement deleted the lease
        return outcome.code === 'RUN_ABORTED' ? this.#leases.handOver(lease) : this.#leases.release(lease)
      })
      .catch((error: unknown) =>
        // Not fatal: an unreleased lease expires and the sweep finds the reply stored (or runs it again).
        this.#log?.warn({ err: error, runId: lease.runId }, 'run lease not released; it will expire'),
      )
      .finally(() => {
        this.#held.delete(lease.runId)
        this.#endings.delete(ending)
      })
    this.#endings.add(ending)
  }

  /** Shutdown, first step: takes no more runs over (the heartbeat goes on while the runs in flight drain). */
  stopTakingOver(): void {
    this.#stopped = true
    clearInterval(this.#timers[1])
  }

  /** Shutdown, last step: once the runs have ended, stops renewing. */
  stop(): void {
    this.stopTakingOver()
    for (const timer of this.#timers) clearInterval(timer)
  }

  /** Resolves once every ended run's lease was let go. */
  async settled(): Promise<void> {
    await Promise.all([...this.#endings])
  }

  async #heartbeat(): Promise<void> {
    // Only leases written at least a heartbeat ago: a run shorter than that (most chat replies) is never
    // rewritten, and none goes longer than two heartbeats unrenewed — well inside `leaseMs`.
    const dueBefore = performance.now() - this.#timings.heartbeatMs
    const runIds = [...this.#held].filter(([, held]) => held.writtenAtMs <= dueBefore).map(([runId]) => runId)
    if (runIds.length === 0) return
    const renewingAtMs = performance.now()
    try {
      const kept = await this.#leases.renew(runIds)
      for (const runId of kept) {
        const held = this.#held.get(runId)
        if (held) held.writtenAtMs = renewingAtMs
      }
      // A run that just stored its reply deleted its lease in that statement; let its result be read first.
      await new Promise((resolve) => setImmediate(resolve))
      for (const runId of runIds) {
        // Taken over while this instance could not renew (a stalled event loop, a database outage): the run goes
        // on, and the unique reply keeps one answer whichever stores first.
        if (!kept.has(runId) && this.#held.has(runId))
          this.#log?.warn({ runId }, 'run lease lost to another instance; one reply is kept')
      }
    } catch (error) {
      this.#log?.warn({ err: error }, 'run lease heartbeat failed')
    }
  }

  async #sweep(): Promise<void> {
    if (this.#stopped) return
    try {
      const { maxAttempts, sweepBatch } = this.#timings
      for (const lease of await this.#leases.abandonExhausted(maxAttempts)) await this.#abandon(lease)
      const taken = await this.#leases.takeOverExpired({ limit: sweepBatch, maxAttempts })
      for (const lease of taken) {
        if (this.#stopped) await this.#leases.handOver(lease)
        else await this.#takeOver(lease)
      }
    } catch (error) {
      this.#log?.warn({ err: error }, 'run lease sweep failed')
    }
  }
}

/** Calls `tick` every `intervalMs`, skipping a beat while the previous call is still running. */
function singleFlightInterval(tick: () => Promise<void>, intervalMs: number): NodeJS.Timeout {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    void tick().finally(() => (running = false))
  }, intervalMs)
  timer.unref()
  return timer
}
