import { describe, expect, it } from 'vitest'
import type { ServerFrame } from '@tarmac/protocol'
import type { ChatEvent, ChatState } from '../app/chat/chat-machine.js'
import { AUTO_RETRY_LIMIT, chatReducer, initialChatState, pendingSends } from '../app/chat/chat-machine.js'

const run = (events: ChatEvent[], from: ChatState = initialChatState) => events.reduce(chatReducer, from)
const frame = (f: ServerFrame): ChatEvent => ({ type: 'frame', frame: f })
const opened: ChatEvent[] = [{ type: 'thread.opened', threadId: 't1' }, { type: 'socket.open' }]

describe('chat state machine', () => {
  it('shows a sent message at once and marks it sent on ack', () => {
    const sending = run([...opened, { type: 'send', clientMsgId: 'c1', text: 'hi' }])
    expect(sending.messages).toMatchObject([
      { key: 'c1', role: 'user', text: 'hi', status: 'sending', id: null },
    ])
    expect(pendingSends(sending).map((m) => m.clientMsgId)).toEqual(['c1'])
    const acked = run(
      [frame({ type: 'message.ack', threadId: 't1', clientMsgId: 'c1', messageId: 'm1', duplicate: false })],
      sending,
    )
    expect(acked.messages).toMatchObject([{ key: 'c1', id: 'm1', status: 'sent' }])
    expect(acked.outbox).toEqual([])
  })

  it('streams deltas into one reply and completes it with the stored id', () => {
    const state = run([
      ...opened,
      frame({ type: 'run.started', runId: 'r1', threadId: 't1', replyTo: 'm1' }),
      frame({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: 'Hel' }),
      frame({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: 'lo' }),
    ])
    expect(state.messages).toMatchObject([{ role: 'assistant', text: 'Hello', status: 'streaming' }])
    const done = run(
      [frame({ type: 'run.completed', runId: 'r1', threadId: 't1', messageId: 'm2', text: 'Hello' })],
      state,
    )
    expect(done.messages).toEqual([
      { key: 'run:r1', id: 'm2', role: 'assistant', text: 'Hello', status: 'complete', runId: 'r1' },
    ])
    const late = run([frame({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: '!' })], done)
    expect(late).toBe(done)
  })

  it('marks a failed run with its code', () => {
    const state = run([
      ...opened,
      frame({ type: 'run.started', runId: 'r1', threadId: 't1', replyTo: 'm1' }),
      frame({ type: 'run.failed', runId: 'r1', threadId: 't1', code: 'LLM_TIMEOUT', message: 'timed out' }),
    ])
    expect(state.messages).toMatchObject([{ status: 'failed', errorCode: 'LLM_TIMEOUT' }])
  })

  it('ignores frames for another thread', () => {
    const state = run([
      ...opened,
      frame({ type: 'run.started', runId: 'r9', threadId: 'other', replyTo: 'm9' }),
    ])
    expect(state.messages).toEqual([])
  })

  it('resends unacknowledged messages after a reconnect and keeps one copy when acked twice', () => {
    const beforeDrop = run([...opened, { type: 'send', clientMsgId: 'c1', text: 'hi' }])
    const dropped = run(
      [{ type: 'socket.closed', code: 1006, retryAtMs: 1_000, unavailable: false }],
      beforeDrop,
    )
    expect(dropped.connection).toBe('reconnecting')
    expect(pendingSends(dropped)).toEqual([])
    const back = run([{ type: 'socket.open' }], dropped)
    expect(pendingSends(back).map((m) => m.clientMsgId)).toEqual(['c1'])
    const ack = frame({
      type: 'message.ack',
      threadId: 't1',
      clientMsgId: 'c1',
      messageId: 'm1',
      duplicate: false,
    })
    const twice = run([ack, ack], back)
    expect(twice.messages).toHaveLength(1)
    expect(twice.messages[0]).toMatchObject({ id: 'm1', status: 'sent' })
  })

  it('keeps the stored copy when history arrived before the resent ack', () => {
    const pending = run([...opened, { type: 'send', clientMsgId: 'c1', text: 'hi' }])
    const withHistory = run(
      [{ type: 'history.loaded', threadId: 't1', items: [{ id: 'm1', role: 'user', text: 'hi' }] }],
      pending,
    )
    expect(withHistory.messages).toHaveLength(2) // the server copy, and ours until its ack says they are one
    const acked = run(
      [frame({ type: 'message.ack', threadId: 't1', clientMsgId: 'c1', messageId: 'm1', duplicate: false })],
      withHistory,
    )
    expect(acked.messages).toEqual([
      { key: 'm1', id: 'm1', role: 'user', text: 'hi', status: 'sent', clientMsgId: 'c1' },
    ])
    expect(acked.outbox).toEqual([])
  })

  it('replaces a reply interrupted by a disconnect with the stored one from history', () => {
    const streaming = run([
      ...opened,
      frame({ type: 'run.started', runId: 'r1', threadId: 't1', replyTo: 'm1' }),
      frame({ type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: 'Par' }),
      { type: 'socket.closed', code: 1006, retryAtMs: 10, unavailable: false },
      { type: 'socket.open' },
    ])
    const reloaded = run(
      [
        {
          type: 'history.loaded',
          threadId: 't1',
          items: [{ id: 'm2', role: 'assistant', text: 'Partial answer, complete' }],
        },
      ],
      streaming,
    )
    expect(reloaded.messages).toEqual([
      { key: 'm2', id: 'm2', role: 'assistant', text: 'Partial answer, complete', status: 'complete' },
    ])
    const completed = { runId: 'r1', threadId: 't1', messageId: 'm2', text: 'Partial answer, complete' }
    const replayed = run([frame({ type: 'run.completed', ...completed })], reloaded)
    expect(replayed.messages).toHaveLength(1)
  })

  it('says unavailable, then unauthorized on close code 4401', () => {
    const down = run([...opened, { type: 'socket.closed', code: 1006, retryAtMs: 5, unavailable: true }])
    expect(down.connection).toBe('unavailable')
    const denied = run([{ type: 'socket.closed', code: 4401, retryAtMs: null, unavailable: false }], down)
    expect(denied.connection).toBe('unauthorized')
    expect(denied.error?.code).toBe('UNAUTHORIZED')
  })

  it('does not resend a message the server rejected', () => {
    const state = run([
      ...opened,
      { type: 'send', clientMsgId: 'c1', text: 'x'.repeat(10) },
      frame({ type: 'error', code: 'MESSAGE_TOO_LARGE', message: 'too large', ref: 'c1' }),
    ])
    expect(state.outbox).toEqual([])
    expect(state.messages[0]).toMatchObject({ status: 'failed', errorCode: 'MESSAGE_TOO_LARGE' })
    expect(state.error?.code).toBe('MESSAGE_TOO_LARGE')
  })

  it('ignores a second send with the same clientMsgId', () => {
    const once = run([...opened, { type: 'send', clientMsgId: 'c1', text: 'hi' }])
    expect(run([{ type: 'send', clientMsgId: 'c1', text: 'hi' }], once)).toBe(once)
  })

  describe('retryable and final refusals', () => {
    const error = (code: string, ref: string, retryable?: boolean): ChatEvent =>
      frame({ type: 'error', code, message: code, ref, ...(retryable === undefined ? {} : { retryable }) })
    const sending = run([...opened, { type: 'send', clientMsgId: 'c1', text: 'hi' }])

    it('a retryable code keeps the message sending, out of the sends until its backoff ends', () => {
      for (const code of ['DEPENDENCY_UNAVAILABLE', 'TOO_MANY_RUNS', 'RATE_LIMITED', 'INTERNAL']) {
        const refused = run([error(code, 'c1')], sending)
        expect(refused.messages[0], code).toMatchObject({ status: 'sending', waiting: true, attempts: 1 })
        expect(refused.outbox).toEqual(['c1'])
        expect(pendingSends(refused)).toEqual([])
        expect(refused.error).toBeNull() // the message says it; no banner for a refusal that heals itself
        const due = run([{ type: 'retry.due', clientMsgId: 'c1' }], refused)
        expect(pendingSends(due).map((m) => m.clientMsgId)).toEqual(['c1'])
      }
    })

    it("the frame's retryable field wins over the client's list", () => {
      expect(run([error('SOMETHING_NEW', 'c1', true)], sending).messages[0]).toMatchObject({ waiting: true })
      expect(run([error('INTERNAL', 'c1', false)], sending).messages[0]).toMatchObject({ status: 'failed' })
    })

    it('fails after AUTO_RETRY_LIMIT retryable refusals (never for RATE_LIMITED); the user can retry it', () => {
      const refusals = Array.from({ length: AUTO_RETRY_LIMIT + 1 }, (): ChatEvent[] => [
        error('TOO_MANY_RUNS', 'c1'),
        { type: 'retry.due', clientMsgId: 'c1' },
      ]).flat()
      const failed = run(refusals, sending)
      expect(failed.messages[0]).toMatchObject({ status: 'failed', errorCode: 'TOO_MANY_RUNS' })
      expect(failed.outbox).toEqual([])
      const limited = run(
        Array.from({ length: 20 }, (): ChatEvent[] => [
          error('RATE_LIMITED', 'c1'),
          { type: 'retry.due', clientMsgId: 'c1' },
        ]).flat(),
        sending,
      )
      expect(limited.messages[0]).toMatchObject({ status: 'sending', attempts: 20 })
      const retried = run([{ type: 'retry', clientMsgId: 'c1' }], failed)
      expect(retried.messages[0]).toEqual({
        key: 'c1',
        id: null,
        role: 'user',
        text: 'hi',
        status: 'sending',
        clientMsgId: 'c1',
      })
      expect(pendingSends(retried).map((m) => m.clientMsgId)).toEqual(['c1'])
    })

    it('a final code fails the message at once, with a retry the user can take', () => {
      const failed = run([error('THREAD_NOT_FOUND', 'c1')], sending)
      expect(failed.messages[0]).toMatchObject({ status: 'failed', errorCode: 'THREAD_NOT_FOUND' })
      expect(failed.error?.code).toBe('THREAD_NOT_FOUND')
      expect(run([{ type: 'retry', clientMsgId: 'c1' }], failed).outbox).toEqual(['c1'])
    })

    it('a refusal of a message already stored does not fail it', () => {
      const ack = frame({
        type: 'message.ack',
        threadId: 't1',
        clientMsgId: 'c1',
        messageId: 'm1',
        duplicate: false,
      })
      const acked = run([ack, error('TOO_MANY_RUNS', 'c1')], sending)
      expect(acked.messages[0]).toMatchObject({ status: 'sent', id: 'm1' })
    })

    it('shows a stored message once after a reload, even when its send failed here (dedupe by clientMsgId)', () => {
      const failed = run([error('DEPENDENCY_UNAVAILABLE', 'c1', false)], sending)
      const reloaded = run(
        [
          {
            type: 'history.loaded',
            threadId: 't1',
            items: [{ id: 'm1', role: 'user', text: 'hi', clientMsgId: 'c1' }],
          },
        ],
        failed,
      )
      expect(reloaded.messages).toEqual([
        { key: 'c1', id: 'm1', role: 'user', text: 'hi', status: 'sent', clientMsgId: 'c1' },
      ])
      const pending = run(
        [
          {
            type: 'history.loaded',
            threadId: 't1',
            items: [{ id: 'm1', role: 'user', text: 'hi', clientMsgId: 'c1' }],
          },
        ],
        sending,
      )
      expect(pending.messages).toHaveLength(1)
    })
  })
})
