import type { TargetCondition } from './check-result.js'
import { alertErrorOf, eventNameOf, windowOf, type AlertDisposition, type AlertEvent } from './alert-event.js'
import type { AlertSink, DeliveryOutcome } from './alert-sinks.js'
import type { IncidentEvent, IncidentTarget, IncidentVerdict } from './incident.js'
import { IncidentTracker } from './incident-tracker.js'
import type { MaintenanceCalendar } from './maintenance.js'
import type { TargetSummary } from './target-window.js'

export interface AlerterOptions {
  readonly sinks: readonly AlertSink[]
  readonly maintenance: MaintenanceCalendar
  /** At most `eventsPerTarget` sent per `perMs` per target. */
  readonly eventsPerTarget: number
  readonly perMs: number
  /** Target changes within this long of each other are one message of their incident (`IncidentTracker`). */
  readonly groupWindowMs: number
  /** The verdict on the monitor's evidence now, for the affected targets (diagnose's model). */
  readonly verdict: (targets: readonly IncidentTarget[]) => IncidentVerdict
  /** Every target event, sent or not: the history keeps them all. */
  readonly onEvent?: (event: AlertEvent) => void
  /** Every incident message, as it is sent. */
  readonly onIncident?: (event: IncidentEvent) => void
  readonly onDelivery?: (event: IncidentEvent, outcome: DeliveryOutcome) => void
  readonly now?: () => number
  /** Injectable for tests: the ids of new incidents. */
  readonly newIncidentId?: (openedAtMs: number) => string
}

/** What the alerter has of one target: the state last told to the receivers and what it held back. */
interface TargetAlertState {
  /** The condition last seen (up, degraded or down; starting and unknown change nothing). */
  seen: 'up' | 'degraded' | 'down'
  /** The condition the receivers were last told (up at start: nobody needs telling that things are fine). */
  told: 'up' | 'degraded' | 'down'
  sentAtMs: number[]
  suppressed: number
}

/** What the alerter is told after each result of a target. */
export interface AlertObservation {
  readonly target: string
  readonly service: string
  readonly summary: TargetSummary
  readonly condition: TargetCondition
  /** Since when the target has been in `condition`. */
  readonly since: string
  /** The window: down at `threshold` failures of the last `size`. */
  readonly size: number
  readonly threshold: number
}

/**
 * Decides which state changes become alerts, and sends one alert per root cause. Per target: one event per
 * transition (down, recovered, degraded; starting and unknown are not transitions); at most `eventsPerTarget`
 * per `perMs` go on; none inside a maintenance window. Every event is recorded with what became of it. What was
 * held back is caught up: once the limit or the window allows, a target whose receivers were last told
 * something else gets one event saying where it is now, with how many were held back. The events that go on are
 * not sent one by one: they change the one open incident (`IncidentTracker`), whose messages — opened, updated,
 * resolved, one id — are what the sinks receive. Deliveries run one at a time per sink, in order, and never throw.
 */
export class Alerter {
  readonly #options: AlerterOptions
  readonly #now: () => number
  readonly #targets = new Map<string, TargetAlertState>()
  readonly #queues = new Map<string, Promise<void>>()
  readonly #incidents: IncidentTracker
  /** `recorded`: target events; `sent`: incident messages; `delivered`, `failed`: their deliveries. */
  readonly counts = { sent: 0, recorded: 0, delivered: 0, failed: 0 }

  constructor(options: AlerterOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#incidents = new IncidentTracker({
      groupWindowMs: options.groupWindowMs,
      verdict: options.verdict,
      now: this.#now,
      ...(options.newIncidentId && { newId: options.newIncidentId }),
      send: (incident) => {
        this.counts.sent++
        this.#options.onIncident?.(incident)
        for (const sink of this.#options.sinks) this.#enqueue(sink, incident)
      },
    })
  }

  /** The incident open now, if any. */
  get incident(): { id: string; targets: string[] } | null {
    return this.#incidents.open
  }

  /** What the receivers were last told about `target` (read back from the history): not told again. */
  restore(target: string, told: TargetCondition): void {
    if (told !== 'up' && told !== 'degraded' && told !== 'down') return
    this.#targets.set(target, { seen: told, told, sentAtMs: [], suppressed: 0 })
  }

  /** The last incident message (read back from the history): an open incident goes on with the same id. */
  restoreIncident(event: IncidentEvent): void {
    this.#incidents.restore(event)
  }

  observe(observation: AlertObservation): void {
    this.#observe(observation)
    this.#incidents.reconsider()
  }

  #observe(observation: AlertObservation): void {
    const { condition } = observation
    if (condition !== 'up' && condition !== 'degraded' && condition !== 'down') return
    let state = this.#targets.get(observation.target)
    if (!state) {
      state = { seen: 'up', told: 'up', sentAtMs: [], suppressed: 0 }
      this.#targets.set(observation.target, state)
    }
    const changed = condition !== state.seen
    const from = state.seen
    state.seen = condition
    if (!changed && state.told === condition) return
    const nowMs = this.#now()
    const maintenance = this.#options.maintenance.activeFor(observation.target, observation.service, nowMs)
    state.sentAtMs = state.sentAtMs.filter((atMs) => atMs > nowMs - this.#options.perMs)
    // A recovery is never held back: it only shrinks or resolves an incident, and held back it would keep one
    // open for the rest of the limit's period.
    const limited = state.sentAtMs.length >= this.#options.eventsPerTarget && condition !== 'up'
    let disposition: AlertDisposition
    if (state.told === condition) disposition = 'unchanged'
    else if (maintenance) disposition = 'maintenance'
    else if (limited) disposition = 'rate-limited'
    else disposition = 'sent'
    // A held-back change is recorded once, when it happens; the catch-up is sent without a second record.
    if (!changed && disposition !== 'sent') return
    const event: AlertEvent = {
      kind: 'alert',
      event: eventNameOf(condition),
      target: observation.target,
      service: observation.service,
      at: new Date(nowMs).toISOString(),
      from: changed ? from : state.told,
      to: condition,
      since: observation.since,
      lastError: alertErrorOf(
        condition === 'degraded' ? observation.summary.last : observation.summary.lastError,
      ),
      window: windowOf(observation.summary, observation.size, observation.threshold),
      disposition,
      suppressed:
        disposition === 'sent' || disposition === 'unchanged' ? state.suppressed : state.suppressed + 1,
      maintenance,
    }
    this.counts.recorded++
    this.#options.onEvent?.(event)
    if (disposition === 'sent') {
      state.told = condition
      state.suppressed = 0
      state.sentAtMs.push(nowMs)
      this.#incidents.note(event)
    } else if (disposition !== 'unchanged') state.suppressed++
  }

  /** Sends what the grouping window still holds, then resolves when every delivery queued so far has ended. */
  async drain(): Promise<void> {
    this.#incidents.flush()
    while (true) {
      const pending = [...this.#queues.values()]
      await Promise.all(pending)
      if ([...this.#queues.values()].every((queue, i) => queue === pending[i])) return
    }
  }

  #enqueue(sink: AlertSink, event: IncidentEvent): void {
    const previous = this.#queues.get(sink.name) ?? Promise.resolve()
    const next = previous.then(async () => {
      const outcome = await sink.deliver(event).catch((error: unknown): DeliveryOutcome => ({
        sink: sink.name,
        ok: false,
        attempts: 1,
        error: String(error),
      }))
      if (outcome.ok) this.counts.delivered++
      else this.counts.failed++
      this.#options.onDelivery?.(event, outcome)
    })
    this.#queues.set(sink.name, next)
  }
}
