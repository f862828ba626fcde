/** The chat page's vocabulary: where the socket is, a message's lifecycle, and the state the reducer keeps. */

/** Where the WebSocket is, as the page explains it to the user. */
export const CONNECTION_STATES = [
  'connecting',
  'open',
  'reconnecting',
  'unavailable',
  'unauthorized',
] as const
export type ConnectionState = (typeof CONNECTION_STATES)[number]

/** A message's lifecycle: user messages go sending → sent; assistant replies go streaming → complete | failed. */
export const MESSAGE_STATUSES = ['sending', 'sent', 'streaming', 'complete', 'failed'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

export interface ChatMessage {
  /** Stable React key: the clientMsgId for our own messages, the run id for replies, else the server id. */
  key: string
  /** The stored message id, once the server has one. */
  id: string | null
  role: 'user' | 'assistant'
  text: string
  status: MessageStatus
  clientMsgId?: string
  runId?: string
  /** Set when status is failed: the server's code (`run.failed`, an error frame); while retrying, the last one. */
  errorCode?: string
  /** How many retryable refusals (`RATE_LIMITED`, `TOO_MANY_RUNS`…) this send has had. */
  attempts?: number
  /** Refused for now (a retryable code): out of the sends until the connection's backoff timer says `retry.due`. */
  waiting?: boolean
  /** A reply whose socket closed mid-stream: the next history load replaces it with the stored one. */
  interrupted?: boolean
}

export interface ChatState {
  connection: ConnectionState
  threadId: string | null
  messages: ChatMessage[]
  /** clientMsgIds sent (or waiting to be sent) but not acknowledged: resent, same id, after every reconnect. */
  outbox: string[]
  /** The last error frame or connection problem, for the banner. */
  error: { code: string; message: string } | null
  /** When the socket will try again (ms since epoch), while reconnecting. */
  retryAtMs: number | null
}
