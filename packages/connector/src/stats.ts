import { SampleWindow } from '@tarmac/sampling'

/** Percentiles over the most recent samples only, so memory stays bounded however long the connector runs. */
export interface Percentiles {
  /** Nearest-rank; null while there are no samples. */
  readonly p50: number | null
  readonly p95: number | null
  /** How many samples the percentiles come from (at most the window size). */
  readonly samples: number
}

/** Why a connection was turned away (reset before a byte reached the upstream). */
export const REFUSE_REASONS = ['down', 'ratio', 'queueFull'] as const
export type RefuseReason = (typeof REFUSE_REASONS)[number]

/** A snapshot of the connector. Counters are totals since creation; gauges (`… now`) are live. */
export interface ConnectorStats {
  /** True between `down()` and `up()`. */
  readonly isDown: boolean
  /** Current capacity (grows with scale-up). */
  readonly capacity: number
  readonly accepted: number
  /** Now: black-holed while down. */
  readonly held: number
  /** Now: waiting in the FIFO queue for a slot. */
  readonly queued: number
  /** Now: holding a slot (in the establishment delay or dialing the upstream). */
  readonly establishing: number
  /** Total connections that reached the upstream. */
  readonly establishedTotal: number
  /** Now: established and not yet closed. */
  readonly open: number
  readonly refused: number
  readonly refusedBy: Readonly<Record<RefuseReason, number>>
  /** Established connections reset by the connector (`resetRatio`, `down({ resetOpen: true })`). */
  readonly reset: number
  /** Dials that failed: `CONNECTOR_ERR_UPSTREAM_UNREACHABLE` or `…_TIMEOUT`; the client was reset. */
  readonly upstreamErrors: number
  /** Clients that hung up before they were established; they never reached the upstream. */
  readonly abandoned: number
  /** Accepted connections that have ended, for any reason. */
  readonly closed: number
  /** The most connections ever establishing at once. */
  readonly peakEstablishing: number
  /** From accept to getting a slot (recent samples). */
  readonly queueWaitMs: Percentiles
  /** From accept to the upstream accepting: what the client waits in all (recent samples). */
  readonly establishMs: Percentiles
  /** Client → upstream. */
  readonly bytesIn: number
  /** Upstream → client. */
  readonly bytesOut: number
}

type Counter = 'accepted' | 'establishedTotal' | 'reset' | 'upstreamErrors' | 'abandoned' | 'closed'
type Gauges = Pick<ConnectorStats, 'isDown' | 'capacity' | 'held' | 'queued' | 'establishing' | 'open'>

/** Counters and bounded sample windows behind `Connector.stats()`. */
export class StatsRecorder {
  readonly #counters: Record<Counter | 'bytesIn' | 'bytesOut', number> = {
    accepted: 0,
    establishedTotal: 0,
    reset: 0,
    upstreamErrors: 0,
    abandoned: 0,
    closed: 0,
    bytesIn: 0,
    bytesOut: 0,
  }
  readonly #refusedBy: Record<RefuseReason, number> = { down: 0, ratio: 0, queueFull: 0 }
  readonly #queueWaitMs: SampleWindow
  readonly #establishMs: SampleWindow

  constructor(windowSize = 1024) {
    this.#queueWaitMs = new SampleWindow(windowSize)
    this.#establishMs = new SampleWindow(windowSize)
  }

  count(counter: Counter | 'bytesIn' | 'bytesOut', by = 1): void {
    this.#counters[counter] += by
  }

  refused(reason: RefuseReason): void {
    this.#refusedBy[reason] += 1
  }

  established(queueWaitMs: number, establishMs: number): void {
    this.#counters.establishedTotal += 1
    this.#queueWaitMs.add(queueWaitMs)
    this.#establishMs.add(establishMs)
  }

  snapshot(gauges: Gauges, peakEstablishing: number): ConnectorStats {
    const refusedBy = Object.freeze({ ...this.#refusedBy })
    return Object.freeze({
      ...gauges,
      ...this.#counters,
      refused: refusedBy.down + refusedBy.ratio + refusedBy.queueFull,
      refusedBy,
      peakEstablishing,
      queueWaitMs: percentilesOf(this.#queueWaitMs),
      establishMs: percentilesOf(this.#establishMs),
    })
  }
}

function percentilesOf(window: SampleWindow): Percentiles {
  const [p50 = null, p95 = null] = window.percentiles([50, 95])
  return Object.freeze({ p50, p95, samples: window.count })
}
