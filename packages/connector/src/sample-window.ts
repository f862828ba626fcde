/** Percentiles over the most recent samples only, so memory stays bounded however long the connector runs. */
export interface Percentiles {
  readonly p50: number | null
  readonly p95: number | null
  /** How many samples the percentiles come from (at most the window size). */
  readonly samples: number
}

/** A ring buffer of the last `size` samples. */
export class SampleWindow {
  readonly #values: number[] = []
  readonly #size: number
  #next = 0

  constructor(size = 1024) {
    this.#size = size
  }

  add(value: number): void {
    if (this.#values.length < this.#size) this.#values.push(value)
    else this.#values[this.#next] = value
    this.#next = (this.#next + 1) % this.#size
  }

  /** Nearest-rank percentiles; null while there are no samples. */
  percentiles(): Percentiles {
    const sorted = [...this.#values].sort((a, b) => a - b)
    return Object.freeze({
      p50: nearestRank(sorted, 0.5),
      p95: nearestRank(sorted, 0.95),
      samples: sorted.length,
    })
  }
}

function nearestRank(sorted: readonly number[], quantile: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil(quantile * sorted.length))
  return sorted[rank - 1] ?? null
}
