/** A bounded ring of recent samples with nearest-rank percentiles: memory stays fixed however long it runs. */
export class SampleWindow {
  readonly #samples: number[] = []
  readonly #size: number
  #next = 0

  constructor(size: number) {
    this.#size = size
  }

  add(value: number): void {
    if (this.#samples.length < this.#size) this.#samples.push(value)
    else this.#samples[this.#next] = value
    this.#next = (this.#next + 1) % this.#size
  }

  get count(): number {
    return this.#samples.length
  }

  /** Nearest-rank percentile (`p` in 0–100) of the samples held; 0 when empty. */
  percentile(p: number): number {
    if (this.#samples.length === 0) return 0
    const sorted = [...this.#samples].sort((a, b) => a - b)
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
    return sorted[rank - 1] ?? 0
  }
}
