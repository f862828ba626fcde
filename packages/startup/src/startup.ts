import { abortReasonOf, sleep } from './abort.js'
import type { Component } from './component.js'
import type { AttemptOutcome } from './component-runner.js'
import { runAttempts } from './component-runner.js'
import { StartupError, errorCodeOf, safeMessageOf } from './errors.js'
import type { ResolvedComponent, StartupOptions } from './options.js'
import { resolveComponent, resolveStartupOptions } from './options.js'
import type { StartupState } from './states.js'
import type {
  ComponentReport,
  PhaseReport,
  StartupEvent,
  StartupEventListener,
  StartupReport,
} from './startup-report.js'
import { stopResource } from './stop-resource.js'

/** The engine: add components, `run()` them phase by phase, `shutdown()` them in reverse. */
export interface Startup {
  readonly name: string
  readonly state: StartupState
  /** Registers a component. Only before `run()`. */
  add<Resource>(component: Component<Resource>): this
  /** Starts every phase in order. Resolves with the report; rejects with a `StartupError` carrying it. */
  run(): Promise<StartupReport>
  /** Readiness false → drain delay → stop in reverse start order. Idempotent: every call gets the same promise. */
  shutdown(reason?: string, options?: { drainDelayMs?: number }): Promise<StartupReport>
  /** A deep copy of the report as it is now. */
  report(): StartupReport
  /** The resource a started component produced, or undefined. */
  resource<T = unknown>(componentName: string): T | undefined
  /** Follows every transition. Returns the function that unsubscribes. */
  on(listener: StartupEventListener): () => void
}

/**
 * @example
 * const startup = createStartup({ name: 'backend', phases: ['init', 'database'], deadlineMs: 120_000 })
 * startup.add({ name: 'postgres', phase: 'database', start: ({ signal }) => connect(url, { signal }) })
 * await startup.run()
 */
