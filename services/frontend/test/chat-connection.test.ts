import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fullJitterDelayMs } from '@tarmac/startup/retry-policy'
import { ChatConnection } from '../app/chat/chat-connection.js'
import { FakeSocket } from './fake-socket.js'

function setup(overrides: { refreshToken?: () => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = []
  const history: { id: string; role: 'user' | 'assistant'; text: string }[] = []
  const connection = new ChatConnection({
    url: 'ws://test/ws',
    token: () => 'tok',
    createSocket: (_url, protocols) => {
      const socket = new FakeSocket(protocols)
      sockets.push(socket)
      return socket
    },
    loadHistory: async () => [...history],
    backoff: { baseMs: 1_000, capMs: 8_000 },
    unavailableAfterFailures: 2,
    random: () => 0.5,
    ...overrides,
  })
  return { connection, sockets, history, last: () => sockets.at(-1)! }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ChatConnection', () => {
  it('authenticates with the bearer subprotocol, subscribes and sends', async () => {
    const { connection, last } = setup()
    connection.connect()
    connection.openThread('t1')
    expect(last().protocols).toEqual(['tarmac.v1', 'bearer.tok'])
    last().accept()
    expect(connection.state.connection).toBe('open')
    expect(last().sent[0]).toEqual({ type: 'thread.subscribe', threadId: 't1' })
    const id = connection.send('hello')
    expect(last().sends()).toEqual([{ type: 'message.send', threadId: 't1', clientMsgId: id, text: 'hello' }])
    // Unanswered, it is sent again after the ack timeout (20 s), on the same socket, with the same clientMsgId.
    await vi.advanceTimersByTimeAsync(20_000)
    expect(last().sends()).toHaveLength(2)
    last().receive({ type: 'message.ack', threadId: 't1', clientMsgId: id, messageId: 'm1', duplicate: true })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(last().sends()).toHaveLength(2)
    expect(connection.state.messages[0]).toMatchObject({ status: 'sent', id: 'm1' })
  })

  it('reconnects with jittered backoff and resends the unacknowledged message with the same clientMsgId', async () => {
    const { connection, sockets, last } = setup()
    connection.connect()
    connection.openThread('t1')
    last().accept()
    const id = connection.send('hello')
    last().drop()
    expect(connection.state.connection).toBe('reconnecting')
    // attempt 0: random 0.5 × min(8000, 1000) = 500 ms
    await vi.advanceTimersByTimeAsync(499)
    expect(sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(2)
    last().accept()
    expect(last().sends()).toEqual([{ type: 'message.send', threadId: 't1', clientMsgId: id, text: 'hello' }])
    last().receive({ type: 'message.ack', clientMsgId: id, messageId: 'm1' })
    last().receive({ type: 'message.ack', clientMsgId: id, messageId: 'm1' })
    expect(connection.state.messages).toHaveLength(1)
    expect(connection.state.messages[0]).toMatchObject({ id: 'm1', status: 'sent' })
  })

  it('says unavailable after repeated failures and keeps retrying with growing windows', async () => {
    const { connection, sockets, last } = setup()
    connection.connect()
    last().drop()
    expect(connection.state.connection).toBe('reconnecting')
    await vi.advanceTimersByTimeAsync(500)
    last().drop()
    expect(connection.state.connection).toBe('unavailable')
    // attempt 1: 0.5 × 2000 = 1000 ms
    await vi.advanceTimersByTimeAsync(999)
    expect(sockets).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(sockets).toHaveLength(3)
    last().accept()
    expect(connection.state.connection).toBe('open')
  })

  it('reloads history after reconnecting', async () => {
    const { connection, history, last } = setup()
    connection.connect()
    connection.openThread('t1')
    last().accept()
    last().drop()
    history.push({ id: 'm1', role: 'assistant', text: 'stored while you were away' })
    await vi.advanceTimersByTimeAsync(500)
    last().accept()
    await vi.advanceTimersByTimeAsync(0)
    expect(connection.state.messages).toMatchObject([{ id: 'm1', text: 'stored while you were away' }])
  })

  it('refreshes the token on close code 4401 and reconnects at once', async () => {
    const refreshToken = vi.fn(async () => true)
    const { connection, sockets, last } = setup({ refreshToken })
    connection.connect()
    last().drop(4401)
    await vi.advanceTimersByTimeAsync(0)
    expect(refreshToken).toHaveBeenCalledOnce()
    expect(sockets).toHaveLength(2)
  })

  it('refreshes the token and reconnects when the socket closes with 4408 (token expired)', async () => {
    const refreshToken = vi.fn(async () => true)
    const { connection, sockets, last } = setup({ refreshToken })
    connection.connect()
    last().accept()
    last().drop(4408)
    await vi.advanceTimersByTimeAsync(0)
    expect(refreshToken).toHaveBeenCalledOnce()
    expect(sockets).toHaveLength(2)
  })

  it('stops at unauthorized when the token cannot be refreshed', async () => {
    const { connection, sockets, last } = setup({ refreshToken: async () => false })
    connection.connect()
    last().drop(4401)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(connection.state.connection).toBe('unauthorized')
    expect(sockets).toHaveLength(1)
  })

  it("computes full-jitter delays within the capped window (startup's policy, imported browser-safe)", () => {
    const policy = { baseMs: 500, capMs: 10_000 }
    expect(fullJitterDelayMs(0, policy, () => 0.999)).toBe(499)
    expect(fullJitterDelayMs(10, policy, () => 0.5)).toBe(5_000)
    expect(fullJitterDelayMs(3, policy, () => 0)).toBe(0)
  })

  it('after a reconnect, resends the messages the server rate-limited (by ref), later, until all are acked', async () => {
    const { connection, sockets, last } = setup()
    connection.connect()
    connection.openThread('t1')
    last().accept()
    last().drop()
    const ids = Array.from({ length: 40 }, (_, i) => connection.send(`queued ${i}`))
    await vi.advanceTimersByTimeAsync(500)
    expect(sockets).toHaveLength(2)
    // A server with a burst of 28: it acks the first 28 sends, refuses the rest with RATE_LIMITED naming them,
    // and then one send per 100 ms.
    let tokens = 28
    let answered = 0
    const answer = () => {
      for (const frame of last().sends().slice(answered)) {
        const clientMsgId = frame.clientMsgId as string
        if (tokens > 0) {
          tokens--
          last().receive({
            type: 'message.ack',
            threadId: 't1',
            clientMsgId,
            messageId: `m-${clientMsgId}`,
            duplicate: false,
          })
        } else {
          last().receive({
            type: 'error',
            code: 'RATE_LIMITED',
            message: 'slow down',
            ref: clientMsgId,
            retryable: true,
          })
        }
      }
      answered = last().sends().length
    }
    last().accept()
    answer()
    const states = () => connection.state.messages.map((m) => m.status)
    expect(states().filter((s) => s === 'sent')).toHaveLength(28)
    for (let second = 0; second < 120 && states().some((s) => s !== 'sent'); second++) {
      tokens = Math.min(28, tokens + 10)
      await vi.advanceTimersByTimeAsync(1_000)
      answer()
    }
    expect(states()).toEqual(ids.map(() => 'sent'))
    expect(connection.state.outbox).toEqual([])
  })

  it('fails a message too large to send without sending it; the user can retry it', async () => {
    const { connection, last } = setup()
    connection.connect()
    connection.openThread('t1')
    last().accept()
    const id = connection.send('\u0001'.repeat(6_000)) // 6,000 chars, 36,000 bytes once JSON-escaped
    expect(last().sends()).toEqual([])
    expect(connection.state.messages[0]).toMatchObject({ status: 'failed', errorCode: 'FRAME_TOO_LARGE' })
    connection.retry(id)
    expect(connection.state.messages[0]).toMatchObject({ status: 'failed', errorCode: 'FRAME_TOO_LARGE' })
    expect(last().sends()).toEqual([])
  })

  it('Retry on a message failed by a final code sends it again on the same socket (found by the fuzz test)', async () => {
    const { connection, last } = setup()
    connection.connect()
    connection.openThread('t1')
    last().accept()
    const id = connection.send('hi')
    last().receive({ type: 'error', code: 'INVALID_FRAME', message: 'bad', ref: id, retryable: false })
    expect(connection.state.messages[0]).toMatchObject({ status: 'failed', errorCode: 'INVALID_FRAME' })
    connection.retry(id)
    expect(last().sends()).toHaveLength(2)
    last().receive({
      type: 'message.ack',
      threadId: 't1',
      clientMsgId: id,
      messageId: 'm1',
      duplicate: false,
    })
    expect(connection.state.messages[0]).toMatchObject({ status: 'sent', id: 'm1' })
  })
})
