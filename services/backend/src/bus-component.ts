import type { HealthRegistry } from '@tarmac/health'
import type { ResourceHandle, Startup } from '@tarmac/startup'
import { createInProcessBus, type EventBus } from './event-bus.js'
import { createRedisBusComponent } from './redis-bus.js'

/**
 * `cache`: the event bus, one handle whichever is configured — Redis across instances (critical, with a
 * `redis:responseTime` check), or in-process for one.
 */
export function addEventBus(
  startup: Startup,
  health: HealthRegistry,
  redisUrl: string | undefined,
  channelPrefix: string,
): ResourceHandle<EventBus> {
  if (!redisUrl) {
    return startup.add<EventBus>({
      name: 'event-bus',
      phase: 'cache',
      start: () => createInProcessBus(),
      stop: (bus) => bus.close(),
    })
  }
  const bus = startup.add<EventBus>(createRedisBusComponent(redisUrl, channelPrefix))
  health.contribute(startup, bus, (redisBus) => [
    {
      name: 'redis:responseTime',
      componentType: 'datastore',
      fault: { domain: 'infrastructure', layer: 'redis' },
      run: async () => ({ observedValue: await redisBus.ping(), observedUnit: 'ms' }),
    },
  ])
  return bus
}
