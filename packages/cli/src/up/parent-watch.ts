/**
 * Preloaded (`node --import`) into every service `tarmac up` and `tarmac rehearse` run. The services run
 * detached (their own process group, so a terminal's Ctrl-C reaches only tarmac), which also means nothing
 * stops them when tarmac is killed outright (SIGKILL, the OOM killer): they would keep their ports, and the
 * next `tarmac up` could not start. Once the parent is gone, the service gets a SIGTERM every half second (the
 * second one makes a service that is still starting exit at once) and shuts down as on any other stop; one
 * that is still there `ORPHAN_KILL_AFTER_MS` later (a shutdown stuck on a database that died with tarmac, a
 * machine too loaded to finish) is SIGKILLed: an orphan never outlives its parent by more than
 * `ORPHAN_BOUND_MS`. The parent's pid comes in `PARENT_PID_ENV`, so a parent that died before the child got
 * this far is noticed too.
 *
 * The watch runs on a worker thread of its own (unref'd: it never keeps a process alive), not on the main
 * thread: a main thread that never comes back — stuck in an exit handler, a busy loop, a synchronous wait —
 * would otherwise also stop the timer that sends the SIGKILL. If the worker cannot start, the watch falls
 * back to the main thread. A `data:` URL, so the same flag works for a built child and one run through tsx.
 */
export const PARENT_PID_ENV = 'TARMAC_PARENT_PID'
export const ORPHAN_KILL_AFTER_MS = 10_000
/** How often the watch looks at its parent. */
export const PARENT_CHECK_INTERVAL_MS = 500
/** The most an orphan outlives its parent: noticed within one check, SIGKILLed `ORPHAN_KILL_AFTER_MS` later. */
export const ORPHAN_BOUND_MS = PARENT_CHECK_INTERVAL_MS + ORPHAN_KILL_AFTER_MS

/** The watch itself, as a function of the parent pid; the same text runs on the worker or, failing that, here. */
const WATCH_LOOP = [
  '(parent) => {',
  '  let orphanedAt',
  '  return setInterval(() => {',
  '    if (process.ppid === parent) return',
  '    orphanedAt ??= Date.now()',
  `    process.kill(process.pid, Date.now() - orphanedAt >= ${ORPHAN_KILL_AFTER_MS} ? 'SIGKILL' : 'SIGTERM')`,
  `  }, ${PARENT_CHECK_INTERVAL_MS})`,
  '}',
].join('\n')

/** The worker's program (CommonJS, as `eval: true` runs it). */
const WORKER_SOURCE = `(${WATCH_LOOP})(require('node:worker_threads').workerData.parent)`

const PARENT_WATCH_SOURCE = [
  "import { Worker, isMainThread } from 'node:worker_threads'",
  'if (isMainThread) {',
  `  const parent = Number(process.env.${PARENT_PID_ENV}) || process.ppid`,
  `  delete process.env.${PARENT_PID_ENV}`,
  `  const onMainThread = () => (${WATCH_LOOP})(parent).unref()`,
  '  try {',
  // No execArgv: the worker must not preload this watch (or tsx) again.
  `    const worker = new Worker(${JSON.stringify(WORKER_SOURCE)}, { eval: true, workerData: { parent }, execArgv: [] })`,
  '    worker.once("error", onMainThread)',
  '    worker.unref()',
  '  } catch {',
  '    onMainThread()',
  '  }',
  '}',
].join('\n')

export const PARENT_WATCH_IMPORT = `data:text/javascript,${encodeURIComponent(PARENT_WATCH_SOURCE)}`
