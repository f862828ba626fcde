import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES, clientFrameSchema } from './client-frames.js'

const schema = clientFrameSchema(10)

describe('clientFrameSchema', () => {
  it('accepts one frame of every type', () => {
    const frames = [
      { type: 'auth', token: 't' },
      { type: 'thread.subscribe', threadId: 'th' },
      { type: 'thread.unsubscribe', threadId: 'th', ref: 'r1' },
      { type: 'message.send', threadId: 'th', clientMsgId: 'c1', text: 'hi' },
      { type: 'ping' },
    ]
    expect(frames.map((frame) => schema.parse(frame).type)).toEqual([...CLIENT_FRAME_TYPES])
  })

  it('trims the text and bounds it by maxMessageChars after trimming', () => {
    const frame = schema.parse({
      type: 'message.send',
      threadId: 'th',
      clientMsgId: 'c',
      text: '  0123456789  ',
    })
    expect(frame).toMatchObject({ text: '0123456789' })
    expect(
      schema.safeParse({ type: 'message.send', threadId: 'th', clientMsgId: 'c', text: '01234567890' })
        .success,
    ).toBe(false)
    expect(
      schema.safeParse({ type: 'message.send', threadId: 'th', clientMsgId: 'c', text: '   ' }).success,
    ).toBe(false)
  })

  it('refuses text Postgres cannot store (NUL, an unpaired surrogate) in the text and the clientMsgId', () => {
    const send = (text: string, clientMsgId = 'c') => ({
      type: 'message.send',
      threadId: 'th',
      clientMsgId,
      text,
    })
    expect(schema.safeParse(send('a\u0000b')).success).toBe(false)
    expect(schema.safeParse(send('a\uD800b')).success).toBe(false)
    expect(schema.safeParse(send('ok', 'c\u0000')).success).toBe(false)
    expect(schema.safeParse(send('\uD83D\uDE00')).success).toBe(true)
  })

  it('refuses missing fields, an unknown type and an over-long ref', () => {
    expect(schema.safeParse({ type: 'auth' }).success).toBe(false)
    expect(schema.safeParse({ type: 'thread.subscribe', threadId: '' }).success).toBe(false)
    expect(schema.safeParse({ type: 'shout' }).success).toBe(false)
    expect(schema.safeParse({ type: 'ping', ref: 'x'.repeat(129) }).success).toBe(false)
  })
})
