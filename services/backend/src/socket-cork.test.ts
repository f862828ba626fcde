import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { corkPerTick } from './socket-cork.js'

/** A real server socket and its client; counts the server's writes to TCP (`_writev` and `_write` calls). */
async function pair() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const socket = await accepted
  await new Promise((resolve) => client.once('open', resolve))
  const stream = (socket as unknown as { _socket: Duplex })._socket
  const methods = stream as unknown as Record<string, (...args: unknown[]) => void>
  const counts = { writes: 0 }
  for (const method of ['_write', '_writev'] as const) {
    const original = methods[method]!
    methods[method] = (...args: unknown[]) => {
      counts.writes++
      original.apply(stream, args)
    }
  }
  const received: string[] = []
  client.on('message', (data: Buffer) => received.push(data.toString()))
  const close = () => {
    client.terminate()
    server.close()
  }
  return { socket, counts, received, close }
}

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((close) => close()))

async function sendThree(cork: boolean) {
  const { socket, counts, received, close } = await pair()
  cleanups.push(close)
  const beforeSend = cork ? corkPerTick(socket) : () => {}
  for (const frame of ['ack', 'started', 'delta']) {
    beforeSend()
    socket.send(frame)
  }
  await Promise.resolve() // a promise job of the same tick, as the bus delivers
  beforeSend()
  socket.send('completed')
  while (received.length < 4) await new Promise((resolve) => setTimeout(resolve, 5))
  return { writes: counts.writes, received }
}

describe('corkPerTick', () => {
  it('sends the frames of one tick in one write to the socket, in order', async () => {
    const corked = await sendThree(true)
    expect(corked.received).toEqual(['ack', 'started', 'delta', 'completed'])
    expect(corked.writes).toBe(1)
    // Without it, ws writes each frame on its own.
    const uncorked = await sendThree(false)
    expect(uncorked.received).toEqual(['ack', 'started', 'delta', 'completed'])
    expect(uncorked.writes).toBe(4)
  })

  it('leaves the next tick its own write', async () => {
    const { socket, counts, received, close } = await pair()
    cleanups.push(close)
    const beforeSend = corkPerTick(socket)
    beforeSend()
    socket.send('first')
    await new Promise((resolve) => setTimeout(resolve, 0))
    beforeSend()
    socket.send('second')
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(received).toEqual(['first', 'second'])
    expect(counts.writes).toBe(2)
  })
})
