import type { Paint } from '../style.js'
import type { StartupProgress } from './child-service.js'

const STATE_COLOUR = {
  completed: 'green',
  running: 'yellow',
  failed: 'red',
  pending: 'gray',
  skipped: 'gray',
} as const

/**
 * The live view of every service's startup: one status line (`auth ● started · backend ◐ database 2/7`) kept at
 * the bottom of a terminal while logs scroll above it, and the phase transitions as log lines everywhere.
 */
export class PhaseView {
  readonly #progress = new Map<string, StartupProgress>()
  readonly #write: (text: string) => void
  readonly #paint: Paint
  readonly #live: boolean
  #statusShown = false

  constructor(write: (text: string) => void, paint: Paint, live: boolean) {
    this.#write = write
    this.#paint = paint
    this.#live = live
  }

  /** Prints a line above the status line. */
  line(text: string): void {
    this.#clearStatus()
    this.#write(`${text}\n`)
    this.#drawStatus()
  }

  /** Records a service's progress; prints each phase that changed state. */
  update(progress: StartupProgress, announce: (text: string) => void): void {
    const before = this.#progress.get(progress.service)
    this.#progress.set(progress.service, progress)
    for (const phase of progress.phases) {
      const old = before?.phases.find((p) => p.name === phase.name)
      if (old?.state === phase.state || phase.state === 'pending') continue
      const duration =
        phase.durationMs !== null && phase.state !== 'running' ? ` in ${phase.durationMs} ms` : ''
      const colour = STATE_COLOUR[phase.state as keyof typeof STATE_COLOUR] ?? 'gray'
      announce(`phase ${phase.name} ${this.#paint(colour, phase.state)}${duration}`)
    }
    this.#clearStatus()
    this.#drawStatus()
  }

  /** The summary table after startup: per service, each phase with its duration. */
  summary(): string {
    return [...this.#progress.values()]
      .map(
        (p) =>
          `  ${p.service.padEnd(9)} ${p.phases.map((ph) => `${ph.name} ${ph.durationMs ?? '–'} ms`).join(' → ')}`,
      )
      .join('\n')
  }

  /** Removes the status line for good (at the end). */
  close(): void {
    this.#clearStatus()
  }

  status(): string {
    return [...this.#progress.values()]
      .map((p) => {
        const done = p.phases.filter((ph) => ph.state === 'completed').length
        const mark =
          p.state === 'started'
            ? this.#paint('green', '●')
            : p.state === 'failed'
              ? this.#paint('red', '✗')
              : this.#paint('yellow', '◐')
        return `${mark} ${p.service} ${p.state === 'starting' ? `${p.phase ?? '…'} ${done}/${p.phases.length}` : p.state}`
      })
      .join('   ')
  }

  #drawStatus(): void {
    if (!this.#live || this.#progress.size === 0) return
    this.#write(this.#paint('bold', this.status()))
    this.#statusShown = true
  }

  #clearStatus(): void {
    if (!this.#statusShown) return
    this.#write('\r\x1b[2K')
    this.#statusShown = false
  }
}
