import { ProbeError, timeoutClassFor } from './errors.js'
import type { ProbePhase } from './phases.js'

/**
 * One probe's deadline: a timer plus the caller's signal, merged into one internal signal.
 * `guard` races a phase's work against it and runs the phase's cleanup (destroy the socket) the
 * moment it fires. `dispose` clears the timer and detaches from the caller's signal.
 */
export class Deadline {
  readonly #controller = new AbortController()
  readonly #timer: NodeJS.Timeout
  readonly #external: AbortSignal | undefined
  readonly #timeoutMs: number
  readonly #onExternalAbort = (): void => this.#controller.abort('aborted')

  constructor(timeoutMs: number, signal?: AbortSignal) {
    this.#timeoutMs = timeoutMs
    this.#timer = setTimeout(() => this.#controller.abort('timeout'), timeoutMs)
    this.#external = signal
    if (signal?.aborted) this.#onExternalAbort()
    else signal?.addEventListener('abort', this.#onExternalAbort, { once: true })
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted
  }

  /** The classified error for a deadline that fired during `phase`. */
  errorFor(phase: ProbePhase): ProbeError {
    const byCaller = this.#controller.signal.reason === 'aborted'
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
    const signal = this.#controller.signal
    if (signal.aborted) {
      onAbort()
      work.catch(() => undefined)
      return Promise.reject(this.errorFor(phase()))
    }
    return new Promise<T>((resolve, reject) => {
      const abort = (): void => {
        onAbort()
        reject(this.errorFor(phase()))
      }
      signal.addEventListener('abort', abort, { once: true })
      work.then(
        (value) => {
          signal.removeEventListener('abort', abort)
          resolve(value)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abort)
          reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  dispose(): void {
    clearTimeout(this.#timer)
    this.#external?.removeEventListener('abort', this.#onExternalAbort)
  }
}
