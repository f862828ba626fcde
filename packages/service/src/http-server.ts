import type { FastifyInstance } from 'fastify'
import type { Component } from '@tarmac/startup'

export interface HttpServerComponentOptions {
  readonly app: FastifyInstance
  readonly port: number
  /** Default 0.0.0.0 in production, 127.0.0.1 otherwise is the caller's choice; default here '0.0.0.0'. */
  readonly host?: string
  readonly phase?: string
  readonly name?: string
}

/**
 * The HTTP server as a startup component: `start` listens, `stop` closes (stops accepting, waits for in-flight
 * requests). Put it in the first phase together with a readiness gate so probes answer during a slow boot.
 */
export function createHttpServerComponent(options: HttpServerComponentOptions): Component<{ port: number }> {
  const { app } = options
  return {
    name: options.name ?? 'http',
    phase: options.phase ?? 'init',
    timeoutMs: 10_000,
    async start() {
      await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' })
      const address = app.server.address()
      return { port: typeof address === 'object' && address ? address.port : options.port }
    },
    async stop() {
      await app.close()
    },
  }
}
