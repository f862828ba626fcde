import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Deadline } from './deadline.js'
import { connectTcp } from './tcp-connect.js'

describe('connectTcp', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  it('falls back to the next address when one refuses (real sockets on 127.0.0.2 and 127.0.0.1)', async () => {
    server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const deadline = new Deadline(5_000)
    const addresses = [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]
    const { socket, address } = await connectTcp(addresses, port, deadline)
    deadline.dispose()
    expect(address).toBe('127.0.0.1')
    expect(socket.remotePort).toBe(port)
    socket.destroy()
  })
})
