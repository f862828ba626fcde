import { StartupError } from './errors.js'

/**
 * A typed reference to one component's resource, returned by `startup.add()`. Pass it to whatever needs the
 * resource (a later component's `start`, a route, a health check) instead of looking it up by name.
 * @example
 * const postgres = startup.add(createPostgresAdmission({ url, applicationName: 'backend' }))
 * startup.add({ name: 'chat', phase: 'services', start: () => new ChatService(postgres.get().pool) })
 */
export interface ResourceHandle<Resource> {
  /** The component's name, as in the report and the events. */
  readonly name: string
  /** The resource; throws `STARTUP_ERR_NOT_STARTED` before the component started or once it stopped. */
  get(): Resource
  /** The resource while the component is up, else undefined. */
  peek(): Resource | undefined
}

/** Where a handle reads: the engine's resources of started components, by name. */
export function createResourceHandle<Resource>(
  name: string,
  resources: ReadonlyMap<string, unknown>,
): ResourceHandle<Resource> {
  return Object.freeze({
    name,
    get(): Resource {
      if (!resources.has(name))
        throw new StartupError(
          'STARTUP_ERR_NOT_STARTED',
          `component "${name}" has not started or has stopped`,
        )
      return resources.get(name) as Resource
    },
    peek: () => resources.get(name) as Resource | undefined,
  })
}
