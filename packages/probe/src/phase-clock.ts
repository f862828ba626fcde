import type { PhaseTimings, ProbePhase } from './phases.js'

/** Rounds a duration to 0.1 ms. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** Times consecutive phases with the monotonic clock; `current` is the phase in progress. */
export class PhaseClock {
  readonly startedAt = new Date()
  readonly #startMs = performance.now()
  #markMs = this.#startMs
  #open = true
  readonly #phases: PhaseTimings = {}
  current: ProbePhase

  constructor(first: ProbePhase) {
    this.current = first
  }

  /** Ends the current phase, records its duration, and starts `next` (if given). */
  lap(next?: ProbePhase): number {
    const now = performance.now()
    const durationMs = roundMs(now - this.#markMs)
    if (this.#open) this.#phases[this.current] = durationMs
    this.#markMs = now
    this.#open = next !== undefined
    if (next !== undefined) this.current = next
    return durationMs
  }

  /** Records the partial duration of the phase in progress, if one is (a failure ends it). */
  stop(): void {
    if (this.#open) this.lap()
  }

  /** Records a phase that was skipped (an IP literal needs no lookup) as 0 ms, without moving the mark. */
  skip(phase: ProbePhase, next: ProbePhase): void {
    this.#phases[phase] = 0
    this.current = next
    this.#open = true
  }

  /** A copy of the durations so far. */
  get phases(): PhaseTimings {
    return { ...this.#phases }
  }

  get totalMs(): number {
    return roundMs(performance.now() - this.#startMs)
  }
}
