import { describe, expect, it } from 'vitest'
import { isServerFrameType, RUN_EVENT_TYPES, SERVER_FRAME_TYPES } from './frame-types.js'
import { errorFrame, parseServerFrame, serverFrameSchema, type ServerFrame } from './server-frames.js'

/** One frame of every type, as the backend sends them. */
const FRAMES: ServerFrame[] = [
  { type: 'auth.ok', userId: 'u1', expiresAt: '2026-01-01T00:00:00.000Z' },
  { type: 'thread.subscribed', threadId: 't1' },
  { type: 'thread.unsubscribed', threadId: 't1' },
  { type: 'message.ack', threadId: 't1', clientMsgId: 'c1', messageId: 'm1', duplicate: false },
  { type: 'run.started', runId: 'r1', threadId: 't1', replyTo: 'm1' },
  { type: 'run.delta', runId: 'r1', threadId: 't1', index: 0, delta: 'Hel' },
  {
    type: 'run.completed',
    runId: 'r1',
    threadId: 't1',
    messageId: 'm2',
    text: 'Hello',
    metadata: { model: 'x' },
  },
  { type: 'run.failed', runId: 'r2', threadId: 't1', code: 'RUN_QUEUE_FULL', message: 'full', replyTo: 'm3' },
  { type: 'pong', ref: 'p1' },
  { type: 'error', code: 'RATE_LIMITED', message: 'slow down' },
]

describe('server frames', () => {
  it('has a schema for every listed type, and parses each frame back unchanged', () => {
    expect(FRAMES.map((frame) => frame.type)).toEqual([...SERVER_FRAME_TYPES])
    for (const frame of FRAMES) expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame)
  })

  it('lists the run events in their order, all of them server frames', () => {
    expect(RUN_EVENT_TYPES.every(isServerFrameType)).toBe(true)
    expect(isServerFrameType('self-test')).toBe(false)
  })

  it('refuses text that is not JSON, an unknown type and a frame missing a field', () => {
    expect(parseServerFrame('{')).toBeUndefined()
    expect(parseServerFrame(JSON.stringify({ type: 'run.cancelled', runId: 'r' }))).toBeUndefined()
    expect(
      parseServerFrame(JSON.stringify({ type: 'message.ack', threadId: 't', clientMsgId: 'c' })),
    ).toBeUndefined()
    expect(
      serverFrameSchema.safeParse({ type: 'run.delta', runId: 'r', threadId: 't', index: -1, delta: '' })
        .success,
    ).toBe(false)
  })

  it('builds an error frame with a ref only when there is one', () => {
    expect(errorFrame('X', 'm')).toStrictEqual({ type: 'error', code: 'X', message: 'm', retryable: false })
    expect(errorFrame('X', 'm', 'r')).toStrictEqual({
      type: 'error',
      code: 'X',
      message: 'm',
      ref: 'r',
      retryable: false,
    })
    expect(errorFrame('RATE_LIMITED', 'm', 'r')).toMatchObject({ ref: 'r', retryable: true })
  })
})
