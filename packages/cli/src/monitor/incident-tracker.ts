import { randomBytes } from 'node:crypto'
import type { AlertEvent } from './alert-event.js'
import type { IncidentEvent, IncidentStatus, IncidentTarget, IncidentVerdict } from './incident.js'

export interface IncidentTrackerOptions {
  /**
   * The grouping window: the first change opens it, and everything that changes within it goes into one
   * message. The incident's first message waits for it (the other targets of one fault go down within it), and
   * so does each update and the resolution (a target back for less than the window does not resolve it). At most
   * one message per window. 0 sends each change at once.
   */
  readonly groupWindowMs: number
  /** The verdict on the evidence now, for these affected targets (diagnose's model on the monitor's evidence). */
  readonly verdict: (targets: readonly IncidentTarget[]) => IncidentVerdict
  readonly send: (event: IncidentEvent) => void
  readonly now?: () => number
  readonly newId?: (openedAtMs: number) => string
}

interface OpenIncident {
  readonly id: string
  readonly openedAt: string
  /** The first change it groups (before its opening, by up to the grouping window). */
  readonly startedAt: string
  sequence: number
  readonly involved: Set<string>
  /** The picture last told: the verdict's domain/layer and every affected target's condition. */
  told: string
  verdict: IncidentVerdict
}

type Change = IncidentEvent['changes'][number]

const pictureOf = (verdict: IncidentVerdict, targets: readonly IncidentTarget[]) =>
  `${verdict.domain}/${verdict.layer}|${targets
    .map((t) => `${t.target}:${t.condition}`)
    .sort()
    .join(',')}`

const defaultId = (openedAtMs: number) =>
  `tarmac-${new Date(openedAtMs).toISOString().replace(/[-:]|\.\d+/g, '')}-${randomBytes(3).toString('hex')}`

/**
 * One alert per root cause: the targets' changes (the alerter's events that were to be sent) grouped into one
 * incident, judged by one verdict. The first target down or degraded opens it (after the grouping window); a
 * change of the affected targets or of the verdict updates it (same id); all targets back resolves it. One
 * incident is open at a time: two faults at once are one picture, whose verdict names the heavier and whose
 * `runnerUp` the other.
 */
export class IncidentTracker {
  readonly #options: IncidentTrackerOptions
  readonly #now: () => number
  readonly #affected = new Map<string, IncidentTarget>()
  /** Every target that went down or degraded since the last message, as it did: told even if back already. */
  readonly #fallen = new Map<string, IncidentTarget>()
  #open: OpenIncident | null = null
  #changes: Change[] = []
  #timer: NodeJS.Timeout | undefined
  #lookedAtMs = 0
  /**
   * Targets are coming back and none new has joined since: the verdict stays as told. What a recovery leaves
   * behind (the database answering again while the services' last checks still fail) says the fault is going,
   * not what it was — judged anew, it would hand the incident to another team on its way out.
   */
  #recovering = false

