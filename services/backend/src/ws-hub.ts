import { randomUUID } from 'node:crypto'
import { drain } from '@tarmac/startup'
import type { IncomingMessage } from 'node:http'
import type { RawData, WebSocket } from 'ws'
import { CLOSE_CODES } from '@tarmac/protocol'
import { LocalCapCounter, type CapCounter } from './cap-counter.js'
import { BackendError } from './errors.js'
import type { EventBus } from './event-bus.js'
import { WsConnection, type ConnectionContext } from './ws-connection.js'
import { BEARER_PROTOCOL_PREFIX, SUBPROTOCOL, errorFrame } from '@tarmac/protocol'

/** Picks `tarmac.v1` from the offered subprotocols (the bearer token is read from the same header). */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false
}

/** The access token offered as `bearer.<jwt>` in `Sec-WebSocket-Protocol`, if any. */
export function bearerFromProtocols(request: IncomingMessage): string | undefined {
  const header = request.headers['sec-websocket-protocol']
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim())
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))
  return bearer?.slice(BEARER_PROTOCOL_PREFIX.length) || undefined
}

export interface WebSocketHubOptions {
  readonly heartbeatIntervalMs: number
  /** Sockets per authenticated user, and per remote address; more are closed with 4429. */
  readonly maxSocketsPerUser: number
  readonly maxSocketsPerIp: number
  /** Where those are counted: this instance (default), or the fleet (Redis, `FleetCaps`). */
  readonly socketCaps?: { readonly perUser: CapCounter; readonly perIp: CapCounter }
  /** The client's address for the per-address cap (a trusted proxy's `X-Forwarded-For`, else the peer). */
  readonly clientAddress: (request: IncomingMessage) => string
}

/**
 * Every live socket of this instance: accepts them (within the per-address and per-user caps), pings them
 * on an interval (a socket that missed a pong is terminated), closes them all with 1001 on shutdown, and
 * proves at startup that an event published on the bus reaches a subscriber.
 */
export class WebSocketHub {
  readonly #connections = new Set<WsConnection>()
  readonly #context: ConnectionContext
  readonly #heartbeat: NodeJS.Timeout
  readonly #sockets = new Set<WebSocket>()
  readonly #perUser: CapCounter
  readonly #perIp: CapCounter
  readonly #maxSocketsPerIp: number
  readonly #clientAddress: (request: IncomingMessage) => string

  constructor(context: Omit<ConnectionContext, 'claimUser' | 'releaseUser'>, options: WebSocketHubOptions) {
    this.#perUser = options.socketCaps?.perUser ?? new LocalCapCounter()
    this.#perIp = options.socketCaps?.perIp ?? new LocalCapCounter()
    this.#maxSocketsPerIp = options.maxSocketsPerIp
    this.#clientAddress = options.clientAddress
    this.#context = {
      ...context,
      claimUser: (userId) => this.#perUser.claim(userId, options.maxSocketsPerUser),
      releaseUser: (userId) => this.#perUser.release(userId),
    }
    this.#heartbeat = setInterval(() => {
      for (const connection of this.#connections) connection.heartbeat()
    }, options.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  accept(socket: WebSocket, request: IncomingMessage): void {
    const ip = this.#clientAddress(request)
    // Frames that arrive while the address is counted (a Redis round trip with fleet caps) wait for the
    // connection, in order.
    const early: [RawData, boolean][] = []
    const hold = (data: RawData, isBinary: boolean): number => early.push([data, isBinary])
    socket.on('message', hold)
    let closedEarly = false
    socket.once('close', () => (closedEarly = true))
    void this.#perIp.claim(ip, this.#maxSocketsPerIp).then(
      (claimed) => {
        socket.off('message', hold)
        if (!claimed) return this.#refuse(socket)
        if (closedEarly) return this.#perIp.release(ip)
        socket.once('close', () => this.#perIp.release(ip))
        const connection = new WsConnection(socket, this.#context, bearerFromProtocols(request))
        this.#connections.add(connection)
        this.#sockets.add(socket)
        socket.once('close', () => {
          this.#connections.delete(connection)
          this.#sockets.delete(socket)
        })
        for (const [data, isBinary] of early) socket.emit('message', data, isBinary)
      },
      () => socket.terminate(), // a counter never rejects (Redis failures fall back); kept for safety
    )
  }

  #refuse(socket: WebSocket): void {
    socket.send(JSON.stringify(errorFrame('TOO_MANY_SOCKETS', 'this address has too many open sockets')))
    socket.close(CLOSE_CODES.tooManySockets, 'too many sockets for this address')
  }

  /** Shutdown: every socket gets close code 1001; those that do not finish the handshake in time are cut. */
  async closeAll(timeoutMs = 2_000): Promise<void> {
    clearInterval(this.#heartbeat)
    const closed = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) =>
          socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()),
        ),
    )
    for (const connection of this.#connections)
      connection.close(CLOSE_CODES.goingAway, 'server shutting down')
    await drain(closed, { timeoutMs })
    for (const connection of this.#connections) connection.terminate()
  }
}

/** The `websocket` phase self-test: an event published on the bus reaches a loopback subscriber in time. */
export async function busLoopbackSelfTest(
  bus: EventBus,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  const topic = `self-test:${randomUUID()}`
  const nonce = randomUUID()
  const startedMs = performance.now()
  let unsubscribe: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendError(
              'BACKEND_ERR_BUS_SELF_TEST_FAILED',
              `no ${bus.kind} bus delivery within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      )
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
      bus
        .subscribe(topic, (event) => event.type === 'self-test' && event.nonce === nonce && resolve())
        .then((off) => {
          unsubscribe = off
          return bus.publish(topic, { type: 'self-test', nonce })
        })
        .catch((error: unknown) =>
          reject(
            new BackendError(
              'BACKEND_ERR_BUS_SELF_TEST_FAILED',
              `the ${bus.kind} bus failed: ${(error as Error).message}`,
              { cause: error },
            ),
          ),
        )
    })
    return Math.round(performance.now() - startedMs)
  } finally {
    clearTimeout(timer)
    unsubscribe?.()
  }
}
