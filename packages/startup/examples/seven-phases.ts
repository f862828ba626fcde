/**
 * The backend's seven phases, with components that can be made to fail, hang or be slow from the environment,
 * so you can watch the report, the events and the exit code.
 *
 *   npx tsx --conditions=@tarmac/source packages/startup/examples/seven-phases.ts
 *   EXAMPLE_FAIL=postgres   …   # a critical failure: exit 3, one human line naming phase/component/code
 *   EXAMPLE_HANG=jwks       …   # every attempt times out until the deadline (EXAMPLE_DEADLINE_MS, default 8000)
 *   EXAMPLE_SLOW=postgres:3000  # slow infrastructure: the phase takes 3 s, startup still succeeds
 *   EXAMPLE_FAIL=redis      …   # an optional component: the service starts degraded and recovers
 *   EXAMPLE_FLAKY=postgres:3    # fails the first 3 attempts, then starts (watch the jittered retries)
 *   EXAMPLE_STOP_HANG=postgres  # its stop hangs: shutdown waits its stop timeout (10 s); a second signal exits at once
 * Ctrl-C (SIGINT) or SIGTERM stops everything in reverse order and exits 0.
 */
import type { Component, StartupEvent } from '@tarmac/startup'
import { createStartup, runMain } from '@tarmac/startup'

const env = process.env
const PHASES = ['init', 'dependencies', 'database', 'cache', 'services', 'websocket', 'finalize'] as const

const [slowName, slowMs] = (env.EXAMPLE_SLOW ?? '').split(':')
const [flakyName, flakyCount] = (env.EXAMPLE_FLAKY ?? '').split(':')

function simulated(name: string, phase: (typeof PHASES)[number], critical = true): Component<string> {
  return {
    name,
    phase,
    critical,
    timeoutMs: 2000,
    retry: { baseMs: 200, capMs: 2000, maxAttempts: critical ? 5 : 2 },
    start: async ({ signal, attempt }) => {
      if (env.EXAMPLE_FAIL === name && (critical || attempt < 4)) {
        throw Object.assign(new Error(`${name} refused the connection (simulated)`), { code: 'ECONNREFUSED' })
      }
      if (flakyName === name && attempt <= Number(flakyCount ?? 1)) {
        throw Object.assign(new Error(`${name} is not ready yet (simulated)`), { code: 'NOT_READY' })
      }
      const ms = env.EXAMPLE_HANG === name ? 1e9 : slowName === name ? Number(slowMs ?? 1000) : 20
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms)
        signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), {
          once: true,
        })
      })
      return name
    },
    stop: (resource) =>
      env.EXAMPLE_STOP_HANG === name ? new Promise<void>(() => {}) : void console.log(`stopped ${resource}`),
  }
}

const startup = createStartup({
  name: 'seven-phases-example',
  phases: PHASES,
  deadlineMs: Number(env.EXAMPLE_DEADLINE_MS ?? 8000),
})
startup.add(simulated('config', 'init'))
startup.add(simulated('jwks', 'dependencies'))
startup.add(simulated('assistant', 'dependencies'))
startup.add(simulated('postgres', 'database'))
startup.add(simulated('redis', 'cache', false))
startup.add(simulated('chat-pipeline', 'services'))
startup.add(simulated('websocket-hub', 'websocket'))
startup.add(simulated('self-test', 'finalize'))

startup.on((event: StartupEvent) => {
  const where = [event.phase, event.component].filter(Boolean).join('/')
  const detail = event.code
    ? ` ${event.code}: ${event.message}`
    : event.delayMs !== undefined
      ? ` in ${event.delayMs} ms`
      : ''
  console.log(`${new Date(event.atMs).toISOString()} ${event.type.padEnd(28)} ${where}${detail}`)
})

const report = await runMain(startup)
if (report) {
  console.log(JSON.stringify({ startupReport: report }))
  console.log(`ready (${report.state}) in ${report.durationMs} ms — Ctrl-C to stop`)
  // Keep the process alive like a real service until a signal arrives.
  setInterval(() => {}, 1 << 30)
}
