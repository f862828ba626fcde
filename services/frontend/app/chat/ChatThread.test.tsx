// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SocketLike } from './chat-connection.js'
import { ChatConnection } from './chat-connection.js'
import { ChatThread } from './ChatThread.js'

/** The test plays the backend on an in-memory socket. */
class FakeSocket implements SocketLike {
  readyState = 0
  sent: { type: string; clientMsgId?: string; text?: string }[] = []
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  send(data: string) {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number])
  }
  close() {
    this.readyState = 3
  }
  accept() {
    this.readyState = 1
    this.receive({ type: 'auth.ok', userId: 'u1' })
  }
  receive(frame: Record<string, unknown>) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) }))
  }
  drop(code = 1006) {
    this.readyState = 3
    act(() => this.onclose?.({ code }))
  }
}

function renderThread() {
  const sockets: FakeSocket[] = []
  const connection = new ChatConnection({
    url: 'ws://test/ws',
    token: () => 'tok',
    createSocket: () => {
      const socket = new FakeSocket()
      sockets.push(socket)
      return socket
    },
    loadHistory: async () => [],
    backoff: { baseMs: 1_000, capMs: 8_000 },
    random: () => 0.5,
  })
  connection.connect()
  connection.openThread('t1')
  render(<ChatThread connection={connection} />)
  return { connection, sockets, last: () => sockets.at(-1)! }
}

const typeAndSend = (text: string) => {
  fireEvent.change(screen.getByLabelText('Message'), { target: { value: text } })
  fireEvent.click(screen.getByRole('button', { name: 'Send' }))
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe('ChatThread', () => {
  it('shows the message at once as sending, then as sent on ack', () => {
    const { last } = renderThread()
    last().accept()
    typeAndSend('hello there')
    const item = screen.getByText('hello there').closest('li')!
    expect(item.dataset.status).toBe('sending')
    expect(item.textContent).toContain('Sending…')
    const { clientMsgId } = last().sent.find((f) => f.type === 'message.send')!
    last().receive({ type: 'message.ack', threadId: 't1', clientMsgId, messageId: 'm1', duplicate: false })
    expect(item.dataset.status).toBe('sent')
    expect(item.textContent).not.toContain('Sending…')
  })

  it('streams the reply delta by delta and completes it', () => {
    const { last } = renderThread()
    last().accept()
    last().receive({ type: 'run.started', runId: 'r1', threadId: 't1', replyTo: 'm1' })
    last().receive({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: 'The backend ' })
    expect(screen.getByText('The backend')).toBeTruthy()
    expect(screen.getByText('Typing…')).toBeTruthy()
    last().receive({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 1, delta: 'is up.' })
    last().receive({
      type: 'run.completed',
      runId: 'r1',
      threadId: 't1',
      messageId: 'm2',
      text: 'The backend is up.',
    })
    const reply = screen.getByText('The backend is up.').closest('li')!
    expect(reply.dataset.status).toBe('complete')
    expect(screen.queryByText('Typing…')).toBeNull()
  })

  it('shows a failed run with its code', () => {
    const { last } = renderThread()
    last().accept()
    last().receive({ type: 'run.started', runId: 'r1', threadId: 't1' })
    last().receive({
      type: 'run.failed',
      runId: 'r1',
      threadId: 't1',
      code: 'PROVIDER_TIMEOUT',
      message: 'slow',
    })
    expect(screen.getByText('Failed (PROVIDER_TIMEOUT)')).toBeTruthy()
  })

  it('says chat is unavailable, reconnects, resends once and shows one copy', async () => {
    const { sockets, last } = renderThread()
    last().accept()
    typeAndSend('are you there?')
    last().drop()
    await act(() => vi.advanceTimersByTimeAsync(500)) // attempt 0: 0.5 × 1000
    last().drop()
    expect(screen.getByTestId('chat-unavailable').textContent).toContain('Chat is unavailable')
    await act(() => vi.advanceTimersByTimeAsync(1_000)) // attempt 1: 0.5 × 2000
    expect(sockets).toHaveLength(3)
    last().accept()
    expect(screen.queryByTestId('chat-unavailable')).toBeNull()
    const resent = last().sent.filter((f) => f.type === 'message.send')
    expect(resent).toHaveLength(1)
    const ack = { type: 'message.ack', threadId: 't1', clientMsgId: resent[0]!.clientMsgId, messageId: 'm1' }
    last().receive({ ...ack, duplicate: false })
    last().receive({ ...ack, duplicate: true })
    expect(screen.getAllByText('are you there?')).toHaveLength(1)
  })

  it('offers a retry button that reconnects at once', async () => {
    const { sockets, last } = renderThread()
    last().drop()
    await act(() => vi.advanceTimersByTimeAsync(500))
    last().drop()
    fireEvent.click(screen.getByRole('button', { name: 'Try now' }))
    expect(sockets).toHaveLength(3)
  })

  it('says a refused message is retrying, and offers Retry on one that failed for good', async () => {
    const { last } = renderThread()
    last().accept()
    typeAndSend('hello?')
    const sent = () => last().sent.filter((f) => f.type === 'message.send')
    const ref = sent()[0]!.clientMsgId
    last().receive({
      type: 'error',
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'db down',
      ref,
      retryable: true,
    })
    expect(screen.getByText('Retrying shortly… (DEPENDENCY_UNAVAILABLE)')).toBeTruthy()
    await act(() => vi.advanceTimersByTimeAsync(500)) // attempt 0 of the resend backoff: 0.5 × 1000
    expect(sent()).toHaveLength(2)
    last().receive({ type: 'error', code: 'THREAD_NOT_FOUND', message: 'gone', ref, retryable: false })
    expect(screen.getByText('Failed (THREAD_NOT_FOUND)')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }))
    expect(sent()).toHaveLength(3)
    last().receive({
      type: 'message.ack',
      threadId: 't1',
      clientMsgId: ref,
      messageId: 'm1',
      duplicate: false,
    })
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull()
    expect(screen.getByText('hello?').closest('li')!.dataset.status).toBe('sent')
  })
})
