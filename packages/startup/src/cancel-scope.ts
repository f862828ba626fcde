import { StartupError } from './errors.js'

type Waiter = (reason: Error) => void

/**
 * A cancellation scope: it aborts when its parent does, when its own timer fires, or when told to, and its
 * `signal` (a real `AbortSignal`, made on first use) aborts with it. Scopes form a tree — startup, phase,
 * component deadline, attempt — linked by a Set entry rather than an `EventTarget` listener, so an attempt costs
 * one scope, one timer and the controller behind the signal its `start` is given: `addEventListener` on
 * Node's `AbortSignal` and the weak references of `AbortSignal.any()` were most of the engine's cost per
 * component (see bench/startup-overhead).
 */
export class CancelScope {
  #parent: CancelScope | undefined
  #children: Set<CancelScope> | undefined
  #controller: AbortController | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Who waits on the abort (a race, a sleep): one slot, since a scope rarely has more than one at a time. */
  #waiter: Waiter | undefined
  #moreWaiters: Set<Waiter> | undefined
  #reason: Error | undefined

  /**
   * @param parent aborts this scope when it aborts (an already aborted parent aborts it at once).
   * @param timeoutMs aborts this scope with `timeoutReason()` after this long; omit or Infinity for none.
   */
  constructor(parent?: CancelScope, timeoutMs?: number, timeoutReason?: () => Error) {
    if (parent) {
      if (parent.#reason) {
        this.#reason = parent.#reason
        return
      }
      this.#parent = parent
      ;(parent.#children ??= new Set()).add(this)
    }
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs))
      this.#timer = setTimeout(() => this.abort(timeoutReason?.() ?? timedOut(timeoutMs)), timeoutMs)
  }

  get aborted(): boolean {
    return this.#reason !== undefined
  }

  /** Why it aborted; undefined while it has not. */
  get reason(): Error | undefined {
    return this.#reason
  }

  /** An `AbortSignal` that aborts with this scope (with the same reason). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#reason) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** Aborts this scope and every scope below it, once; later calls do nothing. */
  abort(reason: unknown): void {
    if (this.#reason) return
    const error =
      reason instanceof Error ? reason : new StartupError('STARTUP_ERR_ABORTED', `aborted: ${String(reason)}`)
    this.#reason = error
    this.#unlink()
    this.#controller?.abort(error)
    const waiter = this.#waiter
    const more = this.#moreWaiters
    this.#waiter = undefined
    this.#moreWaiters = undefined
    waiter?.(error)
    if (more) for (const other of more) other(error)
    if (this.#children) for (const child of this.#children) child.abort(error)
    this.#children = undefined
  }

  /** Ends the scope without aborting it: clears the timer and the link to the parent. Idempotent. */
  dispose(): void {
    this.#unlink()
  }

  /**
   * `work`'s value, or a rejection with this scope's reason as soon as it aborts, whichever comes first. A value
   * that is not a promise is returned as it is (no microtask).
   */
  race<T>(work: T | PromiseLike<T>): T | Promise<T> {
    if (this.#reason) return Promise.reject(this.#reason)
    if (!isThenable(work)) return work
    return new Promise<T>((resolve, reject) => {
      this.#wait(reject)
      work.then(
        (value) => {
          this.#unwait(reject)
          resolve(value)
        },
        (error: unknown) => {
          this.#unwait(reject)
          reject(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  /** Resolves after `ms`, or rejects with the reason as soon as the scope aborts. The timer never outlives it. */
  sleep(ms: number): Promise<void> {
    if (this.#reason) return Promise.reject(this.#reason)
    return new Promise<void>((resolve, reject) => {
      const onAbort: Waiter = (reason) => {
        clearTimeout(timer)
        reject(reason)
      }
      const timer = setTimeout(() => {
        this.#unwait(onAbort)
        resolve()
      }, ms)
      this.#wait(onAbort)
    })
  }

  #wait(waiter: Waiter): void {
    if (this.#waiter === undefined) this.#waiter = waiter
    else (this.#moreWaiters ??= new Set()).add(waiter)
  }

  #unwait(waiter: Waiter): void {
    if (this.#waiter === waiter) this.#waiter = undefined
    else this.#moreWaiters?.delete(waiter)
  }

  #unlink(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const parent = this.#parent
    if (parent) parent.#children?.delete(this)
    this.#parent = undefined
  }
}

const timedOut = (ms: number) => new StartupError('STARTUP_ERR_ABORTED', `timed out after ${ms} ms`)

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
