/** The uptime windows the monitor shows, with their lengths. */
export const UPTIME_WINDOWS = Object.freeze({ '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 })
export type UptimeWindow = keyof typeof UPTIME_WINDOWS

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000
/** Minute buckets for the last day (1 h and 24 h read them), hour buckets beyond it (7 d reads those). */
const MINUTES_KEPT_MS = UPTIME_WINDOWS['24h'] + HOUR_MS
const KEPT_MS = UPTIME_WINDOWS['7d'] + HOUR_MS

/** One bucket: how many trusted results found the target up (or degraded) and how many found it down. */
export interface UptimeBucket {
  readonly target: string
  readonly startMs: number
  readonly bucketMs: number
  readonly up: number
  readonly down: number
}

interface Counts {
  up: number
  down: number
}

/**
 * Uptime per target over 1 h, 24 h and 7 d, from the target's status at each trusted result (checks are
 * evenly spaced by the fixed-rate scheduler, so a share of results is a share of time; while the monitor was
 * not running there are none, and that time counts neither way). `starting` and `unknown` count neither way.
 * Bounded: minute buckets for a day, hour buckets for a week, nothing older.
 */
export class UptimeLedger {
  readonly #minutes = new Map<string, Map<number, Counts>>()
  readonly #hours = new Map<string, Map<number, Counts>>()

  /** Counts one result taken at `atMs` that left the target `up` or `down`. */
  record(target: string, atMs: number, outcome: 'up' | 'down', weight = 1): void {
    this.#add(
      this.#minutes,
      target,
      atMs - (atMs % MINUTE_MS),
      outcome === 'up' ? weight : 0,
      outcome === 'down' ? weight : 0,
    )
  }

  /** Restores a bucket read back from the history. */
  restore(bucket: UptimeBucket): void {
    const table = bucket.bucketMs === HOUR_MS ? this.#hours : this.#minutes
    this.#add(table, bucket.target, bucket.startMs, bucket.up, bucket.down)
  }

  /** The up share over the last `windowMs`, 0..100; null when no result counted in it. */
  uptimePercent(target: string, nowMs: number, windowMs: number): number | null {
    const fromMs = nowMs - windowMs
    let up = 0
    let down = 0
    for (const table of [this.#minutes, this.#hours]) {
      for (const [startMs, counts] of table.get(target) ?? []) {
        const bucketMs = table === this.#hours ? HOUR_MS : MINUTE_MS
        if (startMs + bucketMs <= fromMs || startMs > nowMs) continue
        up += counts.up
        down += counts.down
      }
    }
    return up + down === 0 ? null : (100 * up) / (up + down)
  }

  /** 1 h, 24 h and 7 d at once. */
  uptimes(target: string, nowMs: number): Record<UptimeWindow, number | null> {
    return {
      '1h': this.uptimePercent(target, nowMs, UPTIME_WINDOWS['1h']),
      '24h': this.uptimePercent(target, nowMs, UPTIME_WINDOWS['24h']),
      '7d': this.uptimePercent(target, nowMs, UPTIME_WINDOWS['7d']),
    }
  }

  /** Folds minute buckets older than a day into hour buckets and drops what is older than a week. */
  compact(nowMs: number): void {
    for (const [target, minutes] of this.#minutes) {
      for (const [startMs, counts] of minutes) {
        if (startMs >= nowMs - MINUTES_KEPT_MS) continue
        minutes.delete(startMs)
        this.#add(this.#hours, target, startMs - (startMs % HOUR_MS), counts.up, counts.down)
      }
    }
    for (const table of [this.#minutes, this.#hours])
      for (const [target, buckets] of table) {
        for (const startMs of buckets.keys()) if (startMs < nowMs - KEPT_MS) buckets.delete(startMs)
        if (buckets.size === 0) table.delete(target)
      }
  }

  /** Every bucket, for writing the history back compacted. */
  buckets(): UptimeBucket[] {
    const out: UptimeBucket[] = []
    for (const [table, bucketMs] of [
      [this.#hours, HOUR_MS],
      [this.#minutes, MINUTE_MS],
    ] as const)
      for (const [target, buckets] of table)
        for (const [startMs, { up, down }] of buckets) out.push({ target, startMs, bucketMs, up, down })
    return out
  }

  #add(table: Map<string, Map<number, Counts>>, target: string, startMs: number, up: number, down: number) {
    let buckets = table.get(target)
    if (!buckets) table.set(target, (buckets = new Map<number, Counts>()))
    const counts = buckets.get(startMs)
    if (counts) {
      counts.up += up
      counts.down += down
    } else buckets.set(startMs, { up, down })
  }
}
