import type { PostgresHandle } from '@tarmac/postgres'
import type { Logger } from '@tarmac/service'
import type { Component, ResourceHandle } from '@tarmac/startup'
import type { AssistantProvider } from './assistant.js'
import { boundedQueries } from './bounded-queries.js'
import type { BackendCaps } from './caps-component.js'
import { ChatService } from './chat-service.js'
import type { EventBus } from './event-bus.js'
import type { BackendConfig, BackendKnobs } from './options.js'

/** What the `services` phase reads: the handles of the phases before it. */
export interface ChatComponentInputs {
  readonly postgres: ResourceHandle<PostgresHandle>
  readonly bus: ResourceHandle<EventBus>
  readonly provider: ResourceHandle<AssistantProvider>
  readonly caps: ResourceHandle<BackendCaps>
  /** This process's name in run leases. */
  readonly instanceId: string
  readonly log: Logger
}

/** `services`: the chat use case over the pool, the bus, the assistant and the run cap. */
export function createChatComponent(
  config: BackendConfig,
  knobs: BackendKnobs,
  inputs: ChatComponentInputs,
): Component<ChatService> {
  return {
    name: 'chat',
    phase: 'services',
    start: () => {
      const postgres = inputs.postgres.get()
      return new ChatService({
        db: boundedQueries(postgres.pool, config.DB_QUERY_TIMEOUT_MS),
        // A direct connection to a real Postgres keeps its prepared statements; a transaction pooler and the
        // embedded Postgres do not. Decided by what the server is, not by whether a URL was given: under
        // `tarmac up` DATABASE_URL names the embedded server, whose ONE session every client shares — named
        // statements there collide between processes (42P05 "already exists").
        preparedStatements: !postgres.admission.capacity.embedded && config.DB_POOLER !== 'transaction',
        bus: inputs.bus.get(),
        provider: inputs.provider.get(),
        historyMessages: knobs.historyMessages,
        maxQueuedRunsPerThread: knobs.maxQueuedRunsPerThread,
        deltaFlushMs: knobs.deltaFlushMs,
        maxRunsPerUser: config.CHAT_MAX_RUNS_PER_USER,
        runCaps: inputs.caps.get().counters['runs-per-user'],
        leases: {
          instanceId: inputs.instanceId,
          leaseMs: knobs.runLeaseMs,
          heartbeatMs: knobs.runLeaseHeartbeatMs,
          sweepMs: knobs.runLeaseSweepMs,
          maxAttempts: knobs.runLeaseMaxAttempts,
        },
        log: inputs.log,
      })
    },
    stop: (service) => service.stop(knobs.runDrainMs),
    stopTimeoutMs: knobs.runDrainMs + 5_000,
  }
}
