import { boot } from './boot.js'
import type { Component } from './component.js'
import { Engine } from './engine.js'
import { createResourceHandle, type ResourceHandle } from './resource-handle.js'
import { StartupError } from './errors.js'
import type { StartupOptions } from './options.js'
import { resolveComponent, resolveStartupOptions } from './options.js'
import { shutdownOnce } from './shutdown.js'
import type { StartupState } from './states.js'
import type { ComponentReport, StartupEventListener, StartupReport } from './startup-report.js'

/** The engine: add components, `run()` them phase by phase, `shutdown()` them in reverse. */
export interface Startup {
  readonly name: string
  readonly state: StartupState
  /** Registers a component. Only before `run()`. Returns the typed handle of its resource. */
  add<Resource>(component: Component<Resource>): ResourceHandle<Resource>
  /** Starts every phase in order. Resolves with the report; rejects with a `StartupError` carrying it. */
  run(): Promise<StartupReport>
  /** Readiness false → drain delay → stop in reverse start order. Idempotent: every call gets the same promise. */
  shutdown(reason?: string, options?: { drainDelayMs?: number }): Promise<StartupReport>
  /** A deep copy of the report as it is now. */
  report(): StartupReport
  /** Follows every transition. Returns the function that unsubscribes. */
  on(listener: StartupEventListener): () => void
}

/**
 * @example
 * const startup = createStartup({ name: 'backend', phases: ['init', 'database'], deadlineMs: 120_000 })
 * const postgres = startup.add({ name: 'postgres', phase: 'database', start: ({ signal }) => connect(url, { signal }) })
 * await startup.run()
 * await postgres.get().query('select 1')
 */
export function createStartup(startupOptions: StartupOptions): Startup {
  const engine = new Engine(resolveStartupOptions(startupOptions))
  const phaseNames = new Set(engine.options.phases.map((phase) => phase.name))
  const startup: Startup = {
    name: engine.options.name,
    get state() {
      return engine.report.state
    },
    add(component) {
      if (engine.runPromise)
        throw new StartupError('STARTUP_ERR_ALREADY_RUN', `cannot add "${component.name}" after run()`)
      const resolved = resolveComponent(component, phaseNames)
      if (engine.records.has(resolved.name)) {
        throw new StartupError(
          'STARTUP_ERR_DUPLICATE_COMPONENT',
          `component "${resolved.name}" is added twice`,
        )
      }
      engine.members.get(resolved.phase)!.push(resolved)
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
      engine.records.set(resolved.name, record)
      engine.report.phases.find((phase) => phase.name === resolved.phase)!.components.push(record)
      return createResourceHandle(resolved.name, engine.resources)
    },
    run() {
      if (engine.runPromise)
        return Promise.reject(new StartupError('STARTUP_ERR_ALREADY_RUN', 'run() was already called'))
      engine.runPromise = boot(engine)
      return engine.runPromise
    },
    shutdown(reason = 'shutdown', shutdownOptions) {
      engine.shutdownPromise ??= shutdownOnce(
        engine,
        reason,
        shutdownOptions?.drainDelayMs ?? engine.options.drainDelayMs,
      )
      return engine.shutdownPromise
    },
    report: () => engine.snapshot(),
    on(listener: StartupEventListener) {
      engine.listeners.add(listener)
      return () => engine.listeners.delete(listener)
    },
  }
  return startup
}
