import { isRetryableErrorCode, type RunEvent, type ServerFrame, type ServerFrameOf } from '@tarmac/protocol'
import type { ChatMessage, ChatState } from './chat-state.js'
import { AUTO_RETRY_LIMIT, withoutRetry } from './chat-retry.js'

/** Applies one server frame. Duplicates (a second ack after a resend, a replayed run event) change nothing. */
export function applyFrame(state: ChatState, frame: ServerFrame): ChatState {
  if ('threadId' in frame && state.threadId !== null && frame.threadId !== state.threadId) return state
  switch (frame.type) {
    case 'message.ack':
      return acknowledged(state, frame)
    case 'run.started':
    case 'run.delta':
    case 'run.completed':
    case 'run.failed':
      return runEvent(state, frame)
    case 'error':
      return errorFrame(state, frame)
    default:
      return state
  }
}

function acknowledged(state: ChatState, { clientMsgId, messageId }: ServerFrameOf<'message.ack'>): ChatState {
  const outbox = state.outbox.filter((id) => id !== clientMsgId)
  const local = state.messages.find((m) => m.clientMsgId === clientMsgId)
  if (!local) return { ...state, outbox }
  if (local.id === messageId && local.status === 'sent' && outbox.length === state.outbox.length) return state
  const stored = state.messages.find((m) => m.id === messageId && m !== local)
  // History already showed the stored copy (its ack was lost before a reconnect): keep that one, in its place.
  const messages = stored
    ? state.messages.filter((m) => m !== local).map((m) => (m === stored ? { ...m, clientMsgId } : m))
    : state.messages.map((m) =>
        m === local ? { ...withoutRetry(m), id: messageId, status: 'sent' as const } : m,
      )
  return { ...state, outbox, messages }
}

function runEvent(state: ChatState, frame: RunEvent): ChatState {
  const { runId } = frame
  const existing = state.messages.find((m) => m.runId === runId)
  const messageId = frame.type === 'run.completed' ? frame.messageId : undefined
  if (existing === undefined) {
    // Already stored and shown from history: a replayed event.
    if (messageId !== undefined && state.messages.some((m) => m.id === messageId)) return state
    const reply: ChatMessage = {
      key: `run:${runId}`,
      id: null,
      role: 'assistant',
      text: '',
      status: 'streaming',
      runId,
    }
    return runEvent({ ...state, messages: [...state.messages, reply] }, frame)
  }
  if (existing.status === 'complete' || existing.status === 'failed') return state
  let next: ChatMessage = existing
  if (frame.type === 'run.delta') {
    next = { ...existing, text: existing.text + frame.delta }
  } else if (frame.type === 'run.completed') {
    const stored = state.messages.some((m) => m.id === frame.messageId && m !== existing)
    if (stored) return { ...state, messages: state.messages.filter((m) => m !== existing) }
    next = { ...existing, status: 'complete', id: frame.messageId, text: frame.text }
  } else if (frame.type === 'run.failed') {
    next = { ...existing, status: 'failed', errorCode: frame.code }
  }
  if (next === existing) return state
  const { interrupted: _interrupted, ...rest } = next
  return { ...state, messages: state.messages.map((m) => (m === existing ? rest : m)) }
}

/**
 * An error frame about one of our messages (`ref` is its clientMsgId): a retryable code (the frame's `retryable`,
 * else `isRetryableErrorCode`) leaves it sending and `waiting` — the connection resends it after a backoff — up to
 * `AUTO_RETRY_LIMIT` times; a final code, or one retry too many, fails it, and the user may retry it. A refusal of
 * a message already stored (acked, or shown from history) or already failed changes nothing shown.
 */
function errorFrame(state: ChatState, frame: ServerFrameOf<'error'>): ChatState {
  const { code, message, ref } = frame
  const error = { code, message }
  const target =
    ref === undefined ? undefined : state.messages.find((m) => m.role === 'user' && m.clientMsgId === ref)
  if (!target) return { ...state, error }
  const outbox = state.outbox.filter((id) => id !== ref)
  if (target.status !== 'sending') return outbox.length === state.outbox.length ? state : { ...state, outbox }
  const attempts = (target.attempts ?? 0) + 1
  const retryable = frame.retryable ?? isRetryableErrorCode(code)
  const replace = (next: ChatMessage) => state.messages.map((m) => (m === target ? next : m))
  if (retryable && (code === 'RATE_LIMITED' || attempts <= AUTO_RETRY_LIMIT))
    return { ...state, messages: replace({ ...target, errorCode: code, attempts, waiting: true }) }
  return {
    ...state,
    error,
    outbox,
    messages: replace({ ...withoutRetry(target), status: 'failed', errorCode: code }),
  }
}
