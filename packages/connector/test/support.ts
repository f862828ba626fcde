import { connect, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { createConnector } from '../src/index.js'
import type { Connector, ConnectorOptions } from '../src/index.js'

/** Closes everything a test opened, in reverse order; call `run` in afterEach. */
export class Cleanup {
  readonly #steps: (() => unknown)[] = []

  add(step: () => unknown): void {
    this.#steps.push(step)
  }

  socket(socket: Socket): Socket {
    this.add(() => socket.destroy())
    return socket
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) await step()
  }
}

export interface EchoServer {
  readonly port: number
  /** Connections the upstream has accepted so far. */
  readonly accepted: () => number
  /** Bytes the upstream has received so far. */
  readonly receivedBytes: () => number
}

/** A node:net echo server on loopback, standing in for the upstream. */
export async function startEchoServer(cleanup: Cleanup): Promise<EchoServer> {
  let accepted = 0
  let receivedBytes = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length
      socket.write(chunk)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('echo server has no port')
  return { port: address.port, accepted: () => accepted, receivedBytes: () => receivedBytes }
}

/** A listening connector in front of `upstreamPort`, closed by `cleanup`. */
export async function startConnector(
  cleanup: Cleanup,
  upstreamPort: number,
  options: Omit<ConnectorOptions, 'upstream'> = {},
): Promise<{ connector: Connector; port: number }> {
  const connector = createConnector({ upstream: { host: '127.0.0.1', port: upstreamPort }, ...options })
  cleanup.add(() => connector.close())
  const { port } = await connector.listen()
  return { connector, port }
}

/** Starts a TCP connection without waiting for it: a refused one may be reset before `connect`. */
export function openSocket(cleanup: Cleanup, port: number): Socket {
  const socket = cleanup.socket(connect({ host: '127.0.0.1', port }))
  socket.on('error', () => {})
  return socket
}

/** Opens a TCP connection (to the connector: the handshake completes at once, whatever the model says). */
export async function connectTo(cleanup: Cleanup, port: number): Promise<Socket> {
  const socket = cleanup.socket(connect({ host: '127.0.0.1', port }))
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return socket
}

/** What happened to bytes sent: they came back, or the connection was reset or closed first. */
export type Outcome = { kind: 'echoed'; elapsedMs: number } | { kind: 'reset' } | { kind: 'closed' }

/** Sends `payload` and waits until as many bytes come back, or the connection dies. */
export function roundTrip(socket: Socket, payload: Buffer | string): Promise<Outcome> {
  const bytes = Buffer.from(payload)
  const startedMs = performance.now()
  return new Promise((resolve) => {
    let received = 0
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= bytes.length) resolve({ kind: 'echoed', elapsedMs: performance.now() - startedMs })
    })
    // EPIPE: the reset arrived before our write went out; either way the peer reset us.
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNRESET' || error.code === 'EPIPE' ? { kind: 'reset' } : { kind: 'closed' }),
    )
    socket.once('close', () => resolve({ kind: 'closed' }))
    socket.write(bytes)
  })
}

/** Resolves when the socket dies: 'reset' for ECONNRESET, else 'closed'; or 'alive' after `withinMs`. */
export function waitForEnd(socket: Socket, withinMs: number): Promise<'reset' | 'closed' | 'alive'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('alive'), withinMs)
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve(error.code === 'ECONNRESET' ? 'reset' : 'closed')
    })
    socket.once('close', () => {
      clearTimeout(timer)
      resolve('closed')
    })
  })
}

export { seededRandom, until } from '@tarmac/testing'

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
