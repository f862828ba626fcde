import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { IntakeOutcome } from './report-intake.js'
import type { IntakeRequest } from './report-intake-worker.js'

export interface IntakeThreadOptions {
  /** A body not answered within this long fails (and the thread is replaced). Default 10 000. */
  readonly timeoutMs?: number
  /** The thread's old-generation heap. Default 32 MiB: one body of 256 KiB parsed needs a few. */
  readonly maxHeapMib?: number
  /** A JavaScript worker script to run instead of the intake's own (tests: one that dies on cue). */
  readonly script?: URL
}

/** Runs `intakeReport` on a worker thread, so a flood of report bodies never holds the event loop. */
export interface IntakeThread {
  /** Rejects when the thread died or did not answer in time; the next call starts a new one. */
  intake(body: Uint8Array, receivedAtMs: number, recordMaxBytes: number): Promise<IntakeOutcome>
  close(): Promise<void>
}

interface Pending {
  /** The thread reading it: when that one dies, only its bodies fail. */
  thread: Worker
  resolve(outcome: IntakeOutcome): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/**
 * From `dist/` the worker is the bundle's `report-intake-worker.js` entry beside this chunk. From the sources (tsx,
 * vitest) it is the `.ts` file, loaded through tsx's CommonJS hook: Node 20 does not run `--import` loaders in a
 * worker thread.
 */
function workerOf(maxHeapMib: number, script?: URL): Worker {
  // A small young generation too: a body is garbage the moment its outcome is posted.
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMib, maxYoungGenerationSizeMb: 8 }
  if (script) return new Worker(script, { resourceLimits })
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./report-intake-worker.js', import.meta.url), { resourceLimits })
  const source = fileURLToPath(new URL('./report-intake-worker.ts', import.meta.url))
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api')
  const bootstrap = `require(${JSON.stringify(tsx)}).require(${JSON.stringify(source)}, ${JSON.stringify(source)})`
  return new Worker(bootstrap, { eval: true, resourceLimits })
}

/** One intake thread, started on first use, restarted after it dies. */
export function createIntakeThread(options: IntakeThreadOptions = {}): IntakeThread {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxHeapMib = options.maxHeapMib ?? 32
  const pending = new Map<number, Pending>()
  let worker: Worker | undefined
  let nextId = 1

  const fail = (error: Error, thread?: Worker) => {
    for (const [id, waiting] of pending) {
      if (thread !== undefined && waiting.thread !== thread) continue
      clearTimeout(waiting.timer)
      pending.delete(id)
      waiting.reject(error)
    }
  }
  const retire = (gone: Worker, error: Error) => {
    if (worker === gone) worker = undefined
    fail(error, gone)
    void gone.terminate()
  }
  const started = (): Worker => {
    if (worker) return worker
    const fresh = workerOf(maxHeapMib, options.script)
    fresh.unref()
    fresh.on('message', ({ id, outcome }: { id: number; outcome: IntakeOutcome }) => {
      const waiting = pending.get(id)
      if (!waiting) return
      pending.delete(id)
      clearTimeout(waiting.timer)
      waiting.resolve(outcome)
    })
    fresh.on('error', (error) =>
      retire(fresh, new Error(`the report intake thread failed: ${error.message}`)),
    )
    fresh.on('exit', (code) => retire(fresh, new Error(`the report intake thread exited (${code})`)))
    worker = fresh
    return fresh
  }

  return {
    intake(body, receivedAtMs, recordMaxBytes) {
      const thread = started()
      const id = nextId++
      return new Promise<IntakeOutcome>((resolve, reject) => {
        const timer = setTimeout(
          () => retire(thread, new Error(`the report intake thread did not answer in ${timeoutMs} ms`)),
          timeoutMs,
        )
        pending.set(id, { thread, resolve, reject, timer })
        const request: IntakeRequest = { id, body, receivedAtMs, recordMaxBytes }
        thread.postMessage(request)
      })
    },
    async close() {
      const gone = worker
      worker = undefined
      fail(new Error('the collector is closing'))
      await gone?.terminate()
    },
  }
}
