import { createServer, type Server, type Socket } from 'node:net'

/** A loopback TCP server for failure tests; records what happened to the sockets it accepted. */
export interface TestServer {
  readonly port: number
  /** Resolves when the server has seen `count` accepted sockets close. */
  closed(count?: number): Promise<void>
  readonly accepted: number
  close(): Promise<void>
}

/**
 * Starts a TCP server on 127.0.0.1 that does `onSocket` with each accepted socket:
 * never answer, reset, or write something that is not the expected protocol.
 */
export async function startTestServer(
  onSocket: (socket: Socket) => void = () => undefined,
): Promise<TestServer> {
  const sockets = new Set<Socket>()
  let accepted = 0
  let closedCount = 0
  const waiters: Array<{ count: number; resolve: () => void }> = []
  const server: Server = createServer((socket) => {
    accepted++
    sockets.add(socket)
    socket.on('error', () => undefined)
    // Drain what the client sends: unread data would hold back the EOF, and with it 'close'.
    socket.resume()
    socket.once('close', () => {
      sockets.delete(socket)
      closedCount++
      for (const waiter of waiters.filter((w) => closedCount >= w.count)) waiter.resolve()
    })
    onSocket(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    get accepted() {
      return accepted
    },
    closed(count = 1) {
      if (closedCount >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** A port nothing listens on: bind a server, read its port, close it. */
export async function closedPort(): Promise<number> {
  const server = await startTestServer()
  await server.close()
  return server.port
}

/**
 * A listening socket whose accept queue is full, so that a new connect gets no SYN-ACK and hangs
 * until its deadline: a real TCP connect timeout on loopback. Node always accepts, so a tiny
 * python3 process listens with backlog 0 and never calls accept(); one filler connection fills it.
 */
export async function startFullBacklogListener(): Promise<{ port: number; close(): Promise<void> }> {
  const { spawn } = await import('node:child_process')
  const { connect } = await import('node:net')
  const script = [
    'import socket, sys',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n')
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
  })
  const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')]
  for (const filler of fillers) filler.on('error', () => undefined)
  await new Promise<void>((resolve) => fillers[0]!.once('connect', () => resolve()))
  return {
    port,
    async close() {
      for (const filler of fillers) filler.destroy()
      child.stdin.end()
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve))
    },
  }
}
