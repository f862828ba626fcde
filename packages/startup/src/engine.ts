import { CancelScope } from './cancel-scope.js'
import { safeMessageOf } from './errors.js'
import { silentLogger } from './logger.js'
import type { ResolvedComponent, ResolvedStartupOptions } from './options.js'
import { copyReport } from './startup-report.js'
import type { ComponentReport, StartupEvent, StartupEventListener, StartupReport } from './startup-report.js'

/** An event before the engine stamps it with the service and the time. */
export type EngineEvent = Omit<StartupEvent, 'service' | 'atMs'>

/**
 * What one startup knows, shared by boot and shutdown: the components by phase, the live report, the started
 * resources in start order, and the cancellation tree (shutdown → startup deadline → phase → attempt).
 */
export class Engine {
  readonly options: ResolvedStartupOptions
  readonly report: StartupReport
  readonly listeners = new Set<StartupEventListener>()
  /** Components of each phase, in the order they were added. */
  readonly members = new Map<string, ResolvedComponent[]>()
  readonly records = new Map<string, ComponentReport>()
  /** The resources of the components that are up, by name: what `ResourceHandle`s read. */
  readonly resources = new Map<string, unknown>()
  /** In start order; shutdown pops it. */
  readonly started: { component: ResolvedComponent; resource: unknown }[] = []
  /** Aborts when shutdown begins: the root of every scope. */
  readonly shutdownScope = new CancelScope()
  /** Optional components recovering in the background. */
  readonly recoveries = new Set<Promise<void>>()
  /** Resolves when boot has left its phases (done, failed or interrupted). */
  bootDone: Promise<void> = Promise.resolve()
  runPromise: Promise<StartupReport> | undefined
  shutdownPromise: Promise<StartupReport> | undefined
  /** `emit`, bound once, for the component runner. */
  readonly emitEvent = (event: EngineEvent): void => this.emit(event)

  constructor(options: ResolvedStartupOptions) {
    this.options = options
    this.report = {
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
    for (const phase of options.phases) this.members.set(phase.name, [])
  }

  /**
   * Whether anyone hears events: a logger other than the silent one, or a listener. Hot paths check it before
   * building an event, so a silent engine allocates none.
   */
  get observed(): boolean {
    return this.options.logger !== silentLogger || this.listeners.size > 0
  }

  emit(event: EngineEvent): void {
    const full: StartupEvent = { ...event, service: this.options.name, atMs: this.options.now() }
    const level = event.type.endsWith('failed') || event.type === 'component.degraded' ? 'warn' : 'info'
    this.options.logger[event.type === 'component.retry.scheduled' ? 'debug' : level](
      { event: full },
      event.type,
    )
    for (const listener of this.listeners) {
      try {
        listener(full)
      } catch (error) {
        this.options.logger.error({ err: { message: safeMessageOf(error) } }, 'startup event listener threw')
      }
    }
  }

  #isoMs = Number.NaN
  #iso = ''

  /** The time as ISO 8601, formatted once per millisecond (a boot of many components stamps many per ms). */
  isoNow(): string {
    const ms = this.options.now()
    if (ms !== this.#isoMs) {
      this.#isoMs = ms
      this.#iso = new Date(ms).toISOString()
    }
    return this.#iso
  }

  recordOf(name: string): ComponentReport {
    return this.records.get(name)!
  }

  markStarted(component: ResolvedComponent, resource: unknown): void {
    this.started.push({ component, resource })
    this.resources.set(component.name, resource)
  }

  hasDegraded(): boolean {
    return this.report.phases.some((phase) => phase.components.some((c) => c.state === 'degraded'))
  }

  /** A deep copy of the report as it is now. */
  snapshot(): StartupReport {
    return copyReport(this.report)
  }
}
