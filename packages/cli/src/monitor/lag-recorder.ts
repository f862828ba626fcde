import { SampleWindow } from '@tarmac/sampling'

/**
 * Keeps the scheduler's lateness: how late each check was dispatched after its due time, and the last time
 * the monitor itself was late beyond the bound (a result measured across that moment is not trusted: the
 * latency it shows may be the monitor's own stall).
 */
export class LagRecorder {
  readonly #samples: SampleWindow
  #maxMs = 0
  /** The monotonic time the monitor was last seen late beyond the bound; -Infinity if never. */
  lastLateAtMs = Number.NEGATIVE_INFINITY

  constructor(
    readonly boundMs: number,
    capacity = 100_000,
  ) {
    this.#samples = new SampleWindow(capacity)
  }

  /** Records one lateness sample taken at `atMs`; returns whether it was beyond the bound. */
  record(lagMs: number, atMs: number): boolean {
    this.#samples.add(lagMs)
    if (lagMs > this.#maxMs) this.#maxMs = lagMs
    const late = lagMs > this.boundMs
    if (late) this.lastLateAtMs = atMs
    return late
  }

  /** Whether the monitor was late at any point since `sinceMs`. */
  lateSince(sinceMs: number): boolean {
    return this.lastLateAtMs >= sinceMs
  }

  get count(): number {
    return this.#samples.count
  }

  get maxMs(): number {
    return this.#maxMs
  }

  /** The p-th percentile (0..100) of the kept samples; 0 without samples. */
  percentileMs(p: number): number {
    return this.#samples.percentile(p) ?? 0
  }
}

/** The nearest-rank percentile (0..100) of a list; null for an empty one. One rule with `SampleWindow`. */
export { percentileOf } from '@tarmac/sampling'