  constructor(options: IncidentTrackerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** The incident open now, if any: its id and the targets in it. */
  get open(): { id: string; targets: string[] } | null {
    return this.#open && { id: this.#open.id, targets: [...this.#affected.keys()] }
  }

  /** A target's change, as the receivers are to be told it. */
  note(event: AlertEvent): void {
    const better = event.to === 'up' || (event.from === 'down' && event.to === 'degraded')
    if (better) this.#recovering = true
    else if (!this.#open?.involved.has(event.target)) this.#recovering = false
    if (event.to === 'down' || event.to === 'degraded') {
      const target: IncidentTarget = {
        target: event.target,
        service: event.service,
        condition: event.to,
        since: event.since,
        lastError: event.lastError,
      }
      this.#affected.set(event.target, target)
      this.#fallen.set(event.target, target)
    } else this.#affected.delete(event.target)
    this.#changes.push({ target: event.target, from: event.from, to: event.to, at: event.at })
    this.#schedule()
  }

  /**
   * Called after every result: while an incident is open, a verdict that changed with no target changing (the
   * evidence grew) is news too. Looked at once per grouping window at most.
   */
  reconsider(): void {
    const open = this.#open
    if (!open || this.#timer || this.#affected.size === 0 || this.#recovering) return
    const nowMs = this.#now()
    if (nowMs - this.#lookedAtMs < Math.max(1_000, this.#options.groupWindowMs)) return
    this.#lookedAtMs = nowMs
    const targets = [...this.#affected.values()]
    if (pictureOf(this.#options.verdict(targets), targets) !== open.told) this.#schedule()
  }

  /** Decides now what is pending (a single sweep, or the monitor stopping): nothing is left unsaid. */
  flush(): void {
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#decide()
  }

  /** The last message of an incident, read back from the history: a still-open incident goes on. */
  restore(event: IncidentEvent): void {
    this.#affected.clear()
    if (event.status === 'resolved') {
      this.#open = null
      return
    }
    for (const target of event.targets) this.#affected.set(target.target, target)
    this.#open = {
      id: event.id,
      openedAt: event.openedAt,
      startedAt: event.startedAt,
      sequence: event.sequence,
      involved: new Set(event.involved),
      told: pictureOf(event.verdict, event.targets),
      verdict: event.verdict,
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return
    if (this.#options.groupWindowMs === 0) return this.#decide()
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#decide()
    }, this.#options.groupWindowMs)
    this.#timer.unref()
  }

  #decide(): void {
    const targets = [...this.#affected.values()]
    const open = this.#open
    if (!open) {
      if (targets.length > 0) return this.#emit('opened', targets)
      // Down and back within the window: an outage all the same (each target was judged down over its own
      // window), told as it was — opened with what fell, resolved at once.
      if (this.#fallen.size > 0) {
        this.#emit('opened', [...this.#fallen.values()])
        this.#emit('resolved', [])
      }
      this.#changes = []
      return
    }
    if (targets.length === 0) return this.#emit('resolved', targets)
    const verdict = this.#recovering ? open.verdict : this.#options.verdict(targets)
    if (pictureOf(verdict, targets) !== open.told) this.#emit('updated', targets, verdict)
    else this.#changes = []
  }

  #emit(status: IncidentStatus, targets: IncidentTarget[], judged?: IncidentVerdict): void {
    const nowMs = this.#now()
    const at = new Date(nowMs).toISOString()
    const open: OpenIncident = this.#open ?? {
      id: (this.#options.newId ?? defaultId)(nowMs),
      openedAt: at,
      startedAt: this.#changes[0]?.at ?? at,
      sequence: 0,
      involved: new Set(),
      told: '',
      verdict: undefined as unknown as IncidentVerdict,
    }
    // A resolved incident keeps the verdict it was last told with: that is what it was.
    const verdict = status === 'resolved' ? open.verdict : (judged ?? this.#options.verdict(targets))
    open.sequence++
    for (const target of targets) open.involved.add(target.target)
    open.told = pictureOf(verdict, targets)
    open.verdict = verdict
    this.#open = status === 'resolved' ? null : open
    if (status !== 'updated') this.#recovering = false
    this.#lookedAtMs = nowMs
    const severity = targets.some((t) => t.condition === 'down') ? 'outage' : 'warning'
    const event: IncidentEvent = {
      kind: 'incident',
      id: open.id,
      status,
      sequence: open.sequence,
      at,
      openedAt: open.openedAt,
      startedAt: open.startedAt,
      resolvedAt: status === 'resolved' ? at : null,
      severity: status === 'resolved' ? 'outage' : severity,
      title: titleOf(status, verdict, targets, open, nowMs),
      verdict,
      targets,
      involved: [...open.involved],
      changes: this.#changes,
    }
    this.#changes = []
    this.#fallen.clear()
    this.#options.send(event)
  }
}

function titleOf(
  status: IncidentStatus,
  verdict: IncidentVerdict,
  targets: readonly IncidentTarget[],
  open: OpenIncident,
  nowMs: number,
): string {
  const cause = `${verdict.domain} / ${verdict.layer}`
  if (status === 'resolved')
    return `resolved after ${durationText(nowMs - Date.parse(open.startedAt))}: ${cause} — every target is back (${[...open.involved].join(', ')})`
  const down = targets.filter((t) => t.condition === 'down').map((t) => t.target)
  const degraded = targets.filter((t) => t.condition === 'degraded').map((t) => t.target)
  const listed = (names: string[]) =>
    names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`
  const what = [
    down.length > 0 ? `${down.length} down (${listed(down)})` : '',
    degraded.length > 0 ? `${degraded.length} degraded (${listed(degraded)})` : '',
  ]
    .filter(Boolean)
    .join(', ')
  return `${cause} (confidence ${verdict.confidence}): ${what}; for ${verdict.owner}`
}

function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(s / 3600).toFixed(1)} h`
}
