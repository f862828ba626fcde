import { createWriteStream, type WriteStream } from 'node:fs'
import { CLI_DEFAULTS } from '../options.js'
import type { CheckResult } from './check-result.js'
import type { MonitorTarget } from './monitor-targets.js'
import { runCheck } from './run-check.js'
import { Scheduler, type SchedulerStats } from './scheduler.js'
import { TargetWindow, type TargetSummary } from './target-window.js'

export interface MonitorOptions {
  readonly targets: readonly MonitorTarget[]
  readonly concurrency: number
  readonly failures: number
  readonly window: number
  readonly lagBoundMs: number
  readonly historySize?: number
  /** Append every result to this file as one JSON line. */
  readonly historyFile?: string | undefined
  readonly onResult?: (result: CheckResult) => void
  /** Replaces the check (benchmarks and tests of the scheduler). */
  readonly run?: typeof runCheck
}

/** A snapshot: every target's summary, the scheduler's own figures, and the latest startup phase per service. */
export interface MonitorSnapshot {
  readonly at: string
  readonly targets: TargetSummary[]
  readonly scheduler: SchedulerStats
}

/**
 * The monitor: a scheduler running every target on time, a window per target, and the history (in memory,
 * optionally appended as JSONL). `once()` runs one sweep of every target and resolves with the summaries.
 */
export class Monitor {
  readonly #options: MonitorOptions
  readonly #windows = new Map<string, TargetWindow>()
  readonly #scheduler: Scheduler<MonitorTarget, CheckResult>
  #history: WriteStream | undefined

  constructor(options: MonitorOptions) {
    this.#options = options
    for (const target of options.targets) {
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
      onResult: (_target, result, info) => this.#record({ ...result, trusted: info.trusted }),
    })
  }

  start(): void {
    if (this.#options.historyFile !== undefined)
      this.#history ??= createWriteStream(this.#options.historyFile, { flags: 'a' })
    this.#scheduler.start()
  }

  async stop(): Promise<void> {
    await this.#scheduler.stop()
    const history = this.#history
    this.#history = undefined
    if (history) await new Promise<void>((resolve) => history.end(resolve))
  }

  /** One sweep: every target once, at most `concurrency` at a time; a window of one result each. */
  async once(): Promise<MonitorSnapshot> {
    if (this.#options.historyFile !== undefined)
      this.#history ??= createWriteStream(this.#options.historyFile, { flags: 'a' })
    const queue = [...this.#options.targets]
    const run = this.#options.run ?? runCheck
    const worker = async () => {
      for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
        const startedAtMs = performance.now()
        const result = await run(target, {
          lagMs: 0,
          dueAtMs: startedAtMs,
          startedAtMs,
          deadlineMs: target.timeoutMs,
        })
        this.#record(result)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, queue.length) }, worker))
    const snapshot = this.snapshot(1)
    await this.stop()
    return snapshot
  }

  /** Every target's summary now; `failures` overrides the window's m (one sweep decides on one result). */
  snapshot(failures?: number): MonitorSnapshot {
    const targets = [...this.#windows.values()].map((window) =>
      failures === undefined ? window.summary() : new TargetWindowView(window, failures).summary(),
    )
    return { at: new Date().toISOString(), targets, scheduler: this.#scheduler.stats() }
  }

  #record(result: CheckResult): void {
    this.#windows.get(result.target)?.add(result)
    this.#history?.write(`${JSON.stringify(result)}\n`)
    this.#options.onResult?.(result)
  }
}

/** A window judged with another m (a single sweep has one result: one failure is down). */
class TargetWindowView {
  constructor(
    readonly window: TargetWindow,
    readonly failures: number,
  ) {}
  summary(): TargetSummary {
    const summary = this.window.summary()
    if (summary.status === 'up' && summary.windowFailures >= this.failures)
      return { ...summary, status: 'down' }
    return summary
  }
}
