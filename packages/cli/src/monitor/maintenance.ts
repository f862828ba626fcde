import { Cron } from 'croner'
import type { MaintenanceWindow } from '../config/alert-schema.js'

/** The window a target is in at a moment: why, and until when. */
export interface ActiveMaintenance {
  readonly reason: string
  readonly startedAt: string
  readonly endsAt: string
}

interface Compiled {
  readonly window: MaintenanceWindow
  readonly cron?: Cron
  readonly durationMs?: number
}

/**
 * The maintenance windows of `tarmac.yaml`, compiled once: one-off `{ start, end }` (end excluded) and recurring
 * `{ cron, durationMinutes, timezone? }` (each match of the pattern opens a window that long). A window with
 * `targets` applies to those target ids or services only.
 */
export class MaintenanceCalendar {
  readonly #windows: Compiled[]

  constructor(windows: readonly MaintenanceWindow[]) {
    this.#windows = windows.map((window) =>
      'cron' in window
        ? {
            window,
            cron: new Cron(window.cron, { paused: true, timezone: window.timezone ?? 'UTC' }),
            durationMs: window.durationMinutes * 60_000,
          }
        : { window },
    )
  }

  get size(): number {
    return this.#windows.length
  }

  /** The window `target` (of service `group`) is in at `atMs`, or null. */
  activeFor(target: string, group: string, atMs: number): ActiveMaintenance | null {
    for (const { window, cron, durationMs } of this.#windows) {
      if (window.targets && !window.targets.includes(target) && !window.targets.includes(group)) continue
      let startMs: number
      let endMs: number
      if (cron && durationMs !== undefined) {
        // The first match after (now − duration), if it is not in the future, opened a window still running.
        const run = cron.nextRun(new Date(atMs - durationMs))
        if (!run || run.getTime() > atMs) continue
        startMs = run.getTime()
        endMs = startMs + durationMs
      } else if ('start' in window) {
        startMs = Date.parse(window.start)
        endMs = Date.parse(window.end)
        if (atMs < startMs || atMs >= endMs) continue
      } else continue
      return {
        reason: window.reason ?? ('cron' in window ? `recurring ${window.cron}` : 'maintenance'),
        startedAt: new Date(startMs).toISOString(),
        endsAt: new Date(endMs).toISOString(),
      }
    }
    return null
  }
}
