import type { PostgresHandle } from '@tarmac/postgres'
import type { ResourceHandle, StartupReport } from '@tarmac/startup'
import type { PlatformState } from './assistant.js'
import type { EventBus } from './event-bus.js'
import type { WebSocketHub } from './ws-hub.js'

/** The later phases' handles the platform state reads, each given once that phase is declared. */
export interface PlatformSources {
  readonly postgres?: ResourceHandle<PostgresHandle>
  readonly bus?: ResourceHandle<EventBus>
  readonly hub?: ResourceHandle<WebSocketHub>
}

/** The platform state and where the phases after `dependencies` attach to it. */
export interface PlatformView {
  /** What the local assistant reads; a part whose phase has not started reads as absent (no connections). */
  readonly state: PlatformState
  /** Adds the handles of a phase declared after the assistant's. */
  attach(sources: PlatformSources): void
}

/**
 * The assistant is a `dependencies` component, yet it answers about the database, the bus and the sockets,
 * which come later: it gets this view, and each later phase attaches its handle where the composition root
 * declares it — nothing reads a handle before it is declared, and nothing before its component started.
 */
export function createPlatformView(report: () => StartupReport): PlatformView {
  let sources: PlatformSources = {}
  return {
    state: {
      startup: report,
      database: () => {
        const postgres = sources.postgres?.peek()
        return (
          postgres && {
            serverVersion: postgres.admission.serverVersion,
            connectMs: postgres.admission.timings,
            embedded: postgres.admission.capacity.embedded,
            pool: postgres.poolStats(),
          }
        )
      },
      bus: () => sources.bus?.peek()?.kind,
      connections: () => sources.hub?.peek()?.connectionCount ?? 0,
    },
    attach: (more) => void (sources = { ...sources, ...more }),
  }
}
