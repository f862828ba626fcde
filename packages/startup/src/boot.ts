import { isProgrammingError } from '@tarmac/faults'
import { CancelScope } from './cancel-scope.js'
import { causeChain } from './cause-chain.js'
import type { AttemptOutcome, RunnerContext } from './component-runner.js'
import { runAttempts } from './component-runner.js'
import type { Engine } from './engine.js'
import { StartupError, errorCodeOf, safeMessageOf } from './errors.js'
import type { ResolvedComponent } from './options.js'
import type { ComponentReport, PhaseReport, StartupReport } from './startup-report.js'
import { stopResource } from './stop-resource.js'
import { stopStarted } from './shutdown.js'

type CriticalFailure = { component: ResolvedComponent; error: unknown }

/**
 * Runs every phase in order under the startup deadline. Resolves with a copy of the report; on a critical
 * failure stops what started and rejects with `STARTUP_ERR_CRITICAL_FAILED`; interrupted by shutdown, waits
 * for it and rejects with `STARTUP_ERR_ABORTED`.
 */
export async function boot(engine: Engine): Promise<StartupReport> {
  const { options, report } = engine
  const startedAtMs = options.now()
  report.startedAt = engine.isoNow()
  engine.emit({ type: 'startup.started' })
  const scope = new CancelScope(
    engine.shutdownScope,
    options.deadlineMs,
    () =>
      new StartupError(
        'STARTUP_ERR_DEADLINE_EXCEEDED',
        `startup deadline of ${options.deadlineMs} ms passed`,
      ),
  )
  let failure: ({ phase: PhaseReport } & CriticalFailure) | undefined
  let finishBoot!: () => void
  engine.bootDone = new Promise((resolve) => (finishBoot = resolve))
  try {
    for (const phase of report.phases) {
      if (failure || engine.shutdownScope.aborted) {
        phase.state = 'skipped'
        for (const component of phase.components) component.state = 'skipped'
        engine.emit({ type: 'phase.skipped', phase: phase.name })
        continue
      }
      const phaseFailure = await runPhase(engine, phase, scope)
      if (phaseFailure) failure = { phase, ...phaseFailure }
    }
  } finally {
    scope.dispose()
    report.durationMs = options.now() - startedAtMs
    finishBoot()
  }
  if (engine.shutdownScope.aborted) {
    await engine.shutdownPromise
    throw new StartupError('STARTUP_ERR_ABORTED', 'startup was interrupted by shutdown', {
      cause: engine.shutdownScope.reason,
      report: engine.snapshot(),
    })
  }
  if (failure) return fail(engine, failure)
  report.currentPhase = null
  report.state = engine.hasDegraded() ? 'degraded' : 'started'
  engine.emit({ type: 'startup.completed', durationMs: report.durationMs })
  const completed = engine.snapshot()
  options.logger.info({ report: completed }, 'startup report')
  return completed
}

async function fail(engine: Engine, failure: { phase: PhaseReport } & CriticalFailure): Promise<never> {
  const { phase, component, error } = failure
  const { report, options } = engine
  report.state = 'failed'
  report.failure = {
    phase: phase.name,
    component: component.name,
    code: errorCodeOf(error),
    message: safeMessageOf(error),
    ...options.classify(error),
    ...causeOf(error),
  }
  engine.emit({
    type: 'startup.failed',
    phase: phase.name,
    component: component.name,
    code: report.failure.code,
    message: report.failure.message,
  })
  await stopStarted(engine, 'critical failure')
  throw new StartupError(
    'STARTUP_ERR_CRITICAL_FAILED',
    `"${component.name}" failed in phase "${phase.name}": ${report.failure.code}: ${report.failure.message}`,
    { cause: error, report: engine.snapshot() },
  )
}

