import type { ChatMessage } from './chat-state.js'

/**
 * Retryable refusals of one send before it is failed and left to the user ("Retry"). `RATE_LIMITED` does not
 * count: it only says the client sent too fast (a reconnect's flush), and the backoff spreads the resends out.
 */
export const AUTO_RETRY_LIMIT = 5

/** The message without its retry bookkeeping (`errorCode`, `attempts`, `waiting`). */
export function withoutRetry(message: ChatMessage): ChatMessage {
  const { errorCode: _code, attempts: _attempts, waiting: _waiting, ...rest } = message
  return rest
}
