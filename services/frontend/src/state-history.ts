import type { SinceBasis, StateChange, Status } from './status-types.js'

/** What one reading of a service says, as far as its history cares. */
export interface StateReading {
  readonly status: Status
  /** The startup engine's state, or `unreachable`. */
  readonly state: string
  /** The fault's code, when failing. */
  readonly code: string | null
  /** When the service itself says it entered this state (its startup report), if it says. */
  readonly reportedSinceMs?: number | null
}

export interface StateHistory {
  /** Records a reading taken at `atMs`; a change of status or state is a new entry. */
  observe(service: string, reading: StateReading, atMs: number): void
  /** Since when the service has been in its current status, and on what that rests. */
  since(service: string): { at: string; basis: SinceBasis } | null
  /** The changes of the last `windowMs` (24 h by default), oldest first, each with when it began. */
  changes(service: string, nowMs: number, windowMs?: number): StateChange[]
}

interface Entry {
  readonly status: Status
  readonly state: string
  readonly code: string | null
  readonly sinceMs: number
  readonly basis: SinceBasis
}

/**
 * Each service's state changes, as the frontend's background poll saw them: a bounded ring per service (the
 * oldest change goes first), in memory like the cold-start log. The first reading of a service takes its start
 * time from the service's own startup report when there is one (`startup-report`: it has been up since it became
 * ready), else it is only known since this frontend first saw it (`first-seen`); every later change is
 * `observed` when it happens, whether or not anyone has the status page open.
 */
export function createStateHistory(options: { perService?: number } = {}): StateHistory {
  const perService = options.perService ?? 200
  const rings = new Map<string, Entry[]>()
  return {
    observe(service, reading, atMs) {
      const ring = rings.get(service) ?? []
      const last = ring.at(-1)
      if (last && last.status === reading.status && last.state === reading.state) return
      const reported = reading.reportedSinceMs
      const fromReport = last === undefined && reported !== null && reported !== undefined && reported <= atMs
      ring.push({
        status: reading.status,
        state: reading.state,
        code: reading.code,
        sinceMs: fromReport ? reported : atMs,
        basis: last ? 'observed' : fromReport ? 'startup-report' : 'first-seen',
      })
      if (ring.length > perService) ring.shift()
      rings.set(service, ring)
    },
    since(service) {
      const ring = rings.get(service) ?? []
      const last = ring.at(-1)
      if (!last) return null
      // A change of state within the same status (starting → started, both failing) keeps the status's start.
      let first = last
      for (let i = ring.length - 2; i >= 0 && ring[i]!.status === last.status; i--) first = ring[i]!
      return { at: new Date(first.sinceMs).toISOString(), basis: first.basis }
    },
    changes(service, nowMs, windowMs = 86_400_000) {
      const ring = rings.get(service) ?? []
      // The entry in force at the window's start is kept: the timeline starts in a known state.
      const startIndex = Math.max(
        0,
        ring.findLastIndex((entry) => entry.sinceMs <= nowMs - windowMs),
      )
      return ring.slice(startIndex).map((entry) => ({
        at: new Date(entry.sinceMs).toISOString(),
        status: entry.status,
        state: entry.state,
        code: entry.code,
        basis: entry.basis,
      }))
    },
  }
}
