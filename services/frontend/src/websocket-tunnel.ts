import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { clientAddress, type TrustProxy } from '@tarmac/service'
import { BalancedPool, Pool, type Dispatcher } from 'undici'
import { upstreamErrorBody } from './upstream-proxy.js'

export interface WebSocketTunnelOptions {
  /** The browser's path, e.g. `/ws`. */
  path: string
  /** The service's origins, e.g. `['http://127.0.0.1:8000']`; with several, undici's BalancedPool picks one. */
  upstreams: readonly string[]
  service: string
  /** How long the service has to connect and answer the upgrade. Default 10 000. */
  connectTimeoutMs?: number
  /** Which proxies may say who the client is, as for the HTTP routes (`TRUST_PROXY`). Default: nobody. */
  trust?: TrustProxy
}

/** Headers that belong to one hop: the upgrade's own are set by undici, the rest must not be forwarded. */
const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
])

const headerLines = (rawHeaders: readonly (Buffer | string)[], skip: ReadonlySet<string> = new Set()) => {
  const lines: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString()
    if (!skip.has(name.toLowerCase())) lines.push(`${name}: ${rawHeaders[i + 1]!.toString()}`)
  }
  return lines
}

/**
 * Tunnels WebSocket upgrades on `path` to the service byte for byte: the handshake goes to the service first, so
 * the browser's subprotocols (`tarmac.v1`, `bearer.<jwt>`) reach it unchanged, its close codes (4401, 1001) reach
 * the browser unchanged, and a service that is down fails the handshake (503) instead of opening an empty socket.
 * The upstream connection comes from undici — a Pool for one origin, a BalancedPool (weighted round robin, which
 * steers away from an origin that fails to connect) for several — and once upgraded the socket leaves the pool.
 */
export function installWebSocketTunnel(app: FastifyInstance, options: WebSocketTunnelOptions): void {
  const connect = { timeout: options.connectTimeoutMs ?? 10_000 }
  const dispatcher: Dispatcher =
    options.upstreams.length > 1
      ? new BalancedPool([...options.upstreams], { connect })
      : new Pool(options.upstreams[0]!, { connect })
  const open = new Set<Duplex>()

  const refuse = (socket: Duplex, statusCode: number, body: unknown) => {
    const text = JSON.stringify(body)
    socket.end(
      `HTTP/1.1 ${statusCode} ${statusCode === 504 ? 'Gateway Timeout' : 'Service Unavailable'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    )
  }

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0]
    if (path !== options.path) {
      socket.destroy()
      return
    }
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(request.headers))
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
    // The address this server concluded, replacing whatever the client claimed: the backend believes it.
    headers['x-forwarded-for'] = clientAddress(request, options.trust ?? { kind: 'none' })
    headers['x-forwarded-host'] = request.headers.host ?? ''
    let abortUpstream: ((reason?: Error) => void) | undefined
    let answered = false
    socket.on('error', () => abortUpstream?.())
    dispatcher.dispatch(
      {
        path: request.url ?? options.path,
        method: 'GET',
        headers,
        upgrade: 'websocket',
        headersTimeout: connect.timeout,
      },
      {
        onConnect(abort: (reason?: Error) => void) {
          abortUpstream = abort
          if (socket.destroyed) abort()
        },
        // The service answered the upgrade with plain HTTP (401, 503…): pass its answer on, then close.
        onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string) {
          answered = true
          const lines = [
            `HTTP/1.1 ${statusCode} ${statusText}`,
            ...headerLines(rawHeaders, HOP_BY_HOP),
            'connection: close',
          ]
          socket.write(`${lines.join('\r\n')}\r\n\r\n`)
          return true
        },
        onData(chunk: Buffer) {
          socket.write(chunk)
          return true
        },
        onComplete() {
          socket.end()
        },
        onError(error: Error) {
          if (!answered && socket.writable) {
            const { statusCode, body } = upstreamErrorBody(options.service, error)
            refuse(socket, statusCode, body)
          } else socket.destroy()
        },
        onUpgrade(
          _statusCode: number,
          rawHeaders: Buffer[],
          upstreamSocket: Duplex & { remotePort?: number },
        ) {
          answered = true
          socket.write(
            `${['HTTP/1.1 101 Switching Protocols', ...headerLines(rawHeaders)].join('\r\n')}\r\n\r\n`,
          )
          if (head.length > 0) upstreamSocket.write(head)
          open.add(socket)
          app.log.info(
            {
              service: options.service,
              upstream: `${(upstreamSocket as { remoteAddress?: string }).remoteAddress}:${upstreamSocket.remotePort}`,
            },
            'websocket tunnelled',
          )
          upstreamSocket.pipe(socket).pipe(upstreamSocket)
          const end = () => {
            open.delete(socket)
            socket.destroy()
            upstreamSocket.destroy()
          }
          socket.on('close', end)
          upstreamSocket.on('close', end)
          upstreamSocket.on('error', end)
          socket.on('error', end)
        },
      },
    )
  })

  // A closing frontend drops its tunnels; the browser reconnects to another instance.
  app.addHook('preClose', async () => {
    for (const socket of open) socket.destroy()
  })
  app.addHook('onClose', async () => dispatcher.destroy())
}
