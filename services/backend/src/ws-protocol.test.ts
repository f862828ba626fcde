import { describe, expect, it } from 'vitest'
import { clientFrameSchema } from '@tarmac/protocol'
import { parseClientFrame, REF_SCAN_BYTES, refOfRefusedFrame } from './ws-protocol.js'

const schema = clientFrameSchema(10)
const codeOf = (text: string) => {
  const parsed = parseClientFrame(text, schema)
  return 'error' in parsed ? { code: parsed.error.code, ref: parsed.ref } : { frame: parsed.frame.type }
}

describe('parseClientFrame', () => {
  it('accepts every client frame type', () => {
    expect(codeOf('{"type":"ping"}')).toEqual({ frame: 'ping' })
    expect(codeOf('{"type":"message.send","threadId":"t","clientMsgId":"c","text":"hi"}')).toEqual({
      frame: 'message.send',
    })
  })

  it('tells malformed JSON, unknown types and bad fields apart, keeping the ref', () => {
    expect(codeOf('{nope')).toEqual({ code: 'INVALID_JSON', ref: undefined })
    expect(codeOf('[1,2]')).toMatchObject({ code: 'UNKNOWN_FRAME_TYPE' })
    expect(codeOf('{"type":"shout","ref":"r"}')).toEqual({ code: 'UNKNOWN_FRAME_TYPE', ref: 'r' })
    expect(codeOf('{"type":"message.send","threadId":"t","clientMsgId":"c","text":"far too long"}')).toEqual({
      code: 'INVALID_FRAME',
      ref: 'c',
    })
    expect(codeOf('{"type":"message.send","threadId":"t","clientMsgId":"c","text":"   "}')).toMatchObject({
      code: 'INVALID_FRAME',
    })
  })
})

describe('refOfRefusedFrame (the ref of a frame refused before it is parsed)', () => {
  const frame = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  it('reads ref, else clientMsgId, of a short frame; nothing of one that is not a JSON object', () => {
    expect(refOfRefusedFrame(frame({ type: 'ping', ref: 'p1' }))).toBe('p1')
    expect(refOfRefusedFrame(frame({ type: 'message.send', clientMsgId: 'c1', text: 'hi' }))).toBe('c1')
    expect(refOfRefusedFrame(frame({ type: 'message.send', clientMsgId: 'c1', ref: 'r1' }))).toBe('r1')
    expect(refOfRefusedFrame(frame('{"clientMsgId": "c1", '))).toBeUndefined()
    expect(refOfRefusedFrame(frame('"c1"'))).toBeUndefined()
    expect(refOfRefusedFrame(frame({ ref: 'x'.repeat(300) }))).toHaveLength(128)
  })

  it('searches only the first 4 KiB of a long frame, for a string literal, escapes and all', () => {
    const long = 'z'.repeat(REF_SCAN_BYTES)
    expect(refOfRefusedFrame(frame({ type: 'message.send', clientMsgId: 'c"2', text: long }))).toBe('c"2')
    expect(
      refOfRefusedFrame(frame({ type: 'message.send', text: long, clientMsgId: 'late' })),
    ).toBeUndefined()
    // A quoted "ref" inside the text is escaped, so it is not taken for the field.
    expect(refOfRefusedFrame(frame({ text: `"ref":"fake" ${long}`, clientMsgId: 'real' }))).toBeUndefined()
    expect(refOfRefusedFrame(frame({ clientMsgId: 'real', text: `"ref":"fake" ${long}` }))).toBe('real')
  })
})
