import { z } from 'zod'
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './storable-text.js'

/*
 * The backend's REST shapes under `/api`, every route with `Authorization: Bearer <access JWT>`:
 *   POST   /api/threads               NewThreadBody → 201 Thread
 *   GET    /api/threads               ?cursor&limit → ThreadPage (newest first)
 *   GET    /api/threads/:id/messages  ?cursor&limit → MessagePage (oldest first)
 *   DELETE /api/threads/:id           → 204
 * Errors answer `ErrorBody`.
 */

export const MESSAGE_ROLES = ['user', 'assistant'] as const
export type MessageRole = (typeof MESSAGE_ROLES)[number]

export interface Thread {
  readonly id: string
  readonly title: string
  readonly createdAt: string
}

/** A stored message as `GET /api/threads/:id/messages` returns it. */
export interface MessageItem {
  readonly id: string
  readonly role: MessageRole
  readonly text: string
  readonly createdAt: string
  /** User messages: the `clientMsgId` it was sent with, so a client shows its own message once after a reload. */
  readonly clientMsgId?: string
  /** Assistant replies: which provider and model answered, the run and the message it replied to. */
  readonly metadata?: Readonly<Record<string, unknown>>
}

/** One page of a list; `nextCursor` is opaque, null on the last page. */
export interface Page<T> {
  readonly items: readonly T[]
  readonly nextCursor: string | null
}
export type ThreadPage = Page<Thread>
export type MessagePage = Page<MessageItem>

/** `?cursor&limit` of the list routes (limit 1–100, default 50). */
export interface PageQuery {
  readonly cursor?: string
  readonly limit?: number
}

/** `POST /api/threads`: no body or no title makes an untitled thread. */
export const newThreadBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(200).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
})
export type NewThreadBody = z.input<typeof newThreadBodySchema>

/** Every error answer of the backend (and the other services). */
export interface ErrorBody {
  readonly code: string
  readonly message: string
}
