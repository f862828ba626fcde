/**
 * The chat state machine: a pure reducer from server frames and user actions to what the chat page shows.
 * No DOM, no sockets, no clocks: the socket driver (`chat-connection.ts`) feeds it events and reads `outbox` to
 * know what to (re)send, so every transition is testable in plain Node.
 */
import { isAuthClose, type MessageItem, type ServerFrame } from '@tarmac/protocol'
import { applyFrame } from './chat-frames.js'
import { withoutRetry } from './chat-retry.js'

import type { ChatMessage, ChatState, ConnectionState } from './chat-state.js'

export { AUTO_RETRY_LIMIT, withoutRetry } from './chat-retry.js'
export { CONNECTION_STATES, MESSAGE_STATUSES } from './chat-state.js'
export type { ChatMessage, ChatState, ConnectionState, MessageStatus } from './chat-state.js'

/** What the page uses of a message as `GET /api/threads/:id/messages` returns it. */
export type StoredMessage = Pick<MessageItem, 'id' | 'role' | 'text' | 'clientMsgId'>

export type ChatEvent =
  | { type: 'thread.opened'; threadId: string }
  | { type: 'history.loaded'; threadId: string; items: readonly StoredMessage[] }
  | { type: 'send'; clientMsgId: string; text: string }
  | { type: 'socket.connecting' }
  | { type: 'socket.open' }
  | { type: 'socket.closed'; code: number; retryAtMs: number | null; unavailable: boolean }
  | { type: 'frame'; frame: ServerFrame }
  /** The backoff of a retryable refusal is over: the message may be sent again. */
  | { type: 'retry.due'; clientMsgId: string }
  /** The user asks to send a failed message again (same clientMsgId: stored at most once). */
  | { type: 'retry'; clientMsgId: string }

export const initialChatState: ChatState = Object.freeze({
  connection: 'connecting',
  threadId: null,
  messages: [],
  outbox: [],
  error: null,
  retryAtMs: null,
})

/** Applies one event. Never mutates `state`; returns it unchanged when the event changes nothing. */
export function chatReducer(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'thread.opened':
      if (event.threadId === state.threadId) return state
      return { ...state, threadId: event.threadId, messages: [], outbox: [], error: null }
    case 'history.loaded':
      if (event.threadId !== state.threadId) return state
      return { ...state, messages: mergeHistory(state.messages, event.items) }
    case 'send': {
      if (state.messages.some((m) => m.clientMsgId === event.clientMsgId)) return state
      const message: ChatMessage = {
        key: event.clientMsgId,
        id: null,
        role: 'user',
        text: event.text,
        status: 'sending',
        clientMsgId: event.clientMsgId,
      }
      return {
        ...state,
        messages: [...state.messages, message],
        outbox: [...state.outbox, event.clientMsgId],
      }
    }
    case 'socket.connecting':
      return state.connection === 'connecting' ? state : { ...state, connection: 'connecting' }
    case 'socket.open':
      return { ...state, connection: 'open', error: null, retryAtMs: null }
    case 'socket.closed':
      return closed(state, event)
    case 'frame':
      return applyFrame(state, event.frame)
    case 'retry.due':
      return updateUserMessage(state, event.clientMsgId, (m) => {
        if (!m.waiting) return m
        const { waiting: _waiting, ...rest } = m
        return rest
      })
    case 'retry': {
      const next = updateUserMessage(state, event.clientMsgId, (m) =>
        m.status === 'failed' ? { ...withoutRetry(m), status: 'sending' } : m,
      )
      if (next === state || next.outbox.includes(event.clientMsgId)) return next
      return { ...next, outbox: [...next.outbox, event.clientMsgId] }
    }
  }
}

function updateUserMessage(
  state: ChatState,
  clientMsgId: string,
  update: (message: ChatMessage) => ChatMessage,
): ChatState {
  const target = state.messages.find((m) => m.role === 'user' && m.clientMsgId === clientMsgId)
  if (!target) return state
  const next = update(target)
  if (next === target) return state
  return { ...state, messages: state.messages.map((m) => (m === target ? next : m)) }
}

function closed(state: ChatState, event: Extract<ChatEvent, { type: 'socket.closed' }>): ChatState {
  // A reply that was streaming when the socket dropped is replaced by the history reload after reconnecting.
  const messages = state.messages.some((m) => m.status === 'streaming')
    ? state.messages.map((m) => (m.status === 'streaming' ? { ...m, interrupted: true } : m))
    : state.messages
  if (isAuthClose(event.code)) {
    const error = { code: 'UNAUTHORIZED', message: 'Your session has expired. Log in again.' }
    return { ...state, messages, connection: 'unauthorized', error, retryAtMs: null }
  }
  const connection: ConnectionState = event.unavailable ? 'unavailable' : 'reconnecting'
  return { ...state, messages, connection, retryAtMs: event.retryAtMs }
}

/**
 * The messages the page must send now: everything unacknowledged, oldest first, only while the socket is open —
 * except those waiting out the backoff of a retryable refusal.
 */
export function pendingSends(state: ChatState): ChatMessage[] {
  if (state.connection !== 'open') return []
  const byClientId = new Map(state.messages.map((m) => [m.clientMsgId, m]))
  return state.outbox.flatMap((id) => {
    const message = byClientId.get(id)
    return message && !message.waiting ? [message] : []
  })
}

/**
 * History from the server wins for stored messages; local ones it does not know yet stay, in order, after it.
 * A local message is the stored one when their ids match, or their `clientMsgId`s do (its ack was lost, or its
 * send was refused after it had been stored): it is shown once, as stored.
 */
export function mergeHistory(local: readonly ChatMessage[], items: readonly StoredMessage[]): ChatMessage[] {
  const storedIds = new Set(items.map((item) => item.id))
  const storedClientIds = new Set(
    items.flatMap((item) => (item.clientMsgId === undefined ? [] : [item.clientMsgId])),
  )
  const merged: ChatMessage[] = items.map((item) => {
    const mine =
      local.find((m) => m.id === item.id) ??
      (item.clientMsgId === undefined
        ? undefined
        : local.find((m) => m.role === 'user' && m.clientMsgId === item.clientMsgId))
    const clientMsgId = mine?.clientMsgId ?? item.clientMsgId
    return {
      key: mine?.key ?? item.id,
      id: item.id,
      role: item.role,
      text: item.text,
      status: item.role === 'user' ? 'sent' : 'complete',
      ...(clientMsgId !== undefined && { clientMsgId }),
      ...(mine?.runId !== undefined && { runId: mine.runId }),
    }
  })
  // A local message the history does not name (by id or clientMsgId) is not stored yet: its ack joins them.
  const unstored = local.filter(
    (m) =>
      !(m.id !== null && storedIds.has(m.id)) &&
      !(m.role === 'user' && m.clientMsgId !== undefined && storedClientIds.has(m.clientMsgId)) &&
      !m.interrupted,
  )
  return [...merged, ...unstored]
}
