import type { ChatMessage, ChatState, ServerFrame } from './chat-machine.js'

/** The backend frame types the chat page acts on; anything else (auth.ok, thread.subscribed, pong…) is a no-op. */
export const HANDLED_FRAME_TYPES = [
  'message.ack',
  'run.started',
  'run.delta',
  'run.completed',
  'run.failed',
  'error',
] as const

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** Run frames carry `runId`; the stored reply's id is `messageId` (or `message.id`). */
const runIdOf = (frame: ServerFrame) => text(frame.runId) ?? text(frame.id)
const messageIdOf = (frame: ServerFrame) =>
  text(frame.messageId) ?? text((frame.message as { id?: unknown } | undefined)?.id)

/** Applies one server frame. Duplicates (a second ack after a resend, a replayed run event) change nothing. */
export function applyFrame(state: ChatState, frame: ServerFrame): ChatState {
  const threadId = text(frame.threadId)
  if (threadId !== undefined && state.threadId !== null && threadId !== state.threadId) return state
  switch (frame.type) {
    case 'message.ack':
      return acknowledged(state, text(frame.clientMsgId), text(frame.messageId))
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

function acknowledged(state: ChatState, clientMsgId?: string, messageId?: string): ChatState {
  if (clientMsgId === undefined) return state
  const outbox = state.outbox.filter((id) => id !== clientMsgId)
  const local = state.messages.find((m) => m.clientMsgId === clientMsgId)
  if (!local || messageId === undefined) return { ...state, outbox }
  if (local.id === messageId && local.status === 'sent' && outbox.length === state.outbox.length) return state
  const stored = state.messages.find((m) => m.id === messageId && m !== local)
  // History already showed the stored copy (its ack was lost before a reconnect): keep that one, in its place.
  const messages = stored
    ? state.messages.filter((m) => m !== local).map((m) => (m === stored ? { ...m, clientMsgId } : m))
    : state.messages.map((m) => (m === local ? { ...m, id: messageId, status: 'sent' as const } : m))
  return { ...state, outbox, messages }
}

function runEvent(state: ChatState, frame: ServerFrame): ChatState {
  const runId = runIdOf(frame)
  if (runId === undefined) return state
  const existing = state.messages.find((m) => m.runId === runId)
  const messageId = messageIdOf(frame)
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
  const done = existing.status === 'complete' || existing.status === 'failed'
  let next: ChatMessage = existing
  if (frame.type === 'run.delta' && !done) {
    next = { ...existing, text: existing.text + (text(frame.delta) ?? text(frame.text) ?? '') }
  } else if (frame.type === 'run.completed' && !done) {
    const stored = messageId !== undefined && state.messages.some((m) => m.id === messageId && m !== existing)
    if (stored) return { ...state, messages: state.messages.filter((m) => m !== existing) }
    next = {
      ...existing,
      status: 'complete',
      id: messageId ?? existing.id,
      text: text(frame.text) ?? existing.text,
    }
  } else if (frame.type === 'run.failed' && !done) {
    next = { ...existing, status: 'failed', errorCode: text(frame.code) ?? 'RUN_FAILED' }
  }
  if (next === existing) return state
  const { interrupted: _interrupted, ...rest } = next
  return { ...state, messages: state.messages.map((m) => (m === existing ? rest : m)) }
}

function errorFrame(state: ChatState, frame: ServerFrame): ChatState {
  const code = text(frame.code) ?? 'ERROR'
  const error = { code, message: text(frame.message) ?? code }
  const ref = text(frame.clientMsgId) ?? text(frame.ref)
  const rejected = ref === undefined ? undefined : state.messages.find((m) => m.clientMsgId === ref)
  if (!rejected) return { ...state, error }
  // A message the server refused is not resent: it would be refused again.
  return {
    ...state,
    error,
    outbox: state.outbox.filter((id) => id !== ref),
    messages: state.messages.map((m) => (m === rejected ? { ...m, status: 'failed', errorCode: code } : m)),
  }
}
