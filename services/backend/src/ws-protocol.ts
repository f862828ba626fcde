import { z } from 'zod'
import { BackendError } from './errors.js'
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './text-safety.js'

/** The subprotocol a client offers (with `bearer.<access JWT>`) and the server selects. */
export const SUBPROTOCOL = 'tarmac.v1'
export const BEARER_PROTOCOL_PREFIX = 'bearer.'

/** Frames a client may send. */
export const CLIENT_FRAME_TYPES = [
  'auth',
  'thread.subscribe',
  'thread.unsubscribe',
  'message.send',
  'ping',
] as const
/** Frames the server sends. */
export const SERVER_FRAME_TYPES = [
  'auth.ok',
  'thread.subscribed',
  'thread.unsubscribed',
  'message.ack',
  'run.started',
  'run.delta',
  'run.completed',
  'run.failed',
  'pong',
  'error',
] as const
export type ClientFrameType = (typeof CLIENT_FRAME_TYPES)[number]
export type ServerFrameType = (typeof SERVER_FRAME_TYPES)[number]

/** Optional on every client frame; echoed in an `error` frame about it. */
const ref = z.string().max(128).optional()
const threadId = z.string().min(1).max(64)

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
export type ClientFrame = z.infer<ReturnType<typeof clientFrameSchema>>

/** An error frame, ready to send: `{ type: 'error', code, message, ref? }`. */
export function errorFrame(code: string, message: string, frameRef?: string): Record<string, unknown> {
  return frameRef === undefined
    ? { type: 'error', code, message }
    : { type: 'error', code, message, ref: frameRef }
}

/**
 * Parses one text frame: malformed JSON → `INVALID_JSON`, an unknown `type` → `UNKNOWN_FRAME_TYPE`, a known
 * type with bad fields → `INVALID_FRAME`. The `ref` of a frame that fails validation is still recovered.
 */
export function parseClientFrame(
  text: string,
  schema: ReturnType<typeof clientFrameSchema>,
):
  { frame: ClientFrame } | { error: BackendError | { code: 'INVALID_JSON'; message: string }; ref?: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { error: { code: 'INVALID_JSON', message: 'the frame is not valid JSON' } }
  }
  const raw =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  const frameRef =
    typeof raw.ref === 'string' ? raw.ref : typeof raw.clientMsgId === 'string' ? raw.clientMsgId : undefined
  const refPart = frameRef === undefined ? {} : { ref: frameRef.slice(0, 128) }
  if (typeof raw.type !== 'string' || !(CLIENT_FRAME_TYPES as readonly string[]).includes(raw.type)) {
    return {
      error: new BackendError(
        'UNKNOWN_FRAME_TYPE',
        `unknown frame type ${JSON.stringify(raw.type ?? null)}; expected one of ${CLIENT_FRAME_TYPES.join(', ')}`,
      ),
      ...refPart,
    }
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'frame'} ${issue.message}`)
    return {
      error: new BackendError('INVALID_FRAME', `invalid ${raw.type} frame: ${problems.join('; ')}`),
      ...refPart,
    }
  }
  return { frame: parsed.data }
}
