/** How a {@link TokenBucket} fills: named, so burst and rate cannot be swapped at a call site. */
export interface TokenBucketOptions {
  /** Tokens the bucket holds when full (and at the start). */
  readonly burst: number
  /** Tokens added per second, up to `burst`. */
  readonly perSecond: number
  /** The clock, in ms; fake it in tests. */
  readonly nowMs?: () => number
}

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. `take()` refuses a caller over its rate;
 * `reserve(n)` always succeeds (possibly into debt) and says how long to wait, so slices queue up in
 * order without polling.
 * @example const bucket = new TokenBucket({ burst: 30, perSecond: 10 }); if (!bucket.take()) reject()
 */
export class TokenBucket {
  readonly #burst: number
  readonly #perSecond: number
  readonly #nowMs: () => number
  #tokens: number
  #refilledAtMs: number

  constructor(options: TokenBucketOptions) {
    this.#burst = options.burst
    this.#perSecond = options.perSecond
    this.#nowMs = options.nowMs ?? (() => performance.now())
    this.#tokens = options.burst
    this.#refilledAtMs = this.#nowMs()
  }

  /** Takes one token if there is one; false when the caller is over its rate. */
  take(): boolean {
    this.#refill()
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Takes `n` tokens (possibly into debt) and returns how many ms to wait until they are covered. */
  reserve(n: number): number {
    this.#refill()
    this.#tokens -= n
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#perSecond
  }

  #refill(): void {
    const nowMs = this.#nowMs()
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((nowMs - this.#refilledAtMs) * this.#perSecond) / 1000,
    )
    this.#refilledAtMs = nowMs
  }
}
