import { checkPlatformStartupWindow, type HealthRegistry } from '@tarmac/health'
import type { ConnectAhead, PostgresHandle } from '@tarmac/postgres'
import type { Logger, ServingState } from '@tarmac/service'
import type { ResourceHandle, Startup } from '@tarmac/startup'

/** What changes with the engine's state rather than in one component. */
export interface LifecycleInputs {
  readonly postgres: ResourceHandle<PostgresHandle>
  readonly gate: { set(state: ServingState): void }
  readonly health: HealthRegistry
  readonly connectAhead: ConnectAhead | undefined
}

/**
 * Ready: the pool grows from the admission connection to its budget (while starting it holds that one only: one
 * connector establishment per instance). Failed or stopping: an unadopted connect-ahead is dropped, the gate
 * closes, the health checks stop.
 */
export function followStartup(startup: Startup, inputs: LifecycleInputs): void {
  startup.on((event) => {
    if (event.type === 'startup.completed') inputs.postgres.peek()?.growToBudget()
    if (event.type === 'startup.failed' || event.type === 'shutdown.started') inputs.connectAhead?.discard()
    if (event.type === 'shutdown.started') inputs.gate.set('stopping')
    if (event.type === 'shutdown.completed' || event.type === 'startup.failed') inputs.health.close()
  })
}

/** A deadline past the platform's startup window means the platform kills the instance before it can say why. */
export function warnPastStartupWindow(
  config: { readonly PLATFORM_STARTUP_WINDOW_MS?: number | undefined; readonly STARTUP_DEADLINE_MS: number },
  log: Logger,
): void {
  const warning = checkPlatformStartupWindow({
    platformStartupWindowMs: config.PLATFORM_STARTUP_WINDOW_MS,
    startupDeadlineMs: config.STARTUP_DEADLINE_MS,
  })
  if (warning) log.warn({ event: 'platform.startupWindow' }, warning)
}
