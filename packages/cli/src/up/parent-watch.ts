/**
 * Preloaded (`node --import`) into every service `tarmac up` and `tarmac rehearse` run. The services run
 * detached (their own process group, so a terminal's Ctrl-C reaches only tarmac), which also means nothing
 * stops them when tarmac is killed outright (SIGKILL, the OOM killer): they would keep their ports, and the
 * next `tarmac up` could not start. Once the parent is gone, the service gets a SIGTERM every half second (the
 * second one makes a service that is still starting exit at once) and shuts down as on any other stop; one
 * that is still there `ORPHAN_KILL_AFTER_MS` later (a shutdown stuck on a database that died with tarmac, a
 * machine too loaded to finish) is SIGKILLed: an orphan never outlives its parent by more than that. The
 * parent's pid comes in `PARENT_PID_ENV`, so a parent that died before the child got this far is noticed too.
 * A `data:` URL, so the same flag works for a built child and one run through tsx.
 */
export const PARENT_PID_ENV = 'TARMAC_PARENT_PID'
export const ORPHAN_KILL_AFTER_MS = 10_000

const PARENT_WATCH_SOURCE = [
  `const parent = Number(process.env.${PARENT_PID_ENV}) || process.ppid`,
  `delete process.env.${PARENT_PID_ENV}`,
  'let orphanedAt',
  'setInterval(() => {',
  '  if (process.ppid === parent) return',
  '  orphanedAt ??= Date.now()',
  `  process.kill(process.pid, Date.now() - orphanedAt >= ${ORPHAN_KILL_AFTER_MS} ? 'SIGKILL' : 'SIGTERM')`,
  '}, 500).unref()',
].join('\n')

export const PARENT_WATCH_IMPORT = `data:text/javascript,${encodeURIComponent(PARENT_WATCH_SOURCE)}`
