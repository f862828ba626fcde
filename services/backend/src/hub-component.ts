import { clientFrameSchema } from '@tarmac/protocol'
import { clientAddress, type Logger } from '@tarmac/service'
import type { Component, ResourceHandle } from '@tarmac/startup'
import type { BackendCaps } from './caps-component.js'
import type { ChatService } from './chat-service.js'
import type { EventBus } from './event-bus.js'
import type { BackendConfig, BackendKnobs } from './options.js'
import type { TokenVerifier } from './token-verifier.js'
import { WebSocketHub, busLoopbackSelfTest } from './ws-hub.js'

/** What the `websocket` phase reads: the handles of the phases before it. */
export interface HubComponentInputs {
  readonly verifier: ResourceHandle<TokenVerifier>
  readonly chat: ResourceHandle<ChatService>
  readonly bus: ResourceHandle<EventBus>
  readonly caps: ResourceHandle<BackendCaps>
  readonly log: Logger
}

/**
 * `websocket`: proves an event published on the bus reaches a subscriber, then opens the hub that accepts
 * sockets (within the per-user and per-address caps) and closes them all with 1001 on stop.
 */
export function createHubComponent(
  config: BackendConfig,
  knobs: BackendKnobs,
  inputs: HubComponentInputs,
): Component<WebSocketHub> {
  return {
    name: 'websocket-hub',
    phase: 'websocket',
    timeoutMs: knobs.busSelfTestTimeoutMs + 1_000,
    async start({ signal }) {
      const bus = inputs.bus.get()
      const loopbackMs = await busLoopbackSelfTest(bus, knobs.busSelfTestTimeoutMs, signal)
      inputs.log.info({ loopbackMs, bus: bus.kind }, 'websocket bus self-test passed')
      const counters = inputs.caps.get().counters
      return new WebSocketHub(
        {
          verifier: inputs.verifier.get(),
          chat: inputs.chat.get(),
          schema: clientFrameSchema(knobs.maxMessageChars),
          limits: knobs,
          log: inputs.log,
        },
        {
          heartbeatIntervalMs: knobs.heartbeatIntervalMs,
          maxSocketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
          maxSocketsPerIp: config.WS_MAX_SOCKETS_PER_IP,
          socketCaps: { perUser: counters['sockets-per-user'], perIp: counters['sockets-per-ip'] },
          clientAddress: (request) => clientAddress(request, config.TRUST_PROXY),
        },
      )
    },
    stop: (hub) => hub.closeAll(),
  }
}
