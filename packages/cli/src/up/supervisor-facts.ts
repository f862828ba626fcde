import { readFileSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { SupervisorEvent } from './supervisor.js'

/**
 * What `tarmac up` knows that nobody else does: which of its children exited, how (a code, or the signal that
 * killed it), when, and how often they were started again. It keeps them in a small JSON file under its data
 * directory, rewritten atomically (a temporary file, then a rename) on every change, so `tarmac diagnose` on the
 * same machine can read the supervisor's facts instead of saying "a crashed process and a broken network look
 * the same from here". Removed when `up` stops.
 */

/** Where `tarmac up` keeps its facts, under the checkout (beside the embedded database's data). */
export const SUPERVISOR_FACTS_FILE = '.tarmac/up-facts.json'

/** The most exits kept per service (the newest). */
const MAX_EXITS = 20

export interface SupervisedExit {
  readonly at: string
  readonly pid: number | null
  readonly code: number | null
  readonly signal: string | null
}

export interface SupervisedService {
  readonly url: string
  /** The running child's pid; null while it is down. */
  readonly pid: number | null
  readonly restarts: number
  /** Newest last. */
  readonly exits: readonly SupervisedExit[]
  /** The last restart that failed (its message), if the service is down because of it. */
  readonly restartFailed: string | null
}

/** The file's content. */
export interface SupervisorFacts {
  readonly version: 1
  /** The `tarmac up` process that wrote it: facts of an `up` that is gone are history. */
  readonly upPid: number
  readonly writtenAt: string
  readonly services: Readonly<Record<string, SupervisedService>>
}

/** Keeps the facts and writes them, one write at a time, each atomic. */
export class SupervisorFactsWriter {
  readonly #path: string
  readonly #services = new Map<string, SupervisedService>()
  #writing: Promise<void> = Promise.resolve()

  constructor(path: string) {
    this.#path = path
  }

  /** A service is running (its first start). */
  started(name: string, url: string, pid: number | undefined): Promise<void> {
    this.#services.set(name, { url, pid: pid ?? null, restarts: 0, exits: [], restartFailed: null })
    return this.#write()
  }

  /** Records a supervisor event and writes the file. */
  record(event: SupervisorEvent, now = new Date()): Promise<void> {
    const service = this.#services.get(event.name)
    if (!service) return this.#writing
    if (event.type === 'exited')
      this.#services.set(event.name, {
        ...service,
        pid: null,
        exits: [
          ...service.exits,
          {
            at: now.toISOString(),
            pid: event.pid ?? null,
            code: event.exit.code,
            signal: event.exit.signal,
          },
        ].slice(-MAX_EXITS),
      })
    else if (event.type === 'restarted')
      this.#services.set(event.name, {
        ...service,
        pid: event.pid ?? null,
        restarts: event.restarts,
        restartFailed: null,
      })
    else if (event.type === 'restart-failed')
      this.#services.set(event.name, {
        ...service,
        restartFailed: event.error instanceof Error ? event.error.message : String(event.error),
      })
    else return this.#writing
    return this.#write()
  }

  /** Removes the file (when `up` stops). */
  async remove(): Promise<void> {
    await this.#writing.catch(() => undefined)
    await rm(this.#path, { force: true }).catch(() => undefined)
  }

  #write(): Promise<void> {
    const facts: SupervisorFacts = {
      version: 1,
      upPid: process.pid,
      writtenAt: new Date().toISOString(),
      services: Object.fromEntries(this.#services),
    }
    const temporary = `${this.#path}.${process.pid}.tmp`
    // One failed write (a full disk) must not stop the next ones: chain on its settling, not its success.
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.#path), { recursive: true })
        await writeFile(temporary, `${JSON.stringify(facts, null, 2)}\n`)
        // A reader sees the old file or the new one, never half of one.
        await rename(temporary, this.#path)
      })
    return this.#writing.catch(() => undefined)
  }
}

/** Whether a process is alive (signal 0: no signal sent, only the check). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Reads the facts file: the facts and whether the `up` that wrote them still runs; null when there is no file;
 * `{ unreadable }` when it cannot be parsed.
 */
export function readSupervisorFacts(
  path: string,
): { readonly facts: SupervisorFacts; readonly upRunning: boolean } | { readonly unreadable: string } | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    return { unreadable: (error as NodeJS.ErrnoException).code ?? 'unreadable' }
  }
  try {
    const facts = JSON.parse(text) as SupervisorFacts
    if (facts.version !== 1 || typeof facts.services !== 'object' || facts.services === null)
      return { unreadable: 'not a tarmac up facts file (version 1)' }
    return { facts, upRunning: Number.isInteger(facts.upPid) && alive(facts.upPid) }
  } catch {
    return { unreadable: 'not JSON' }
  }
}
