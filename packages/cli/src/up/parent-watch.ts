/**
 * Preloaded (`node --import`) into every service `tarmac up` and `tarmac rehearse` run. The services run
 * detached (their own process group, so a terminal's Ctrl-C reaches only tarmac), which also means nothing
 * stops them when tarmac is killed outright (SIGKILL, the OOM killer): they would keep their ports, and the
 * next `tarmac up` could not start. Once the parent is gone, the service gets a SIGTERM and shuts down as on
 * any other stop. A `data:` URL, so the same flag works for a built child and one run through tsx.
 */
const PARENT_WATCH_SOURCE = [
  'const parent = process.ppid',
  "setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM') }, 500).unref()",
].join('\n')

export const PARENT_WATCH_IMPORT = `data:text/javascript,${encodeURIComponent(PARENT_WATCH_SOURCE)}`
