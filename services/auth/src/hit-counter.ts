/** What a limiter asks a store: count one hit of `key` in its current window. */
export interface HitCounter {
  /** Counts one hit → how many `key` has in its window (this one included) and when the window ends. */
  hit(key: string, windowMs: number): Promise<WindowCount>
}

export interface WindowCount {
  readonly count: number
  /** Until the window that `count` belongs to ends: what `retry-after` says. */
  readonly resetInMs: number
}
