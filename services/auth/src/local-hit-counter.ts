import { createHash } from 'node:crypto'
import type { HitCounter, WindowCount } from './hit-counter.js'

/** Bounds of the in-memory counter: exact counters up to `maxKeys`, then a fixed-size sketch. */
export const LOCAL_COUNTER_DEFAULTS = Object.freeze({
  /** ≈ 190 bytes each with a 50-character key (key, entry, map slot): ~9 MB of heap at most, measured. */
  maxKeys: 50_000,
  sketchRows: 4,
  sketchColumns: 16_384,
})

interface Entry {
  count: number
  resetAtMs: number
}

/**
 * Fixed windows per key, in this process's memory, that never forget a live counter to make room: the LRU of
 * `@fastify/rate-limit` dropped the least recently used of its 5,000 keys, so ~5,000 junk attempts reset a
 * victim's per-account counter. Here memory is bounded differently. Each key has an exact counter whose window
 * starts at its first hit; expired ones are swept. When `maxKeys` live counters exist, a new key is counted in
 * a count-min sketch instead (4 × 16,384 cells, over the current and the previous sketch window): hashing can
 * only make keys share cells, so an overflowed key may be limited early, never late. Under a flood of junk keys
 * the worst case is that honest new keys share a budget — the limit still holds for everyone.
 */
export class LocalHitCounter implements HitCounter {
  readonly #entries = new Map<string, Entry>()
  readonly #maxKeys: number
  readonly #rows: number
  readonly #columns: number
  readonly #now: () => number
  #sketch: Uint32Array
  #previousSketch: Uint32Array
  #sketchEpoch = -1
  #lastSweepMs = -Infinity

  constructor(options: { maxKeys?: number; sketchColumns?: number; nowMs?: () => number } = {}) {
    this.#maxKeys = options.maxKeys ?? LOCAL_COUNTER_DEFAULTS.maxKeys
    this.#rows = LOCAL_COUNTER_DEFAULTS.sketchRows
    this.#columns = options.sketchColumns ?? LOCAL_COUNTER_DEFAULTS.sketchColumns
    this.#now = options.nowMs ?? Date.now
    this.#sketch = new Uint32Array(this.#rows * this.#columns)
    this.#previousSketch = new Uint32Array(this.#rows * this.#columns)
  }

  /** Live exact counters (for tests and the README's memory bound). */
  get size(): number {
    return this.#entries.size
  }

  hit(key: string, windowMs: number): Promise<WindowCount> {
    return Promise.resolve(this.hitNow(key, windowMs))
  }

  hitNow(key: string, windowMs: number): WindowCount {
    const nowMs = this.#now()
    const entry = this.#entries.get(key)
    if (entry && entry.resetAtMs > nowMs) {
      entry.count++
      return { count: entry.count, resetInMs: entry.resetAtMs - nowMs }
    }
    if (entry || this.#entries.size < this.#maxKeys || this.#sweep(nowMs) < this.#maxKeys) {
      // A key that was counted in the sketch while the map was full keeps that count (or more), never less.
      const count = 1 + (entry ? 0 : this.#sketchCount(key, windowMs, nowMs))
      this.#entries.set(key, { count, resetAtMs: nowMs + windowMs })
      return { count, resetInMs: windowMs }
    }
    return this.#hitSketch(key, windowMs, nowMs)
  }

  /** Drops expired counters → how many live ones are left. At most once a second: a full map costs a scan. */
  #sweep(nowMs: number): number {
    if (nowMs - this.#lastSweepMs < 1_000) return this.#entries.size
    this.#lastSweepMs = nowMs
    for (const [key, entry] of this.#entries) if (entry.resetAtMs <= nowMs) this.#entries.delete(key)
    return this.#entries.size
  }

  #cellsOf(key: string): number[] {
    const digest = createHash('sha256').update(key).digest()
    return Array.from(
      { length: this.#rows },
      (_, row) => row * this.#columns + (digest.readUInt32BE(row * 4) % this.#columns),
    )
  }

  /** What the sketch holds for `key` in its current and previous window (0 when it was never used). */
  #sketchCount(key: string, windowMs: number, nowMs: number): number {
    if (this.#sketchEpoch < 0 || Math.floor(nowMs / windowMs) > this.#sketchEpoch + 1) return 0
    const cells = this.#cellsOf(key)
    return Math.min(...cells.map((cell) => this.#sketch[cell]! + this.#previousSketch[cell]!))
  }

  #hitSketch(key: string, windowMs: number, nowMs: number): WindowCount {
    const epoch = Math.floor(nowMs / windowMs)
    if (epoch === this.#sketchEpoch + 1) {
      // The previous window's counts still count: a key first seen late in it keeps them for a full window.
      const expired = this.#previousSketch
      this.#previousSketch = this.#sketch
      this.#sketch = expired.fill(0)
    } else if (epoch !== this.#sketchEpoch) {
      this.#sketch.fill(0)
      this.#previousSketch.fill(0)
    }
    this.#sketchEpoch = epoch
    let count = Number.MAX_SAFE_INTEGER
    for (const cell of this.#cellsOf(key)) {
      this.#sketch[cell]! += 1
      count = Math.min(count, this.#sketch[cell]! + this.#previousSketch[cell]!)
    }
    return { count, resetInMs: (epoch + 1) * windowMs - nowMs + windowMs }
  }
}
