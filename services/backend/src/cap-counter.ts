/**
 * Counts what a cap limits — sockets per user and per address, runs per user — by key. `claim` adds one unless
 * the key is at `max`; `release` takes one back. Locally (`LocalCapCounter`) it is this instance's count; with
 * Redis (`RedisCapCounter`) the fleet's.
 */
export interface CapCounter {
  /** `instance`: what this process counts; `fleet`: what every instance counts together. */
  readonly scope: 'instance' | 'fleet'
  /** Adds one to `key` unless it is at `max`; false then. */
  claim(key: string, max: number): Promise<boolean>
  /** Takes back one claim of `key`. */
  release(key: string): void
}

/** This process's counts, in a map: the per-instance caps, and the fallback while Redis cannot be reached. */
export class LocalCapCounter implements CapCounter {
  readonly scope = 'instance'
  readonly #counts = new Map<string, number>()

  claim(key: string, max: number): Promise<boolean> {
    return Promise.resolve(this.claimNow(key, max))
  }

  /** `claim`, decided synchronously. */
  claimNow(key: string, max: number): boolean {
    const count = this.#counts.get(key) ?? 0
    if (count >= max) return false
    this.#counts.set(key, count + 1)
    return true
  }

  release(key: string): void {
    const count = (this.#counts.get(key) ?? 1) - 1
    if (count > 0) this.#counts.set(key, count)
    else this.#counts.delete(key)
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0
  }

  /** Every key with a count above zero. */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries()
  }
}
