import { describe, expect, it } from 'vitest'
import { clientFrameSchema } from '@tarmac/protocol'
import { parseClientFrame } from './ws-protocol.js'

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