export function createStartup(startupOptions: StartupOptions): Startup {
  const options = resolveStartupOptions(startupOptions)
  const components: ResolvedComponent[] = []
  const listeners = new Set<StartupEventListener>()
  const started: { component: ResolvedComponent; resource: unknown }[] = []
  const shutdownController = new AbortController()
  const phaseNames = new Set(options.phases.map((phase) => phase.name))
  const report: StartupReport = {
    service: options.name,
    state: 'starting',
    currentPhase: null,
    startedAt: null,
    durationMs: null,
    deadlineMs: options.deadlineMs,
    phases: options.phases.map((phase) => ({
      ...phase,
      state: 'pending',
      startedAt: null,
      durationMs: null,
      components: [],
    })),
    failure: null,
  }
  let runPromise: Promise<StartupReport> | undefined
  let bootDone: Promise<void> = Promise.resolve()
  let shutdownPromise: Promise<StartupReport> | undefined
  const recoveries = new Set<Promise<void>>()

  const isoNow = () => new Date(options.now()).toISOString()
  const emit = (event: Omit<StartupEvent, 'service' | 'atMs'>) => {
    const full: StartupEvent = { ...event, service: options.name, atMs: options.now() }
    const level = event.type.endsWith('failed') || event.type === 'component.degraded' ? 'warn' : 'info'
    options.logger[event.type === 'component.retry.scheduled' ? 'debug' : level]({ event: full }, event.type)
    for (const listener of listeners) {
      try {
        listener(full)
      } catch (error) {
        options.logger.error({ err: { message: safeMessageOf(error) } }, 'startup event listener threw')
      }
    }
  }
  const records = new Map<string, ComponentReport>()
  const resources = new Map<string, unknown>()
  const recordOf = (name: string) => records.get(name)!
  const resourceOf = (name: string) => {
    if (!resources.has(name))
      throw new StartupError('STARTUP_ERR_NOT_STARTED', `component "${name}" has not started`)
    return resources.get(name)
  }
  const markStarted = (component: ResolvedComponent, resource: unknown) => {
    started.push({ component, resource })
    resources.set(component.name, resource)
  }

  async function startComponent(component: ResolvedComponent, signal: AbortSignal): Promise<AttemptOutcome> {
    const record = recordOf(component.name)
    const base = { phase: component.phase, component: component.name }
    record.state = 'starting'
    record.startedAt = isoNow()
    const startedAtMs = options.now()
    emit({ type: 'component.starting', ...base })
    const outcome = await runAttempts({ component, record, options, emit, resourceOf, signal }, 'boot')
    record.durationMs = options.now() - startedAtMs
    if (outcome.ok) {
      markStarted(component, outcome.resource)
      record.state = 'started'
      emit({ type: 'component.started', ...base, attempt: record.attempts, durationMs: record.durationMs })
    } else if (!component.critical && !shutdownController.signal.aborted) {
      record.state = 'degraded'
      emit({
        type: 'component.degraded',
        ...base,
        code: errorCodeOf(outcome.error),
        message: safeMessageOf(outcome.error),
      })
      recoverInBackground(component, record)
    } else {
      record.state = 'failed'
      emit({
        type: 'component.failed',
        ...base,
        code: errorCodeOf(outcome.error),
        message: safeMessageOf(outcome.error),
      })
    }
    return outcome
  }

  function recoverInBackground(component: ResolvedComponent, record: ComponentReport): void {
    const recovery = runAttempts(
      { component, record, options, emit, resourceOf, signal: shutdownController.signal },
      'background',
    ).then(async (outcome) => {
      if (!outcome.ok) return
      if (shutdownController.signal.aborted) {
        await stopResource(component, outcome.resource, 'recovered during shutdown', options)
        return
      }
      markStarted(component, outcome.resource)
      record.state = 'started'
      record.recoveredAt = isoNow()
      emit({
        type: 'component.recovered',
        phase: component.phase,
        component: component.name,
        attempt: record.attempts,
      })
      const stillDegraded = report.phases.some((phase) =>
        phase.components.some((c) => c.state === 'degraded'),
      )
      if (report.state === 'degraded' && !stillDegraded) report.state = 'started'
    })
    recoveries.add(recovery)
    void recovery.finally(() => recoveries.delete(recovery))
  }

  /** Runs one phase; returns the critical failure that ends startup, if any. */
  async function runPhase(phase: PhaseReport, signal: AbortSignal) {
    const members = components.filter((component) => component.phase === phase.name)
    phase.state = 'running'
    phase.startedAt = isoNow()
    report.currentPhase = phase.name
    const startedAtMs = options.now()
    emit({ type: 'phase.started', phase: phase.name })
    let failure: { component: ResolvedComponent; error: unknown } | undefined
    if (phase.parallel) {
      // A critical failure cancels its siblings: their work would only be stopped again.
      const siblings = new AbortController()
      const phaseSignal = AbortSignal.any([signal, siblings.signal])
      await Promise.all(
        members.map(async (component) => {
          const outcome = await startComponent(component, phaseSignal)
          if (!outcome.ok && component.critical && !failure) {
            failure = { component, error: outcome.error }
            siblings.abort(
              new StartupError('STARTUP_ERR_ABORTED', `"${component.name}" failed in the same phase`),
            )
          }
        }),
      )
    } else {
      for (const component of members) {
        if (failure) {
          recordOf(component.name).state = 'skipped'
          continue
        }
        const outcome = await startComponent(component, signal)
        if (!outcome.ok && component.critical) failure = { component, error: outcome.error }
      }
    }
    phase.durationMs = options.now() - startedAtMs
    phase.state = failure ? 'failed' : 'completed'
    emit({
      type: failure ? 'phase.failed' : 'phase.completed',
      phase: phase.name,
      durationMs: phase.durationMs,
    })
    return failure
  }

  async function boot(): Promise<StartupReport> {
    const startedAtMs = options.now()
    report.startedAt = isoNow()
    emit({ type: 'startup.started' })
    const deadline = new AbortController()
    const deadlineTimer = setTimeout(
      () =>
        deadline.abort(
          new StartupError(
            'STARTUP_ERR_DEADLINE_EXCEEDED',
            `startup deadline of ${options.deadlineMs} ms passed`,
          ),
        ),
      options.deadlineMs,
    )
    const signal = AbortSignal.any([deadline.signal, shutdownController.signal])
    let failure: { phase: PhaseReport; component: ResolvedComponent; error: unknown } | undefined
    let finishBoot!: () => void
    bootDone = new Promise((resolve) => (finishBoot = resolve))
    try {
      for (const phase of report.phases) {
        if (failure || shutdownController.signal.aborted) {
          phase.state = 'skipped'
          for (const component of phase.components) component.state = 'skipped'
          emit({ type: 'phase.skipped', phase: phase.name })
          continue
        }
        const phaseFailure = await runPhase(phase, signal)
        if (phaseFailure) failure = { phase, ...phaseFailure }
      }
    } finally {
      clearTimeout(deadlineTimer)
      report.durationMs = options.now() - startedAtMs
      finishBoot()
    }
    if (shutdownController.signal.aborted) {
      await shutdownPromise
      throw new StartupError('STARTUP_ERR_ABORTED', 'startup was interrupted by shutdown', {
        cause: abortReasonOf(shutdownController.signal),
        report: snapshot(),
      })
    }
    if (failure) {
      const { phase, component, error } = failure
      report.state = 'failed'
      report.failure = {
        phase: phase.name,
        component: component.name,
        code: errorCodeOf(error),
        message: safeMessageOf(error),
        ...options.classify(error),
        ...causeOf(error),
      }
      emit({
        type: 'startup.failed',
        phase: phase.name,
        component: component.name,
        code: report.failure.code,
        message: report.failure.message,
      })
      await stopStarted('critical failure')
      throw new StartupError(
        'STARTUP_ERR_CRITICAL_FAILED',
        `"${component.name}" failed in phase "${phase.name}": ${report.failure.code}: ${report.failure.message}`,
        { cause: error, report: snapshot() },
      )
    }
    report.currentPhase = null
    const degraded = report.phases.some((phase) => phase.components.some((c) => c.state === 'degraded'))
    report.state = degraded ? 'degraded' : 'started'
    emit({ type: 'startup.completed', durationMs: report.durationMs })
    const completed = snapshot()
    options.logger.info({ report: completed }, 'startup report')
    return completed
  }

  async function stopStarted(reason: string): Promise<void> {
    while (started.length > 0) {
      const { component, resource } = started.pop()!
      resources.delete(component.name)
      const record = recordOf(component.name)
      const base = { phase: component.phase, component: component.name, reason }
      record.state = 'stopping'
      emit({ type: 'component.stopping', ...base })
      const outcome = await stopResource(component, resource, reason, options)
      record.state = 'stopped'
      if (outcome.ok) emit({ type: 'component.stopped', ...base })
      else {
        record.stopError = { code: outcome.code, message: outcome.message }
        emit({ type: 'component.stop.failed', ...base, code: outcome.code, message: outcome.message })
      }
    }
  }

  async function shutdownOnce(reason: string, drainDelayMs: number): Promise<StartupReport> {
    const wasServing = report.state === 'started' || report.state === 'degraded'
    if (report.state !== 'failed') report.state = 'stopping'
    emit({ type: 'shutdown.started', reason })
    shutdownController.abort(new StartupError('STARTUP_ERR_ABORTED', `shutdown: ${reason}`))
    await bootDone
    await Promise.allSettled([...recoveries])
    // Readiness is already false (state 'stopping'); give load balancers time to notice before anything stops.
    if (wasServing && drainDelayMs > 0) await sleep(drainDelayMs, new AbortController().signal)
    await stopStarted(reason)
    if (report.state !== 'failed') report.state = 'stopped'
    emit({ type: 'shutdown.completed', reason })
    return snapshot()
  }

  const snapshot = (): StartupReport => structuredClone(report)

  const startup: Startup = {
    name: options.name,
    get state() {
      return report.state
    },
    add(component) {
      if (runPromise)
        throw new StartupError('STARTUP_ERR_ALREADY_RUN', `cannot add "${component.name}" after run()`)
      const resolved = resolveComponent(component, phaseNames)
      if (records.has(resolved.name)) {
        throw new StartupError(
          'STARTUP_ERR_DUPLICATE_COMPONENT',
          `component "${resolved.name}" is added twice`,
        )
      }
      components.push(resolved)
      const record: ComponentReport = {
        name: resolved.name,
        phase: resolved.phase,
        critical: resolved.critical,
        timeoutMs: resolved.timeoutMs,
        state: 'pending',
        startedAt: null,
        durationMs: null,
        attempts: 0,
        errors: [],
      }
      records.set(resolved.name, record)
      report.phases.find((phase) => phase.name === resolved.phase)!.components.push(record)
      return startup
    },
    run() {
      if (runPromise)
        return Promise.reject(new StartupError('STARTUP_ERR_ALREADY_RUN', 'run() was already called'))
      runPromise = boot()
      return runPromise
    },
    shutdown(reason = 'shutdown', shutdownOptions) {
      shutdownPromise ??= shutdownOnce(reason, shutdownOptions?.drainDelayMs ?? options.drainDelayMs)
      return shutdownPromise
    },
    report: snapshot,
    resource<T>(name: string) {
      return resources.get(name) as T | undefined
    },
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return startup
}

/**
 * For a failure whose code is the engine's own (a deadline, an abort: it says only "too slow" or "stopped"),
 * the first error below it with a code of its own.
 */
function causeOf(error: unknown): { cause?: { code: string; message: string } } {
  const code = errorCodeOf(error)
  if (!code.startsWith('STARTUP_ERR_')) return {}
  let current = (error as { cause?: unknown } | undefined)?.cause
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const own = errorCodeOf(current)
    if (own !== code && own !== 'ERROR' && own !== 'UNKNOWN')
      return { cause: { code: own, message: safeMessageOf(current) } }
    current = (current as { cause?: unknown }).cause
  }
  return {}
}
