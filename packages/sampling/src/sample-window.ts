/**
 * A bounded ring of the most recent samples with nearest-rank percentiles: memory stays fixed however long
 * it runs. One answer everywhere: `p` is 0–100 (the 95 of p95), and no samples give `null`, never a fake 0.
 */
export class SampleWindow {
  readonly #samples: Float64Array
  #count = 0
  #next = 0

  /** Keeps the last `capacity` samples (an integer ≥ 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`SampleWindow capacity must be an integer ≥ 1 (got ${capacity})`)
    this.#samples = new Float64Array(capacity)
  }

  add(value: number): void {
    this.#samples[this.#next] = value
    this.#next = (this.#next + 1) % this.capacity
    if (this.#count < this.capacity) this.#count++
  }

  /** How many samples are held (at most `capacity`). */
  get count(): number {
    return this.#count
  }

  /** The held samples, oldest first. */
  values(): number[] {
    if (this.#count < this.capacity) return Array.from(this.#samples.subarray(0, this.#count))
    return [...this.#samples.subarray(this.#next), ...this.#samples.subarray(0, this.#next)]
  }

  /** The nearest-rank `p`-th percentile of the held samples; null when there are none. */
  percentile(p: number): number | null {
    return this.percentiles([p])[0] ?? null
  }

  /** Several percentiles from one sort, in the order asked; each null when there are no samples. */
  percentiles(ps: readonly number[]): (number | null)[] {
    const sorted = this.#samples.slice(0, this.#count).sort()
    return ps.map((p) => nearestRank(sorted, p))
  }
}

/**
 * The nearest-rank percentile: the smallest value with at least `p` % (0–100) of the values at or below it;
 * null for no values.
 * @example percentileOf([1, 2, 3, 4], 50) // → 2
 */
export function percentileOf(values: ArrayLike<number>, p: number): number | null {
  return nearestRank(Float64Array.from(values).sort(), p)
}

function nearestRank(sorted: Float64Array, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be from 0 to 100 (got ${p})`)
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]!
}
