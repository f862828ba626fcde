/**
 * Coalesces a run's streamed pieces into fewer `run.delta` events: the first piece goes out at once (the
 * reader sees the reply start), later ones are merged until `flushMs` has passed since the last emit — by the
 * next piece or by a timer, whichever comes first — and `flush()` sends what is left when the stream ends.
 * Every subscriber then gets a few frames per reply instead of one per token, and the concatenation of the
 * deltas is still exactly the reply. Emits are issued in order (a later emit never overtakes an earlier one).
 */
export class DeltaBatcher {
  readonly #flushMs: number
  readonly #emit: (delta: string) => Promise<void>
  #pending = ''
  #lastEmitMs = Number.NEGATIVE_INFINITY
  #timer: NodeJS.Timeout | undefined

  constructor(flushMs: number, emit: (delta: string) => Promise<void>) {
    this.#flushMs = flushMs
    this.#emit = emit
  }

  /** Adds a piece; resolves once it is emitted or scheduled. */
  async push(piece: string): Promise<void> {
    if (piece === '') return
    this.#pending += piece
    const waitMs = this.#lastEmitMs + this.#flushMs - performance.now()
    if (waitMs <= 0) return this.flush()
    this.#timer ??= setTimeout(() => void this.flush().catch(() => {}), waitMs)
  }

  /** Emits whatever is pending now. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending === '') return
    const delta = this.#pending
    this.#pending = ''
    this.#lastEmitMs = performance.now()
    await this.#emit(delta)
  }

  /** Drops what is pending (the run failed: `run.failed` follows, not more text). */
  discard(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#pending = ''
  }
}
