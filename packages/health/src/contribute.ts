import type {
  ResourceHandle,
  StartupEventListener,
  StartupLogger,
  StartupReport,
  StartupState,
} from '@tarmac/startup'
import { errorCodeOf, safeMessageOf } from '@tarmac/startup'
import type { HealthCheck } from './check.js'

/** What health needs of a startup engine; `createStartup()` from `@tarmac/startup` satisfies it. */
export interface StartupLike {
  readonly state: StartupState
  report(): StartupReport
  on(listener: StartupEventListener): () => void
}

/** The part of a registry a contribution uses (a `HealthRegistry` fits it; named here so this file imports none). */
export interface CheckSink {
  add(check: HealthCheck): () => void
}

const REGISTER_ON = new Set(['component.started', 'component.recovered'])
const REMOVE_ON = new Set([
  'component.stopping',
  'component.stopped',
  'component.failed',
  'component.degraded',
])

/**
 * Keeps a component's checks registered exactly while the component is up. The startup engine knows nothing of
 * health: this side listens to its events. A check's `critical` defaults to the component's own.
 */
export function contributeChecks<Resource>(
  registry: CheckSink,
  logger: StartupLogger,
  startup: StartupLike,
  handle: ResourceHandle<Resource>,
  factory: (resource: Resource) => readonly HealthCheck[],
): () => void {
  const componentName = handle.name
  let removers: (() => void)[] = []
  const unregister = () => {
    for (const remove of removers) remove()
    removers = []
  }
  const register = () => {
    unregister()
    const component = startup
      .report()
      .phases.flatMap((phase) => phase.components)
      .find((c) => c.name === componentName)
    try {
      // One check at a time, each remover kept at once: if the third `add` throws (a name already taken), the
      // catch removes the first two. All or nothing: a half-registered component would look healthy.
      for (const check of factory(handle.get()))
        removers.push(registry.add({ ...check, critical: check.critical ?? component?.critical ?? true }))
    } catch (error) {
      unregister()
      logger.error(
        { component: componentName, code: 'HEALTH_ERR_CONTRIBUTION_FAILED', cause: errorCodeOf(error) },
        `health checks of ${componentName} could not be registered: ${safeMessageOf(error)}`,
      )
    }
  }
  const off = startup.on((event) => {
    if (event.component !== componentName) return
    if (REGISTER_ON.has(event.type)) register()
    else if (REMOVE_ON.has(event.type)) unregister()
  })
  if (handle.peek() !== undefined) register()
  return () => {
    off()
    unregister()
  }
}
