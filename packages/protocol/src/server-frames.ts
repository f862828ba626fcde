import { z } from 'zod'
import { isRetryableErrorCode } from './error-codes.js'
import type { RunEventType, ServerFrameType } from './frame-types.js'

const ref = z.string().optional()

/** `auth.ok`: the socket is authenticated; `expiresAt` (ISO) when the token has an `exp`. */
export const authOkFrameSchema = z.object({
  type: z.literal('auth.ok'),
  userId: z.string(),
  expiresAt: z.string().optional(),
})
export const threadSubscribedFrameSchema = z.object({
  type: z.literal('thread.subscribed'),
  threadId: z.string(),
})
export const threadUnsubscribedFrameSchema = z.object({
  type: z.literal('thread.unsubscribed'),
  threadId: z.string(),
})
/** The user message is stored (`duplicate`: it already was, from an earlier send of the same `clientMsgId`). */
export const messageAckFrameSchema = z.object({
  type: z.literal('message.ack'),
  threadId: z.string(),
  clientMsgId: z.string(),
  messageId: z.string(),
  duplicate: z.boolean(),
})
export const runStartedFrameSchema = z.object({
  type: z.literal('run.started'),
  runId: z.string(),
  threadId: z.string(),
  /** The user message this run answers. */
  replyTo: z.string(),
})
/** One piece of the reply; the deltas of a run, in `index` order, concatenate to its text. */
export const runDeltaFrameSchema = z.object({
  type: z.literal('run.delta'),
  runId: z.string(),
  threadId: z.string(),
  index: z.number().int().nonnegative(),
  delta: z.string(),
})
/** The reply is stored: `messageId` is its id in the thread's history, `text` the whole reply. */
export const runCompletedFrameSchema = z.object({
  type: z.literal('run.completed'),
  runId: z.string(),
  threadId: z.string(),
  messageId: z.string(),
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})
/** The run ended without a reply. `replyTo` is set when it was refused before it started (`RUN_QUEUE_FULL`). */
export const runFailedFrameSchema = z.object({
  type: z.literal('run.failed'),
  runId: z.string(),
  threadId: z.string(),
  code: z.string(),
  message: z.string(),
  replyTo: z.string().optional(),
})
export const pongFrameSchema = z.object({ type: z.literal('pong'), ref })
/**
 * A frame was refused or failed; `ref` is the `ref` (or `clientMsgId`) of the frame it is about. `retryable`:
 * the same frame sent again later may succeed (`RETRYABLE_ERROR_CODES`); absent from older servers, so read it
 * as `frame.retryable ?? isRetryableErrorCode(frame.code)`.
 */
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  ref,
  retryable: z.boolean().optional(),
})

/** Every frame the server sends, discriminated by `type`. */
export const serverFrameSchema = z.discriminatedUnion('type', [
  authOkFrameSchema,
  threadSubscribedFrameSchema,
  threadUnsubscribedFrameSchema,
  messageAckFrameSchema,
  runStartedFrameSchema,
  runDeltaFrameSchema,
  runCompletedFrameSchema,
  runFailedFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
])

export type ServerFrame = z.infer<typeof serverFrameSchema>
/** The frame of one type: `ServerFrameOf<'run.delta'>`. */
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>
/** A run event: published on a thread's topic, forwarded to every socket following the thread. */
export type RunEvent = ServerFrameOf<RunEventType>
export type AuthOkFrame = ServerFrameOf<'auth.ok'>
export type MessageAckFrame = ServerFrameOf<'message.ack'>
export type ErrorFrame = ServerFrameOf<'error'>

// The name list and the schemas must agree, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const agree: Same<ServerFrame['type'], ServerFrameType> = true
void agree

/** An `error` frame, ready to send: `ref` only when given, `retryable` from the code. */
export function errorFrame(code: string, message: string, frameRef?: string): ErrorFrame {
  const retryable = isRetryableErrorCode(code)
  return frameRef === undefined
    ? { type: 'error', code, message, retryable }
    : { type: 'error', code, message, ref: frameRef, retryable }
}

/**
 * Reads one server frame: the frame, or undefined for text that is not JSON, an unknown `type` or missing
 * fields. Unknown extra fields are dropped.
 */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const parsed = serverFrameSchema.safeParse(value)
  return parsed.success ? parsed.data : undefined
}
