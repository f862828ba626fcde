import { CLI_DEFAULTS } from '../options.js'
import type { Alerter } from './alerter.js'
import type { AlertEvent } from './alert-event.js'
import type { CheckResult, TargetCondition } from './check-result.js'
import { diagnosisInputOf } from './diagnosis-input.js'
import { HistoryStore, type HistoryLine, type Transition } from './history-store.js'
import type { IncidentEvent, IncidentTarget, IncidentVerdict } from './incident.js'
import { incidentVerdictOf } from './incident-verdict.js'
import type { MonitorTarget } from './monitor-targets.js'
import { runCheck } from './run-check.js'
import { Scheduler, type SchedulerStats } from './scheduler.js'
import { EvidenceBook } from './target-evidence.js'
import { conditionOf, TargetWindow, type TargetSummary } from './target-window.js'
import { UptimeLedger, type UptimeWindow } from './uptime-ledger.js'

export interface MonitorOptions {
  readonly targets: readonly MonitorTarget[]
  readonly concurrency: number
  readonly failures: number
  readonly window: number
  readonly lagBoundMs: number
  readonly historySize?: number
  /** Keep every result in this JSON-lines file, read it back at start, compact it past `historyMaxBytes`. */
  readonly historyFile?: string | undefined
  readonly historyMaxBytes?: number
  readonly onResult?: (result: CheckResult) => void
  /** Told of every target's condition after each result: sends the alerts. */
  readonly alerter?: Alerter | undefined
  /** Replaces the check (benchmarks and tests of the scheduler). */
  readonly run?: typeof runCheck
  /** Wall-clock milliseconds (uptime windows, "since"); injectable for tests. */
  readonly now?: () => number
}

/** One row of the monitor: the window's summary, plus how long it has been so and its uptime. */
export interface TargetRow extends TargetSummary {
  readonly kind: MonitorTarget['kind']
  readonly service: string
  /** When the target entered its current condition, as this monitor saw it (null before any result). */
  readonly since: string | null
  /** `since`, when the target is down. */
  readonly downSince: string | null
  /** The up share of the last hour, day and week (null: nothing measured in it). */
  readonly uptime: Record<UptimeWindow, number | null>
}

/** A snapshot: every target's row, the scheduler's own figures, the alerts and the history file. */
export interface MonitorSnapshot {
  readonly at: string
  readonly targets: TargetRow[]
  readonly scheduler: SchedulerStats
  readonly alerts: {
    readonly recorded: number
    readonly sent: number
    readonly delivered: number
    readonly failed: number
  }
  readonly history: {
    readonly bytes: number
    readonly compactions: number
    readonly skippedLines: number
  } | null
}

/** The scheduler's timer granularity (`SchedulerOptions.batchMs`): well under any lag bound. */
const TIMER_BATCH_MS = 5
/** Transitions kept per target, and alert events kept in all, when the history is compacted. */
const KEPT_TRANSITIONS = 50
const KEPT_ALERTS = 200
const WEEK_MS = 7 * 86_400_000
/** A restored condition older than this says nothing about now: the target starts `unknown` again. */
const STALE_CONDITION_MS = 15 * 60_000

/**
 * The monitor: a scheduler running every target on time, a window per target, each target's condition and
 * since when, uptime over 1 h / 24 h / 7 d, and the history (a JSON-lines file read back at start and kept
 * bounded by compaction). `once()` runs one sweep of every target and resolves with the rows.
 */
export class Monitor {
  readonly #options: MonitorOptions
  readonly #now: () => number
  readonly #windows = new Map<string, TargetWindow>()
  readonly #targets = new Map<string, MonitorTarget>()
  readonly #conditions = new Map<string, { condition: TargetCondition; since: string }>()
  readonly #transitions: Transition[] = []
  readonly #alerts: AlertEvent[] = []
  readonly #incidents: IncidentEvent[] = []
  readonly #evidence = new EvidenceBook()
  readonly #ledger = new UptimeLedger()
  /** Each service's last startup state seen (from its `startup` or `ready` results). */
  readonly #startupStates = new Map<string, string>()
  readonly #scheduler: Scheduler<MonitorTarget, CheckResult>
  readonly #store: HistoryStore | undefined
  #skippedLines = 0
  /** Set by `once()`: the m a single sweep judges with. */
  #onceFailures: number | undefined

