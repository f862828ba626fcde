import type { FastifyInstance } from 'fastify'
import { sendClientError } from './error-handler.js'
import { SERVICE_FAULTS } from './errors.js'

/** Where a service is in its life, as far as serving requests goes. */
export type ServingState = 'starting' | 'serving' | 'stopping'

/** Paths that answer in every state: health probes and metrics. */
export const ALWAYS_OPEN_PREFIXES = ['/health', '/metrics', '/.well-known/']

/**
 * Answers every request except health and metrics with 503 while the service starts or stops, so the HTTP
 * server can listen in the first phase (probes work during a slow boot) without taking traffic it cannot serve.
 * @example
 * const gate = installReadinessGate(app)
 * // …after the last phase:
 * gate.set('serving')
 */
export function installReadinessGate(
  app: FastifyInstance,
  options: { alwaysOpen?: readonly string[] } = {},
): { set(state: ServingState): void; readonly state: ServingState } {
  const open = options.alwaysOpen ?? ALWAYS_OPEN_PREFIXES
  let state: ServingState = 'starting'
  app.addHook('onRequest', async (request, reply) => {
    if (state === 'serving') return
    const path = request.url.split('?')[0] ?? ''
    if (open.some((prefix) => path.startsWith(prefix))) return
    const code = state === 'starting' ? 'SERVICE_STARTING' : 'SERVICE_STOPPING'
    const message =
      state === 'starting' ? 'the service is starting; retry shortly' : 'the service is shutting down'
    const { status, retryAfterS } = SERVICE_FAULTS.specs[code]
    await sendClientError(reply, { statusCode: status, code, message, retryAfterS })
  })
  return {
    set(next) {
      state = next
    },
    get state() {
      return state
    },
  }
}
