/**
 * Timed callbacks in time order (a binary heap); callbacks due at the same time run in the order they were
 * pushed, so a model's run is repeatable.
 */
export class EventQueue {
  readonly #heap: { atMs: number; seq: number; run: () => void }[] = []
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  /** When the next callback is due; `Infinity` when none is. */
  peekMs(): number {
    return this.#heap[0]?.atMs ?? Number.POSITIVE_INFINITY
  }

  push(atMs: number, run: () => void): void {
    const heap = this.#heap
    heap.push({ atMs, seq: this.#seq++, run })
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (!this.#before(i, parent)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  /** Removes the next callback and returns it. */
  pop(): (() => void) | undefined {
    const heap = this.#heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined) return undefined
    if (heap.length > 0) {
      heap[0] = last
      for (let i = 0; ;) {
        const left = 2 * i + 1
        const right = left + 1
        let first = i
        if (left < heap.length && this.#before(left, first)) first = left
        if (right < heap.length && this.#before(right, first)) first = right
        if (first === i) break
        ;[heap[i], heap[first]] = [heap[first]!, heap[i]!]
        i = first
      }
    }
    return top.run
  }

  #before(a: number, b: number): boolean {
    const x = this.#heap[a]!
    const y = this.#heap[b]!
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq)
  }
}
