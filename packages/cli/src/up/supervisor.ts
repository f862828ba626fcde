import { pause } from '../command-io.js'
import type { ChildExit, RunningService } from './running-service.js'
import type { RestartPolicy } from './restart-policy.js'

/** What a supervisor reports, in order: a child ended, when it will be started again, how that went. */
export type SupervisorEvent =
  | {
      readonly type: 'exited'
      readonly name: string
      readonly pid: number | undefined
      readonly exit: ChildExit
    }
  | {
      readonly type: 'restarting'
      readonly name: string
      readonly delayMs: number
      /** Crashes within the policy's window, this one included. */
      readonly crashesInWindow: number
    }
  | {
      readonly type: 'restarted'
      readonly name: string
      readonly pid: number | undefined
      readonly restarts: number
      readonly tookMs: number
    }
  | { readonly type: 'restart-failed'; readonly name: string; readonly error: unknown }

export interface SupervisorOptions {
  readonly name: string
  /** Starts the service; resolves once it is ready, rejects if it exits first or the signal fires (killing it). */
  readonly launch: (signal: AbortSignal) => Promise<RunningService>
  /** Stops a running child (SIGTERM, then SIGKILL after a timeout); resolves once it has exited. */
  readonly stopChild: (running: RunningService) => Promise<void>
  /** Restart a child that exits on its own; false: report the exit through `ended` and leave it down. */
  readonly restart: boolean
  readonly policy: RestartPolicy
  readonly onEvent: (event: SupervisorEvent) => void
  /** Milliseconds now; a fake clock in tests. */
  readonly nowMs?: () => number
}

/**
 * Keeps one service running: after its first start, a child that exits on its own (a crash, `kill -9`) is
 * reported as it ended (its code, or the signal's name) and started again after the policy's backoff — the
 * other services stay up. A restart that fails counts as another crash. `stop()` cancels a pending restart
 * and stops the child. With `restart: false`, the first exit resolves `ended` instead (fail-together).
 */
export class Supervisor {
  readonly name: string
  /** Resolves with the first exit when restarts are off; never resolves while they are on. */
  readonly ended: Promise<ChildExit>
  readonly #options: SupervisorOptions
  readonly #stopping = new AbortController()
  readonly #now: () => number
  #endedWith!: (exit: ChildExit) => void
  #current: RunningService | undefined
  #restarts = 0
  #restarting: Promise<void> | undefined

  constructor(options: SupervisorOptions) {
    this.name = options.name
    this.#options = options
    this.#now = options.nowMs ?? Date.now
    this.ended = new Promise((resolve) => (this.#endedWith = resolve))
  }

  /** The child running now (undefined while a restart is pending). */
  get current(): RunningService | undefined {
    return this.#current
  }

  /** How many times the service has been started again. */
  get restarts(): number {
    return this.#restarts
  }

  /** The first start: rejects as `launch` does (a service that cannot start fails `tarmac up`). */
  async start(signal: AbortSignal): Promise<void> {
    this.#watch(await this.#options.launch(AbortSignal.any([signal, this.#stopping.signal])))
  }

  /** Cancels a pending restart and stops the child. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping.abort()
    await this.#restarting
    const running = this.#current
    this.#current = undefined
    if (running) await this.#options.stopChild(running)
  }

  #watch(running: RunningService): void {
    this.#current = running
    void running.exited.then((exit) => {
      if (this.#stopping.signal.aborted || this.#current !== running) return
      this.#current = undefined
      this.#options.onEvent({ type: 'exited', name: this.name, pid: running.child.pid, exit })
      if (!this.#options.restart) this.#endedWith(exit)
      else this.#restarting = this.#restart()
    })
  }

  async #restart(): Promise<void> {
    const stopping = this.#stopping.signal
    for (;;) {
      const { delayMs, crashesInWindow } = this.#options.policy.crashed(this.#now())
      this.#options.onEvent({ type: 'restarting', name: this.name, delayMs, crashesInWindow })
      await pause(delayMs, stopping)
      if (stopping.aborted) return
      const startedMs = this.#now()
      try {
        const running = await this.#options.launch(stopping)
        if (stopping.aborted) return void (await this.#options.stopChild(running))
        this.#restarts++
        this.#options.onEvent({
          type: 'restarted',
          name: this.name,
          pid: running.child.pid,
          restarts: this.#restarts,
          tookMs: this.#now() - startedMs,
        })
        this.#watch(running)
        return
      } catch (error) {
        if (stopping.aborted) return
        this.#options.onEvent({ type: 'restart-failed', name: this.name, error })
      }
    }
  }
}
