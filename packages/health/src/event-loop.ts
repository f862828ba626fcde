import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Event-loop lag, sampled in the background; `/health/live` reads it and never touches a dependency. */
export interface EventLoopMonitor {
  /** p99 delay of the last completed sample window, in ms (0 before the first window ends). */
  readonly lagMs: number
  /** Largest delay of the last completed window, in ms. */
  readonly maxLagMs: number
  close(): void
}

/**
 * Uses `perf_hooks.monitorEventLoopDelay`; every `sampleMs` it keeps the window's p99 and max and starts a new
 * window. The timers are unref'd: monitoring never keeps a process alive.
 */
export function createEventLoopMonitor(
  options: { sampleMs?: number; resolutionMs?: number } = {},
): EventLoopMonitor {
  const resolutionMs = options.resolutionMs ?? 10
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  let lagMs = 0
  let maxLagMs = 0
  // The histogram measures the whole timer period; the lag is what exceeds the sampling resolution.
  const lagOf = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - resolutionMs)
  const timer = setInterval(() => {
    if (histogram.count > 0) {
      lagMs = lagOf(histogram.percentile(99))
      maxLagMs = lagOf(histogram.max)
    }
    histogram.reset()
  }, options.sampleMs ?? 1_000)
  timer.unref()
  return {
    get lagMs() {
      return lagMs
    },
    get maxLagMs() {
      return maxLagMs
    },
    close() {
      clearInterval(timer)
      histogram.disable()
    },
  }
}
