import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import type { AlertEvent } from './alert-event.js'
import type { CheckResult, TargetCondition } from './check-result.js'
import type { IncidentEvent } from './incident.js'
import type { UptimeBucket } from './uptime-ledger.js'

/** A target's condition changed: what it was, what it became, when. */
export interface Transition {
  readonly kind: 'transition'
  readonly target: string
  readonly at: string
  readonly from: TargetCondition
  readonly to: TargetCondition
}

/**
 * The lines of the history file (JSON lines). A plain result line (as `--json` prints it, plus the `status` it
 * left the target in) counts towards uptime and restores the target's window; `recent` lines restore the window
 * only (their uptime is already in an `uptime` bucket); `transition`, `alert` (a target's change) and `incident`
 * (a message sent to the receivers) lines are what they say.
 */
export type HistoryLine =
  | (CheckResult & { readonly kind?: undefined; readonly status?: TargetCondition })
  | (CheckResult & { readonly kind: 'recent' })
  | ({ readonly kind: 'uptime' } & UptimeBucket)
  | Transition
  | AlertEvent
  | IncidentEvent

/** What was read back at start. */
export interface HistoryContents {
  readonly lines: HistoryLine[]
  /** Lines that were not JSON (a line cut short by a crash): skipped, and gone after the next compaction. */
  readonly skipped: number
}

/**
 * The `--history` file: appended line by line (synchronously, so a crash loses at most the line being
 * written), read back at start, and rewritten compacted — atomically, through a temporary file and a rename —
 * at start and whenever it grows past `maxBytes`, so it stays bounded however long the monitor runs.
 */
export class HistoryStore {
  readonly #file: string
  readonly maxBytes: number
  #fd: number | undefined
  #bytes = 0
  /** Compactions done, at start included. */
  compactions = 0

  constructor(file: string, maxBytes: number) {
    this.#file = file
    this.maxBytes = maxBytes
  }

  load(): HistoryContents {
    if (!existsSync(this.#file)) return { lines: [], skipped: 0 }
    const lines: HistoryLine[] = []
    let skipped = 0
    for (const text of readFileSync(this.#file, 'utf8').split('\n')) {
      if (text.trim() === '') continue
      try {
        const line = JSON.parse(text) as HistoryLine
        if (typeof line !== 'object' || line === null) skipped++
        else if (line.kind === 'incident' ? typeof line.id === 'string' : typeof line.target === 'string')
          lines.push(line)
        else skipped++
      } catch {
        skipped++
      }
    }
    return { lines, skipped }
  }

  /** Appends one line; true when the file has grown past `maxBytes` and should be compacted. */
  append(line: HistoryLine): boolean {
    this.#fd ??= this.#open()
    const text = `${JSON.stringify(line)}\n`
    this.#bytes += writeSync(this.#fd, text)
    return this.#bytes > this.maxBytes
  }

  /** Replaces the whole file with `lines`, atomically. */
  rewrite(lines: readonly HistoryLine[]): void {
    this.close()
    const temporary = `${this.#file}.${process.pid}.tmp`
    writeFileSync(temporary, lines.map((line) => `${JSON.stringify(line)}\n`).join(''))
    renameSync(temporary, this.#file)
    this.compactions++
    this.#fd = this.#open()
  }

  get bytes(): number {
    return this.#bytes
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
    this.#fd = undefined
  }

  #open(): number {
    const fd = openSync(this.#file, 'a')
    this.#bytes = statSync(this.#file).size
    return fd
  }
}
