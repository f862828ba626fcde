/**
 * Gathers the calls made in one turn of the event loop and runs them as one batch (`setImmediate`: after the
 * turn's I/O callbacks, where messages arrive and runs end). Under load that is one database round trip, one
 * commit and one socket write for many calls instead of one each; alone, a call waits for no one. Each caller gets
 * its own result, in the order of `items`. A batch that fails is run again item by item, so one bad item (its
 * thread deleted under it) fails alone and the others succeed. A batch holds at most `maxItems` (100): a turn
 * with more sends the rest as further batches, on other connections of the pool.
 */
export class TurnBatch<Item, Result> {
  readonly #run: (items: readonly Item[]) => Promise<readonly Result[]>
  readonly #maxItems: number
  #waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = []

  /** @param run runs a batch; resolves with one result per item, in the same order. */
  constructor(
    run: (items: readonly Item[]) => Promise<readonly Result[]>,
    options: { maxItems?: number } = {},
  ) {
    this.#run = run
    this.#maxItems = options.maxItems ?? 100
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.push({ item, resolve, reject })
      if (waiting === this.#maxItems) this.#flush()
      else if (waiting === 1) setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    const batch = this.#waiting
    if (batch.length === 0) return // sent already: it filled up before its turn ended
    this.#waiting = []
    const settle = (part: typeof batch) =>
      this.#run(part.map((waiting) => waiting.item)).then((results) =>
        part.forEach((waiting, i) => waiting.resolve(results[i]!)),
      )
    settle(batch).catch((error: unknown) => {
      if (batch.length === 1) return batch[0]!.reject(error)
      for (const one of batch) settle([one]).catch((error: unknown) => one.reject(error))
    })
  }
}