/** Runs one phase; returns the critical failure that ends startup, if any. */
async function runPhase(
  engine: Engine,
  phase: PhaseReport,
  scope: CancelScope,
): Promise<CriticalFailure | undefined> {
  const { options, report } = engine
  const members = engine.members.get(phase.name)!
  phase.state = 'running'
  phase.startedAt = engine.isoNow()
  report.currentPhase = phase.name
  const startedAtMs = options.now()
  engine.emit({ type: 'phase.started', phase: phase.name })
  let failure: CriticalFailure | undefined
  if (phase.parallel) {
    // A critical failure cancels its siblings: their work would only be stopped again.
    const siblings = new CancelScope(scope)
    await Promise.all(
      members.map(async (component) => {
        const outcome = await startComponent(engine, component, siblings)
        if (!outcome.ok && component.critical && !failure) {
          failure = { component, error: outcome.error }
          siblings.abort(
            new StartupError('STARTUP_ERR_ABORTED', `"${component.name}" failed in the same phase`),
          )
        }
      }),
    )
    siblings.dispose()
  } else {
    for (const component of members) {
      if (failure) {
        engine.recordOf(component.name).state = 'skipped'
        continue
      }
      const outcome = await startComponent(engine, component, scope)
      if (!outcome.ok && component.critical) failure = { component, error: outcome.error }
    }
  }
  phase.durationMs = options.now() - startedAtMs
  phase.state = failure ? 'failed' : 'completed'
  engine.emit({
    type: failure ? 'phase.failed' : 'phase.completed',
    phase: phase.name,
    durationMs: phase.durationMs,
  })
  return failure
}

function runnerContext(
  engine: Engine,
  component: ResolvedComponent,
  record: ComponentReport,
  scope: CancelScope,
): RunnerContext {
  return {
    component,
    record,
    options: engine.options,
    emit: engine.emitEvent,
    reportDetails: (details) => {
      record.details = { ...record.details, ...structuredClone(details) }
    },
    scope,
  }
}

async function startComponent(
  engine: Engine,
  component: ResolvedComponent,
  scope: CancelScope,
): Promise<AttemptOutcome> {
  const { options } = engine
  const record = engine.recordOf(component.name)
  record.state = 'starting'
  record.startedAt = engine.isoNow()
  const startedAtMs = options.now()
  // The hot path of a boot with many components: events only when someone hears them.
  if (engine.observed)
    engine.emit({ type: 'component.starting', phase: component.phase, component: component.name })
  const outcome = await runAttempts(runnerContext(engine, component, record, scope), 'boot')
  record.durationMs = options.now() - startedAtMs
  if (outcome.ok) {
    engine.markStarted(component, outcome.resource)
    record.state = 'started'
    if (engine.observed)
      engine.emit({
        type: 'component.started',
        phase: component.phase,
        component: component.name,
        attempt: record.attempts,
        durationMs: record.durationMs,
      })
  } else if (!component.critical && !engine.shutdownScope.aborted) {
    record.state = 'degraded'
    engine.emit({
      type: 'component.degraded',
      phase: component.phase,
      component: component.name,
      code: errorCodeOf(outcome.error),
      message: safeMessageOf(outcome.error),
    })
    // Wrong code stays wrong: a programming error is not retried in the background either.
    if (!isProgrammingError(outcome.error)) recoverInBackground(engine, component, record)
  } else {
    record.state = 'failed'
    engine.emit({
      type: 'component.failed',
      phase: component.phase,
      component: component.name,
      code: errorCodeOf(outcome.error),
      message: safeMessageOf(outcome.error),
    })
  }
  return outcome
}

/**
 * An optional component that failed at boot keeps trying until it starts or shutdown begins — unless it failed
 * with a programming error (then it stays degraded: see `runAttempts`).
 */
function recoverInBackground(engine: Engine, component: ResolvedComponent, record: ComponentReport): void {
  const recovery = runAttempts(
    runnerContext(engine, component, record, engine.shutdownScope),
    'background',
  ).then(async (outcome) => {
    if (!outcome.ok) return
    if (engine.shutdownScope.aborted) {
      await stopResource(component, outcome.resource, 'recovered during shutdown', engine.options)
      return
    }
    engine.markStarted(component, outcome.resource)
    record.state = 'started'
    record.recoveredAt = engine.isoNow()
    engine.emit({
      type: 'component.recovered',
      phase: component.phase,
      component: component.name,
      attempt: record.attempts,
    })
    if (engine.report.state === 'degraded' && !engine.hasDegraded()) engine.report.state = 'started'
  })
  engine.recoveries.add(recovery)
  void recovery.finally(() => engine.recoveries.delete(recovery))
}

/**
 * For a failure whose code is the engine's own (a deadline, an abort: it says only "too slow" or "stopped"),
 * the first error below it with a code of its own.
 */
function causeOf(error: unknown): { cause?: { code: string; message: string } } {
  const code = errorCodeOf(error)
  if (!code.startsWith('STARTUP_ERR_')) return {}
  for (const current of causeChain(error, 6).slice(1)) {
    if (typeof current !== 'object') break
    const own = errorCodeOf(current)
    if (own !== code && own !== 'ERROR' && own !== 'UNKNOWN')
      return { cause: { code: own, message: safeMessageOf(current) } }
  }
  return {}
}
