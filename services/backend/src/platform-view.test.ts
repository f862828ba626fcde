import type { ResourceHandle, StartupReport } from '@tarmac/startup'
import { describe, expect, it } from 'vitest'
import type { EventBus } from './event-bus.js'
import { createPlatformView } from './platform-view.js'
import type { WebSocketHub } from './ws-hub.js'

/** A handle whose component has started (`resource`) or not (undefined), as the engine's handles read. */
function handleOf<R>(name: string, resource: R | undefined): ResourceHandle<R> {
  return {
    name,
    get: () => {
      if (resource === undefined) throw new Error(`${name} has not started`)
      return resource
    },
    peek: () => resource,
  }
}

describe('createPlatformView', () => {
  const report = { service: 'backend', state: 'starting' } as StartupReport

  it('reads the later phases as absent until they are attached, then through their handles', () => {
    const view = createPlatformView(() => report)
    expect(view.state.startup()).toBe(report)
    expect(view.state.database()).toBeUndefined()
    expect(view.state.bus()).toBeUndefined()
    expect(view.state.connections()).toBe(0)

    const hub = handleOf<WebSocketHub>('websocket-hub', { connectionCount: 3 } as WebSocketHub)
    view.attach({ bus: handleOf<EventBus>('event-bus', { kind: 'in-process' } as EventBus), hub })
    expect(view.state.bus()).toBe('in-process')
    expect(view.state.connections()).toBe(3)
  })

  it('reads an attached part whose component has not started (or stopped) as absent', () => {
    const view = createPlatformView(() => report)
    view.attach({ hub: handleOf<WebSocketHub>('websocket-hub', undefined) })
    expect(view.state.connections()).toBe(0)
  })
})
