import { ProbeError, timeoutClassFor } from './errors.js'
import type { ProbePhase } from './phases.js'

/**
 * One probe's deadline: a timer plus the caller's signal. `guard` races a phase's work against it and runs the
 * phase's cleanup (destroy the socket) the moment it fires. `dispose` clears the timer and detaches from the
 * caller's signal. Plain callbacks, not an internal AbortController: `tarmac monitor` makes thousands a second,
 * and an AbortSignal with its listeners cost more than the rest of the deadline.
 */
export class Deadline {
  readonly #timer: NodeJS.Timeout
  readonly #external: AbortSignal | undefined
  readonly #timeoutMs: number
  /** Why it fired; undefined while it has not. */
  #reason: 'timeout' | 'aborted' | undefined
  /** The guards waiting on it: each aborts its phase's work. */
  readonly #guards = new Set<() => void>()
  readonly #onExternalAbort = (): void => this.#fire('aborted')

  constructor(timeoutMs: number, signal?: AbortSignal) {
    this.#timeoutMs = timeoutMs
    this.#timer = setTimeout(() => this.#fire('timeout'), timeoutMs)
    this.#external = signal
    if (signal?.aborted) this.#fire('aborted')
    else signal?.addEventListener('abort', this.#onExternalAbort, { once: true })
  }

  get aborted(): boolean {
    return this.#reason !== undefined
  }

  /** The classified error for a deadline that fired during `phase`. */
  errorFor(phase: ProbePhase): ProbeError {
    const byCaller = this.#reason === 'aborted'
    const cause = Object.assign(new Error(byCaller ? 'aborted by the caller' : 'deadline expired'), {
      code: byCaller ? 'ABORT_ERR' : 'ETIMEDOUT',
      cause: byCaller ? (this.#external?.reason as unknown) : undefined,
    })
    const message = byCaller
      ? `${phase} aborted by the caller`
      : `${phase} did not complete within the ${this.#timeoutMs} ms deadline`
    return new ProbeError(timeoutClassFor(phase), message, { phase, cause })
  }

  /**
   * Resolves or rejects with `work`, unless the deadline fires first: then `onAbort` runs at once
   * (it must release what `work` holds) and the promise rejects with `errorFor(phase())`.
   */
  guard<T>(work: Promise<T>, phase: () => ProbePhase, onAbort: () => void): Promise<T> {
    if (this.#reason !== undefined) {
      onAbort()
      work.catch(() => undefined)
      return Promise.reject(this.errorFor(phase()))
    }
    return new Promise<T>((resolve, reject) => {
      const abort = (): void => {
        onAbort()
        reject(this.errorFor(phase()))
      }
      this.#guards.add(abort)
      work.then(
        (value) => {
          this.#guards.delete(abort)
          resolve(value)
        },
        (error: unknown) => {
          this.#guards.delete(abort)
          reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  dispose(): void {
    clearTimeout(this.#timer)
    this.#external?.removeEventListener('abort', this.#onExternalAbort)
  }

  #fire(reason: 'timeout' | 'aborted'): void {
    if (this.#reason !== undefined) return
    this.#reason = reason
    clearTimeout(this.#timer)
    const guards = [...this.#guards]
    this.#guards.clear()
    for (const abort of guards) abort()
  }
}
