/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. `take()` is false when the caller is over its rate.
 * @example const bucket = new TokenBucket(30, 10); if (!bucket.take()) reject()
 */
export class TokenBucket {
  #tokens: number
  #refilledAtMs: number
  constructor(
    readonly burst: number,
    readonly perSecond: number,
    readonly nowMs: () => number = () => performance.now(),
  ) {
    this.#tokens = burst
    this.#refilledAtMs = nowMs()
  }

  take(): boolean {
    const now = this.nowMs()
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAtMs) / 1000) * this.perSecond)
    this.#refilledAtMs = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
