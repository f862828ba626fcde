import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { healthPlugin, type HealthRegistry } from '@tarmac/health'
import { probeConnects } from '@tarmac/postgres'
import { CLOSE_CODES } from '@tarmac/protocol'
import {
  installErrorHandler,
  installLazyValidation,
  installReadinessGate,
  type Logger,
  type ServingState,
} from '@tarmac/service'
import type { ResourceHandle, Startup } from '@tarmac/startup'
import type { ChatService } from './chat-service.js'
import { faults } from './faults.js'
import type { BackendConfig } from './options.js'
import { registerRestRoutes } from './rest-routes.js'
import type { TokenVerifier } from './token-verifier.js'
import { selectSubprotocol, type WebSocketHub } from './ws-hub.js'

/** The HTTP side before anything started: the shared error handler and the readiness gate (closed). */
export interface BackendApp {
  readonly app: FastifyInstance
  readonly gate: { set(state: ServingState): void; readonly state: ServingState }
}

export function createBackendApp(logger: Logger): BackendApp {
  const app = Fastify({ loggerInstance: logger, bodyLimit: 64 * 1024 })
  installErrorHandler(app, faults)
  installLazyValidation(app) // route schemas compile on first use, not at ready
  return { app, gate: installReadinessGate(app) }
}

/** What the routes read once their components started: handles, never lookups by name. */
export interface BackendRouteInputs extends BackendApp {
  readonly config: BackendConfig
  readonly startup: Startup
  readonly health: HealthRegistry
  readonly version: string | undefined
  readonly maxPayloadBytes: number
  /** The database's URL: known once `database` started (the embedded server's port). */
  readonly databaseUrl: { peek(): string | undefined }
  readonly verifier: ResourceHandle<TokenVerifier>
  readonly chat: ResourceHandle<ChatService>
  readonly hub: ResourceHandle<WebSocketHub>
}

/**
 * Every route, declared before `init` listens: `/health/*` (answering, with the phase, while the rest starts),
 * `/ws` (closed with 1013 until the gate serves) and the REST API (503 behind the gate).
 */
export function registerBackendRoutes(inputs: BackendRouteInputs): void {
  const { app, config, gate, version } = inputs
  app.register(healthPlugin, {
    registry: inputs.health,
    startup: inputs.startup,
    ...(config.HEALTH_TOKEN ? { token: config.HEALTH_TOKEN } : {}),
    serviceId: 'backend',
    description: 'Tarmac chat backend',
    ...(version && { version }),
    ...(process.env.RELEASE_ID && { releaseId: process.env.RELEASE_ID }),
    // From inside the service: the connector is on this path only.
    probes: {
      postgres: async ({ connects, timeoutMs, signal }) => {
        const url = inputs.databaseUrl.peek()
        if (!url) return { connects: 0, ok: 0, failed: 0, note: 'the embedded database has not started yet' }
        return probeConnects(url, { connects, timeoutMs, signal, applicationName: 'tarmac-backend:probe' })
      },
    },
  })
  app.register(websocket, {
    options: { maxPayload: inputs.maxPayloadBytes, handleProtocols: (offered) => selectSubprotocol(offered) },
  })
  app.register(async (scoped) => {
    scoped.get('/ws', { websocket: true }, (socket, request) => {
      if (gate.state !== 'serving') return socket.close(CLOSE_CODES.tryAgainLater, 'not ready')
      inputs.hub.get().accept(socket, request.raw)
    })
  })
  registerRestRoutes(app, () => ({ verifier: inputs.verifier.get(), chat: inputs.chat.get() }))
}
