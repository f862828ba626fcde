/**
 * Keeps the scheduler's lateness: how late each check was dispatched after its due time, and the last time
 * the monitor itself was late beyond the bound (a result measured across that moment is not trusted: the
 * latency it shows may be the monitor's own stall).
 */
export class LagRecorder {
  readonly #samples: Float64Array
  #count = 0
  #next = 0
  #maxMs = 0
  /** The monotonic time the monitor was last seen late beyond the bound; -Infinity if never. */
  lastLateAtMs = Number.NEGATIVE_INFINITY

  constructor(
    readonly boundMs: number,
    capacity = 100_000,
  ) {
    this.#samples = new Float64Array(capacity)
  }

  /** Records one lateness sample taken at `atMs`; returns whether it was beyond the bound. */
  record(lagMs: number, atMs: number): boolean {
    this.#samples[this.#next] = lagMs
    this.#next = (this.#next + 1) % this.#samples.length
    this.#count = Math.min(this.#count + 1, this.#samples.length)
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
    return this.#count
  }

  get maxMs(): number {
    return this.#maxMs
  }

  /** The p-th percentile (0..100) of the kept samples; 0 without samples. */
  percentileMs(p: number): number {
    return percentileOf(Array.from(this.#samples.subarray(0, this.#count)), p)
  }
}

/**
 * The nearest-rank percentile: the smallest value with at least p % of the values at or below it.
 * @example percentileOf([1, 2, 3, 4], 50) // → 2
 */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]!
}