  constructor(options: MonitorOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    for (const target of options.targets) {
      this.#targets.set(target.id, target)
      this.#windows.set(
        target.id,
        new TargetWindow(
          target.id,
          options.failures,
          options.window,
          options.historySize ?? CLI_DEFAULTS.monitor.historySize,
        ),
      )
    }
    this.#scheduler = new Scheduler({
      targets: options.targets,
      concurrency: options.concurrency,
      lagBoundMs: options.lagBoundMs,
      run: options.run ?? runCheck,
      onResult: (_target, result, info) =>
        this.#record(result.trusted === info.trusted ? result : { ...result, trusted: info.trusted }),
      // A few ms of batching: at thousands of checks a second, far fewer timer wake-ups (lateness still counted).
      batchMs: TIMER_BATCH_MS,
    })
    if (options.historyFile !== undefined) {
      this.#store = new HistoryStore(
        options.historyFile,
        options.historyMaxBytes ?? CLI_DEFAULTS.monitor.historyMaxBytes,
      )
      this.#restore()
    }
  }

  start(): void {
    this.#scheduler.start()
  }

  async stop(): Promise<void> {
    await this.#scheduler.stop()
    await this.#options.alerter?.drain()
    this.#store?.close()
  }

  /** One sweep: every target once, at most `concurrency` at a time; a window of one result each. */
  async once(): Promise<MonitorSnapshot> {
    const queue = [...this.#options.targets.entries()]
    const run = this.#options.run ?? runCheck
    const results: CheckResult[] = []
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [index, target] = next
        const startedAtMs = performance.now()
        results[index] = await run(target, {
          lagMs: 0,
          dueAtMs: startedAtMs,
          startedAtMs,
          deadlineMs: target.timeoutMs,
        })
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, queue.length) }, worker))
    // In target order, whatever order they finished in: a service's startup state is known before its
    // infrastructure result is judged. One sweep decides on one result: one failure is down.
    this.#onceFailures = 1
    for (const result of results) this.#record(result)
    const snapshot = this.snapshot(1)
    await this.stop()
    return snapshot
  }

  /** Every target's row now; `failures` overrides the window's m (one sweep decides on one result). */
  snapshot(failures?: number): MonitorSnapshot {
    const nowMs = this.#now()
    const targets = [...this.#windows.values()].map((window): TargetRow => {
      const summary = judged(window.summary(), failures)
      const status = summary.status
      const target = this.#targets.get(window.target)!
      const since = this.#conditions.get(window.target)?.since ?? null
      return {
        ...summary,
        status,
        degraded: status === 'up' && summary.degraded,
        kind: target.kind,
        service: target.group,
        since,
        downSince: status === 'down' ? since : null,
        uptime: this.#ledger.uptimes(window.target, nowMs),
      }
    })
    const counts = this.#options.alerter?.counts
    return {
      at: new Date(nowMs).toISOString(),
      targets,
      scheduler: this.#scheduler.stats(),
      alerts: {
        recorded: counts?.recorded ?? 0,
        sent: counts?.sent ?? 0,
        delivered: counts?.delivered ?? 0,
        failed: counts?.failed ?? 0,
      },
      history: this.#store
        ? { bytes: this.#store.bytes, compactions: this.#store.compactions, skippedLines: this.#skippedLines }
        : null,
    }
  }

  /** The alert events recorded so far (sent or not), oldest first, including those read back from the history. */
  alerts(): readonly AlertEvent[] {
    return this.#alerts
  }

  /** Records an alert event in the history (the alerter's `onEvent`). */
  recordAlert(event: AlertEvent): void {
    this.#alerts.push(event)
    if (this.#alerts.length > KEPT_ALERTS) this.#alerts.shift()
    this.#append(event)
  }

  /** The incident messages sent so far, oldest first, including those read back from the history. */
  incidents(): readonly IncidentEvent[] {
    return this.#incidents
  }

  /** Records an incident message in the history (the alerter's `onIncident`). */
  recordIncident(event: IncidentEvent): void {
    this.#incidents.push(event)
    if (this.#incidents.length > KEPT_ALERTS) this.#incidents.shift()
    this.#append(event)
  }

  /**
   * Diagnose's verdict on what the monitor last saw of every target (`diagnosisInputOf` → the model), for an
   * incident of `targets` (the alerter's `verdict`).
   */
  incidentVerdict(targets: readonly IncidentTarget[]): IncidentVerdict {
    const at = new Date(this.#now()).toISOString()
    return incidentVerdictOf(diagnosisInputOf(this.#options.targets, this.#evidence, at), targets)
  }

  #record(checked: CheckResult): void {
    // The raw evidence stays in memory for the verdict; the result is kept, printed and written without it.
    const { evidence, ...measured } = checked
    if (evidence !== undefined) this.#evidence.record(measured.target, evidence)
    const window = this.#windows.get(measured.target)
    const target = this.#targets.get(measured.target)
    if (!window || !target) return
    if (measured.startupState !== undefined) this.#startupStates.set(target.group, measured.startupState)
    // Dependencies are not connected yet while a service starts: its infrastructure failing then is not down.
    const result: CheckResult =
      target.endpoint === 'infrastructure' &&
      measured.state === 'fail' &&
      this.#startupStates.get(target.group) === 'starting'
        ? { ...measured, state: 'starting' }
        : measured
    window.add(result)
    const failures = this.#onceFailures
    const condition = conditionOf(window.status(failures))
    const previous = this.#conditions.get(result.target)
    if (previous?.condition !== condition) {
      this.#conditions.set(result.target, { condition, since: result.at })
      const transition: Transition = {
        kind: 'transition',
        target: result.target,
        at: result.at,
        from: previous?.condition ?? 'unknown',
        to: condition,
      }
      this.#transitions.push(transition)
      this.#append(transition)
    }
    if (result.trusted && condition !== 'starting' && condition !== 'unknown')
      this.#ledger.record(result.target, Date.parse(result.at), condition === 'down' ? 'down' : 'up')
    if (this.#store) this.#append(result.trusted ? { ...result, status: condition } : result)
    // The full summary (percentiles, uptime) only when the alerter reads it: on a change, not every result.
    this.#options.alerter?.observe({
      target: result.target,
      service: target.group,
      get summary() {
        return judged(window.summary(), failures)
      },
      condition,
      since: this.#conditions.get(result.target)!.since,
      size: this.#options.window,
      threshold: this.#options.failures,
    })
    this.#options.onResult?.(result)
  }

  #append(line: HistoryLine): void {
    if (this.#store?.append(line)) this.#compact()
  }

  /** Reads the history back: windows, conditions, uptime, transitions and the alerts already sent. */
  #restore(): void {
    const { lines, skipped } = this.#store!.load()
    this.#skippedLines = skipped
    for (const line of lines) {
      if (line.kind === 'uptime') this.#ledger.restore(line)
      else if (line.kind === 'transition') this.#transitions.push(line)
      else if (line.kind === 'alert') this.#alerts.push(line)
      else if (line.kind === 'incident') this.#incidents.push(line)
      else {
        const { kind, status, ...result } = line as CheckResult & { kind?: string; status?: TargetCondition }
        this.#windows.get(line.target)?.add(result)
        // A plain result line is counted here; a `recent` one already is, in an uptime bucket.
        if (
          kind === undefined &&
          result.trusted &&
          status !== undefined &&
          status !== 'starting' &&
          status !== 'unknown'
        )
          this.#ledger.record(result.target, Date.parse(result.at), status === 'down' ? 'down' : 'up')
      }
    }
    const nowMs = this.#now()
    for (const [id, window] of this.#windows) {
      const last = window.summary().last
      if (!last || nowMs - Date.parse(last.at) > STALE_CONDITION_MS) continue
      const condition = conditionOf(window.summary())
      const entered = this.#transitions.findLast((t) => t.target === id && t.to === condition)
      this.#conditions.set(id, { condition, since: entered?.at ?? last.at })
    }
    const told = new Map<string, AlertEvent>()
    for (const event of this.#alerts) if (event.disposition === 'sent') told.set(event.target, event)
    for (const event of told.values()) this.#options.alerter?.restore(event.target, event.to)
    const lastIncident = this.#incidents.at(-1)
    if (lastIncident) this.#options.alerter?.restoreIncident(lastIncident)
    this.#alerts.splice(0, Math.max(0, this.#alerts.length - KEPT_ALERTS))
    this.#incidents.splice(0, Math.max(0, this.#incidents.length - KEPT_ALERTS))
    this.#compact()
  }

  /** Rewrites the history as uptime buckets, recent transitions and alerts, and each window's results. */
  #compact(): void {
    const nowMs = this.#now()
    this.#ledger.compact(nowMs)
    const recent = (at: string) => Date.parse(at) > nowMs - WEEK_MS
    const transitions = new Map<string, Transition[]>()
    for (const t of this.#transitions.filter((t) => recent(t.at))) {
      const kept = transitions.get(t.target) ?? []
      kept.push(t)
      if (kept.length > KEPT_TRANSITIONS) kept.shift()
      transitions.set(t.target, kept)
    }
    this.#transitions.splice(0, this.#transitions.length, ...[...transitions.values()].flat())
    this.#transitions.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    const alerts = this.#alerts.filter((event) => recent(event.at))
    this.#alerts.splice(0, this.#alerts.length, ...alerts)
    // The last message of an incident still open is kept however old: the next message carries its id.
    const incidents = this.#incidents.filter(
      (event, i) => recent(event.at) || (i === this.#incidents.length - 1 && event.status !== 'resolved'),
    )
    this.#incidents.splice(0, this.#incidents.length, ...incidents)
    this.#store!.rewrite([
      ...this.#ledger.buckets().map((bucket): HistoryLine => ({ kind: 'uptime', ...bucket })),
      ...this.#transitions,
      ...alerts,
      ...incidents,
      ...[...this.#windows.values()].flatMap((window) =>
        window.results().map((result): HistoryLine => ({ ...result, kind: 'recent' })),
      ),
    ])
  }
}

/** A summary judged with another m (a single sweep has one result: one failure is down). */
function judged(summary: TargetSummary, failures: number | undefined): TargetSummary {
  if (failures === undefined || summary.status !== 'up' || summary.windowFailures < failures) return summary
  return { ...summary, status: 'down', degraded: false }
}
