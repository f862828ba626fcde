import { drain } from './drain.js'
import { errorCodeOf, safeMessageOf, StartupError } from './errors.js'
import type { Startup } from './startup.js'
import type { StartupReport } from './startup-report.js'

/** Exit codes, from DESIGN.md's contracts. */
export const EXIT_CODES = Object.freeze({
  /** Clean shutdown. */
  ok: 0,
  /** A component's stop failed or timed out during shutdown, or a second signal forced the exit. */
  unclean: 1,
  /** Startup failed: a critical component could not start. */
  startupFailed: 3,
})

export interface RunMainOptions {
  /** Pause between readiness turning false and the first component stopping. Default: the startup's own. */
  readonly drainDelayMs?: number
  readonly signals?: readonly NodeJS.Signals[]
  /** Injected in tests; default `process.exit`. */
  readonly exit?: (code: number) => void
  /** Injected in tests; default `process.stderr`. */
  readonly stderr?: { write(text: string): unknown }
  /** Injected in tests; default `process`. */
  readonly process?: Pick<NodeJS.Process, 'on' | 'off'>
  /**
   * Runs after the failure is printed and before exit 3 — e.g. sending the startup report to a collector that
   * outlives this instance. Bounded by `beforeExitTimeoutMs`; its own failure never changes the exit.
   */
  readonly beforeExit?: (report: StartupReport | undefined) => unknown
  /** Default 3 000. */
  readonly beforeExitTimeoutMs?: number
}

/**
 * Runs a service's startup as its main function: exit 3 with one human line and the report on failure;
 * SIGTERM/SIGINT shut down gracefully (exit 0), a second signal exits at once.
 * @example
 * await runMain(startup, { drainDelayMs: process.env.NODE_ENV === 'production' ? 5_000 : 0 })
 */
export async function runMain(
  startup: Startup,
  runOptions: RunMainOptions = {},
): Promise<StartupReport | undefined> {
  const exit = runOptions.exit ?? ((code: number) => process.exit(code))
  const stderr = runOptions.stderr ?? process.stderr
  const target = runOptions.process ?? process
  const signals = runOptions.signals ?? ['SIGTERM', 'SIGINT']
  let signalsSeen = 0

  const onSignal = (signal: NodeJS.Signals) => {
    signalsSeen++
    if (signalsSeen > 1) {
      stderr.write(`${startup.name}: second ${signal}, exiting now without finishing shutdown\n`)
      exit(EXIT_CODES.unclean)
      return
    }
    const drain =
      runOptions.drainDelayMs === undefined ? undefined : { drainDelayMs: runOptions.drainDelayMs }
    void startup.shutdown(signal, drain).then((report) => {
      for (const s of signals) target.off(s, onSignal)
      const unclean = report.phases.some((phase) => phase.components.some((c) => c.stopError))
      exit(unclean ? EXIT_CODES.unclean : EXIT_CODES.ok)
    })
  }
  for (const signal of signals) target.on(signal, onSignal)

  try {
    return await startup.run()
  } catch (error) {
    // A signal during startup: the signal handler owns the exit.
    if (error instanceof StartupError && error.code === 'STARTUP_ERR_ABORTED') return undefined
    for (const signal of signals) target.off(signal, onSignal)
    const report = error instanceof StartupError ? (error.report as StartupReport | undefined) : undefined
    stderr.write(`${failureLine(startup.name, error, report)}\n`)
    for (const line of problemLines(error)) stderr.write(`${line}\n`)
    if (report) stderr.write(`${JSON.stringify({ startupReport: report })}\n`)
    if (runOptions.beforeExit)
      await boundedCall(() => runOptions.beforeExit!(report), runOptions.beforeExitTimeoutMs ?? 3_000)
    exit(EXIT_CODES.startupFailed)
    return report
  }
}

/**
 * `backend: startup failed in phase "database", component "postgres": PG_ERR_TIMEOUT — <reason>`, with
 * `[infrastructure/tcp]` after the code when the failure is classified.
 */
export function failureLine(service: string, error: unknown, report?: StartupReport): string {
  const failure = report?.failure
  if (failure) {
    const fault = failure.domain ? ` [${failure.domain}${failure.layer ? `/${failure.layer}` : ''}]` : ''
    return `${service}: startup failed in phase "${failure.phase}", component "${failure.component}": ${failure.code}${fault} — ${failure.message}`
  }
  return `${service}: startup failed: ${errorCodeOf(error)} — ${safeMessageOf(error)}`
}

/** Awaits `work` for at most `timeoutMs`; whatever it throws is swallowed (it must not change the exit). */
async function boundedCall(work: () => unknown, timeoutMs: number): Promise<void> {
  await drain([Promise.resolve().then(work)], { timeoutMs })
}

/**
 * An error that lists several problems (a config error naming every bad variable) gets one line per problem:
 * the one-line reason is cut at 300 characters, and the list must not be. Read structurally from the error or
 * its cause: `problems: [{ variable, problem }]` or `problems: string[]`.
 */
function problemLines(error: unknown): string[] {
  const source = [error, (error as { cause?: unknown } | undefined)?.cause].find((candidate) =>
    Array.isArray((candidate as { problems?: unknown } | undefined)?.problems),
  ) as { problems: unknown[] } | undefined
  if (!source) return []
  return source.problems.slice(0, 50).map((problem) => {
    if (typeof problem === 'string') return `  - ${problem}`
    const { variable, problem: text } = problem as { variable?: unknown; problem?: unknown }
    return `  - ${String(variable)}: ${String(text)}`
  })
}
