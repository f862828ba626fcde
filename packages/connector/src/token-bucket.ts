/**
 * A token bucket that lends: `reserve(n)` always succeeds and says how long to wait before sending,
 * so slices queue up in order without polling. Tokens refill at `ratePerSecond` up to `burst`.
 */
export class TokenBucket {
  readonly #ratePerSecond: number
  readonly #burst: number
  readonly #now: () => number
  #tokens: number
  #updatedAtMs: number

  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#ratePerSecond = ratePerSecond
    this.#burst = burst
    this.#now = now
    this.#tokens = burst
    this.#updatedAtMs = now()
  }

  /** Takes `n` tokens (possibly into debt) and returns how many ms to wait until they are covered. */
  reserve(n: number): number {
    const nowMs = this.#now()
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((nowMs - this.#updatedAtMs) * this.#ratePerSecond) / 1000,
    )
    this.#updatedAtMs = nowMs
    this.#tokens -= n
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#ratePerSecond
  }
}
