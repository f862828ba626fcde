import { z } from 'zod'
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './storable-text.js'

/** Frames a client may send. */
export const CLIENT_FRAME_TYPES = [
  'auth',
  'thread.subscribe',
  'thread.unsubscribe',
  'message.send',
  'ping',
] as const
export type ClientFrameType = (typeof CLIENT_FRAME_TYPES)[number]

/** Optional on every client frame; echoed in an `error` frame about it (and in `pong`). */
const ref = z.string().max(128).optional()
const threadId = z.string().min(1).max(64)

/**
 * The client frames, validated: `maxMessageChars` bounds a message's trimmed text (the backend's
 * `maxMessageChars` option, 8000 by default). Build it once and reuse it.
 *
 * @example
 * const schema = clientFrameSchema(8000)
 * schema.parse({ type: 'message.send', threadId, clientMsgId: 'c1', text: 'hello' })
 */
export function clientFrameSchema(maxMessageChars: number) {
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('auth'), token: z.string().min(1).max(8192), ref }),
    z.object({ type: z.literal('thread.subscribe'), threadId, ref }),
    z.object({ type: z.literal('thread.unsubscribe'), threadId, ref }),
    z.object({
      type: z.literal('message.send'),
      threadId,
      clientMsgId: z.string().min(1).max(128).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
      text: z.string().trim().min(1).max(maxMessageChars).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE),
      ref,
    }),
    z.object({ type: z.literal('ping'), ref }),
  ])
}
export type ClientFrameSchema = ReturnType<typeof clientFrameSchema>
/** A client frame as the server reads it (after validation: `text` trimmed). */
export type ClientFrame = z.output<ClientFrameSchema>
/** A client frame as a client writes it. */
export type ClientFrameInput = z.input<ClientFrameSchema>
export type MessageSendFrame = Extract<ClientFrame, { type: 'message.send' }>
