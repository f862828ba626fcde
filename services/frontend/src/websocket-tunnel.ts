import type { IncomingMessage } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { upstreamErrorBody } from './upstream-proxy.js'

export interface WebSocketTunnelOptions {
  /** The browser's path, e.g. `/ws`. */
  path: string
  /** The service's origin, e.g. `http://127.0.0.1:8000`. */
  upstream: string
  service: string
  /** How long the service has to answer the upgrade. Default 10 000. */
  connectTimeoutMs?: number
}

const HOP_BY_HOP = new Set(['host', 'connection', 'upgrade', 'keep-alive', 'proxy-connection'])

/**
 * Tunnels WebSocket upgrades on `path` to the service byte for byte: the handshake goes to the service first, so
 * the browser's subprotocols (`tarmac.v1`, `bearer.<jwt>`) reach it unchanged, its close codes (4401, 1001) reach
 * the browser unchanged, and a service that is down fails the handshake (503) instead of opening an empty socket.
 */
export function installWebSocketTunnel(app: FastifyInstance, options: WebSocketTunnelOptions): void {
  const target = new URL(options.upstream)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
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
    const upstreamRequest = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: request.url,
      method: 'GET',
      headers: {
        ...headers,
        host: target.host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'x-forwarded-for': request.socket.remoteAddress ?? '',
        'x-forwarded-host': request.headers.host ?? '',
      },
      timeout: options.connectTimeoutMs ?? 10_000,
    })
    socket.on('error', () => upstreamRequest.destroy())
    upstreamRequest.on('timeout', () =>
      upstreamRequest.destroy(Object.assign(new Error('timeout'), { statusCode: 504 })),
    )
    upstreamRequest.on('error', (error) => {
      const { statusCode, body } = upstreamErrorBody(options.service, error)
      if (socket.writable) refuse(socket, statusCode, body)
    })
    // The service answered the upgrade with plain HTTP (401, 503…): pass its answer on.
    upstreamRequest.on('response', (response) => {
      const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`]
      for (let i = 0; i < response.rawHeaders.length; i += 2)
        lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`)
      socket.write(`${lines.join('\r\n')}\r\n\r\n`)
      response.pipe(socket)
    })
    upstreamRequest.on('upgrade', (response, upstreamSocket, upstreamHead) => {
      const lines = [`HTTP/1.1 101 Switching Protocols`]
      for (let i = 0; i < response.rawHeaders.length; i += 2)
        lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`)
      socket.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstreamSocket.write(head)
      open.add(socket)
      upstreamSocket.setNoDelay(true)
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
    })
    upstreamRequest.end()
  })

  // A closing frontend drops its tunnels; the browser reconnects to another instance.
  app.addHook('preClose', async () => {
    for (const socket of open) socket.destroy()
  })
}
