import { afterEach, describe, expect, it } from 'vitest'
import { createConnector, isConnectorError } from '../src/index.js'
import { Cleanup, roundTrip, openSocket, startEchoServer } from './support.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())
const upstream = { host: '127.0.0.1', port: 5432 }

async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action()
  } catch (error) {
    return isConnectorError(error) ? error.code : 'NOT_A_CONNECTOR_ERROR'
  }
  return undefined
}

describe('Connector lifecycle', () => {
  it('has no address before listen() and after close()', async () => {
    const connector = createConnector({ upstream })
    cleanup.add(() => connector.close())
    expect(await codeOf(() => connector.address)).toBe('CONNECTOR_ERR_NOT_LISTENING')
    const address = await connector.listen()
    expect(connector.address.port).toBe(address.port)
    await connector.close()
    await connector.close()
    expect(await codeOf(() => connector.address)).toBe('CONNECTOR_ERR_NOT_LISTENING')
    expect(await codeOf(() => connector.listen())).toBe('CONNECTOR_ERR_CLOSED')
  })

  it('refuses to listen twice, and reports a port already taken', async () => {
    const connector = createConnector({ upstream })
    cleanup.add(() => connector.close())
    const { port } = await connector.listen()
    expect(await codeOf(() => connector.listen())).toBe('CONNECTOR_ERR_ALREADY_LISTENING')
    const other = createConnector({ upstream })
    cleanup.add(() => other.close())
    expect(await codeOf(() => other.listen(port))).toBe('CONNECTOR_ERR_LISTEN_FAILED')
  })

  it('points a client URL at itself, keeping credentials, database and parameters', async () => {
    const connector = createConnector({ upstream })
    cleanup.add(() => connector.close())
    const { url, port } = await connector.listen()
    expect(url('postgres://app:s3cret@db.internal:5432/chat?sslmode=disable')).toBe(
      `postgres://app:s3cret@127.0.0.1:${port}/chat?sslmode=disable`,
    )
  })

  it('rejects invalid options at construction and in update(), keeping the old settings', () => {
    expect(() => createConnector({ upstream, capacity: -1 })).toThrow(
      expect.objectContaining({ code: 'CONNECTOR_ERR_INVALID_OPTIONS' }),
    )
    const connector = createConnector({ upstream, capacity: 2 })
    expect(() => connector.update({ capacity: 0 })).toThrow(
      expect.objectContaining({ code: 'CONNECTOR_ERR_INVALID_OPTIONS' }),
    )
    expect(connector.options.capacity).toBe(2)
    expect(connector.update({ capacity: 3 }).capacity).toBe(3)
    expect(connector.stats().capacity).toBe(3)
  })

  it('destroys live connections on close()', async () => {
    const echo = await startEchoServer(cleanup)
    const connector = createConnector({ upstream: { host: '127.0.0.1', port: echo.port } })
    const { port } = await connector.listen()
    const client = openSocket(cleanup, port)
    expect((await roundTrip(client, 'x')).kind).toBe('echoed')
    const closed = new Promise((resolve) => client.once('close', resolve))
    await connector.close()
    await closed
    expect(connector.stats()).toMatchObject({ open: 0, closed: 1 })
  })

  it('applies a new upstream to connections made after update()', async () => {
    const first = await startEchoServer(cleanup)
    const second = await startEchoServer(cleanup)
    const connector = createConnector({ upstream: { host: '127.0.0.1', port: first.port } })
    cleanup.add(() => connector.close())
    const { port } = await connector.listen()
    expect((await roundTrip(openSocket(cleanup, port), 'a')).kind).toBe('echoed')
    connector.update({ upstream: { host: '127.0.0.1', port: second.port } })
    expect((await roundTrip(openSocket(cleanup, port), 'b')).kind).toBe('echoed')
    expect([first.accepted(), second.accepted()]).toEqual([1, 1])
  })
})
