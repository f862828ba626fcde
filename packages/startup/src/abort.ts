import { StartupError } from './errors.js'

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. The timer never outlives the call. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReasonOf(signal))
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortReasonOf(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * A signal that aborts when `parent` does, or after `ms` with `reason()`; `dispose()` clears the timer and the
 * link so a finished attempt leaves nothing behind. One controller and one listener instead of
 * AbortSignal.any() + AbortSignal.timeout(): cheaper (no weak refs to collect), and fake timers drive it.
 */
export function deadlineSignal(
  parent: AbortSignal | undefined,
  ms: number,
  reason: () => unknown,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onParentAbort = () => controller.abort(parent?.reason)
  if (parent?.aborted) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  const timer = Number.isFinite(ms) ? setTimeout(() => controller.abort(reason()), ms) : undefined
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    },
  }
}

/** Resolves or rejects with `work`, or rejects with the signal's reason if it aborts first. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReasonOf(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReasonOf(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}

export function abortReasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  return new StartupError('STARTUP_ERR_ABORTED', `aborted: ${String(reason)}`)
}
