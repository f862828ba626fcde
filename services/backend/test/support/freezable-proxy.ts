import { createConnection, createServer, type Socket } from 'node:net'

export interface FreezableProxy {
  readonly port: number
  /** Stops forwarding in both directions on every connection, open or new: the peer looks alive but silent. */
  freeze(): void
  /** Forwards again, what was held first. */
  thaw(): void
  close(): Promise<void>
}

/** A TCP proxy to `upstream` that can go silent without closing anything: a stalled network or server. */
export async function startFreezableProxy(upstream: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false
  const sockets = new Set<Socket>()
  const flushes = new Set<() => void>()
  const forward = (from: Socket, to: Socket): void => {
    const held: Buffer[] = []
    from.on('data', (chunk: Buffer) => (frozen ? held.push(chunk) : to.write(chunk)))
    const flush = (): void => {
      for (const chunk of held.splice(0)) to.write(chunk)
    }
    flushes.add(flush)
    from.on('close', () => flushes.delete(flush))
  }
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    const target = createConnection(upstream)
    track(client)
    track(target)
    forward(client, target)
    forward(target, client)
    client.on('close', () => target.destroy())
    target.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    freeze() {
      frozen = true
    },
    thaw() {
      frozen = false
      for (const flush of flushes) flush()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
