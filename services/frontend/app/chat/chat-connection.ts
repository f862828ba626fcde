import {
  isAuthClose,
  isServerFrameType,
  offeredProtocols,
  type ClientFrameInput,
  type ServerFrame,
} from '@tarmac/protocol'
import { fullJitterDelayMs } from '@tarmac/startup/retry-policy'
import type { ChatEvent, ChatState, StoredMessage } from './chat-machine.js'
import { chatReducer, initialChatState, pendingSends } from './chat-machine.js'

/** What the connection needs of a WebSocket (the browser's, or a fake in tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number }) => void) | null
  onerror: ((event: unknown) => void) | null
}

export interface ChatConnectionOptions {
  /** ws(s)://host/ws */
  url: string
  /** The current access token; called on every (re)connect so a refreshed one is used. */
  token: () => string | null
  createSocket: (url: string, protocols: string[]) => SocketLike
  /** Reloads a thread's stored messages: after opening a thread and after every reconnect. */
  loadHistory: (threadId: string) => Promise<readonly StoredMessage[]>
  /** Called on close code 4401 or 4408 (token expired); resolves true when a fresh token is available. */
  refreshToken?: () => Promise<boolean>
  /** Full-jitter backoff: sleep before retry n = random(0, min(capMs, baseMs · 2ⁿ)). */
  backoff?: { baseMs: number; capMs: number }
  /** Consecutive failed connects after which the page says chat is unavailable (it keeps retrying). */
  unavailableAfterFailures?: number
  /** Full-jitter backoff before resending a message refused with a retryable code (n = its refusals so far). */
  retryBackoff?: { baseMs: number; capMs: number }
  /** A message sent on an open socket with no ack or error after this long is sent again (same clientMsgId). */
  ackTimeoutMs?: number
  /** The server's `maxFrameBytes`: a message whose frame is larger fails here, without being sent. */
  maxFrameBytes?: number
  random?: () => number
  now?: () => number
}

export const CONNECTION_DEFAULTS = Object.freeze({ baseMs: 500, capMs: 10_000, unavailableAfterFailures: 2 })
export const SEND_DEFAULTS = Object.freeze({
  retryBackoff: Object.freeze({ baseMs: 1_000, capMs: 30_000 }),
  ackTimeoutMs: 20_000,
  maxFrameBytes: 32 * 1024,
})

const OPEN = 1

/**
 * The chat WebSocket with its state machine: authenticates with the `bearer.<token>` subprotocol, follows one
 * thread, sends optimistically, resends unacknowledged messages (same clientMsgId) after every reconnect, after a
 * retryable refusal's backoff and after an ack timeout, and reconnects with full-jitter backoff. Every message
 * is acknowledged, failed (the user may `retry` it), or pending with a send or a timer ahead of it. Subscribe for
 * state changes (React: `useSyncExternalStore`).
 */
export class ChatConnection {
  #options: ChatConnectionOptions
  #state: ChatState = initialChatState
  #listeners = new Set<() => void>()
  #socket: SocketLike | null = null
  #failures = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #closed = false
  #sentOnSocket = new Set<string>()
  /** Backoff timers of messages `waiting` after a retryable refusal, by clientMsgId. */
  #retryTimers = new Map<string, ReturnType<typeof setTimeout>>()
  /** Ack deadlines of messages sent on the current socket, by clientMsgId. */
  #ackTimers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(options: ChatConnectionOptions) {
    this.#options = options
  }

  get state(): ChatState {
    return this.#state
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  getState = (): ChatState => this.#state

  connect(): void {
    this.#closed = false
    if (this.#socket) return
    this.#clearTimer()
    this.#dispatch({ type: 'socket.connecting' })
    const token = this.#options.token()
    const protocols = offeredProtocols(token)
    let socket: SocketLike
    try {
      socket = this.#options.createSocket(this.#options.url, protocols)
    } catch {
      this.#scheduleReconnect(1006)
      return
    }
    this.#socket = socket
    this.#sentOnSocket.clear()
    this.#clearAckTimers()
    socket.onmessage = (event) => this.#onMessage(event.data)
    socket.onclose = (event) => {
      if (this.#socket !== socket) return
      this.#socket = null
      void this.#onClose(event.code)
    }
    socket.onerror = () => undefined // a close event always follows
  }

  /** Retry now (the "Try again" button), resetting the backoff. */
  retryNow(): void {
    this.#failures = 0
    this.#clearTimer()
    this.connect()
  }

  openThread(threadId: string): void {
    this.#dispatch({ type: 'thread.opened', threadId })
    this.#subscribeThread()
    void this.#reloadHistory()
  }

  /** Shows the message at once and sends it when (and every time) the socket is open until it is acknowledged. */
  send(text: string, clientMsgId: string = crypto.randomUUID()): string {
    this.#dispatch({ type: 'send', clientMsgId, text })
    this.#flush()
    return clientMsgId
  }

  /** Sends a failed message again (the "Retry" button): same clientMsgId, so it is stored at most once. */
  retry(clientMsgId: string): void {
    this.#dispatch({ type: 'retry', clientMsgId })
    this.#flush()
  }

  /** Whether a timer will resend this message (a retryable refusal's backoff, or its ack deadline). */
  hasTimerFor(clientMsgId: string): boolean {
    return this.#retryTimers.has(clientMsgId) || this.#ackTimers.has(clientMsgId)
  }

  close(): void {
    this.#closed = true
    this.#clearTimer()
    this.#clearAckTimers()
    for (const timer of this.#retryTimers.values()) clearTimeout(timer)
    this.#retryTimers.clear()
    const socket = this.#socket
    this.#socket = null
    socket?.close(1000, 'page closed')
  }

  #dispatch(event: ChatEvent): void {
    const next = chatReducer(this.#state, event)
    if (next === this.#state) return
    this.#state = next
    this.#syncSendTimers()
    for (const listener of this.#listeners) listener()
  }

  /**
   * Keeps one backoff timer per message `waiting` after a retryable refusal (its end resends the message), and
   * drops the ack deadlines of messages that no longer wait for an ack.
   */
  #syncSendTimers(): void {
    const { messages, outbox } = this.#state
    const waiting = new Map(messages.filter((m) => m.waiting).map((m) => [m.clientMsgId!, m]))
    for (const [id, timer] of this.#retryTimers)
      if (!waiting.has(id)) {
        clearTimeout(timer)
        this.#retryTimers.delete(id)
      }
    const policy = this.#options.retryBackoff ?? SEND_DEFAULTS.retryBackoff
    for (const [id, message] of waiting) {
      if (this.#retryTimers.has(id)) continue
      // The answer to this send came; the next one goes out when the backoff ends, on whatever socket is open.
      this.#sentOnSocket.delete(id)
      this.#clearAckTimer(id)
      const delayMs = fullJitterDelayMs((message.attempts ?? 1) - 1, policy, this.#options.random)
      this.#retryTimers.set(
        id,
        setTimeout(() => {
          this.#retryTimers.delete(id)
          this.#dispatch({ type: 'retry.due', clientMsgId: id })
          this.#flush()
        }, delayMs),
      )
    }
    // A message out of the outbox (acked, or failed) is done with this socket: a retry sends it again.
    const pending = new Set(outbox)
    for (const id of this.#ackTimers.keys()) if (!pending.has(id)) this.#clearAckTimer(id)
    for (const id of this.#sentOnSocket) if (!pending.has(id)) this.#sentOnSocket.delete(id)
  }

  #clearAckTimer(clientMsgId: string): void {
    const timer = this.#ackTimers.get(clientMsgId)
    if (timer !== undefined) clearTimeout(timer)
    this.#ackTimers.delete(clientMsgId)
  }

  #clearAckTimers(): void {
    for (const timer of this.#ackTimers.values()) clearTimeout(timer)
    this.#ackTimers.clear()
  }

  #onMessage(data: unknown): void {
    let value: unknown
    try {
      value = JSON.parse(String(data))
    } catch {
      return
    }
    // The backend's frames as they are (no schema in the bundle); a type this version does not know is ignored.
    if (typeof value !== 'object' || value === null || !isServerFrameType((value as { type?: unknown }).type))
      return
    const frame = value as ServerFrame
    if (frame.type === 'auth.ok') {
      this.#failures = 0
      this.#dispatch({ type: 'socket.open' })
      this.#subscribeThread()
      this.#flush()
      void this.#reloadHistory()
      return
    }
    this.#dispatch({ type: 'frame', frame })
  }

  async #onClose(code: number): Promise<void> {
    if (this.#closed) return
    if (isAuthClose(code) && this.#options.refreshToken && (await this.#options.refreshToken())) {
      if (!this.#closed) this.connect()
      return
    }
    this.#scheduleReconnect(code)
  }

  #scheduleReconnect(code: number): void {
    if (isAuthClose(code)) {
      this.#dispatch({ type: 'socket.closed', code, retryAtMs: null, unavailable: false })
      return
    }
    const policy = this.#options.backoff ?? CONNECTION_DEFAULTS
    const threshold = this.#options.unavailableAfterFailures ?? CONNECTION_DEFAULTS.unavailableAfterFailures
    const delayMs = fullJitterDelayMs(this.#failures, policy, this.#options.random)
    this.#failures += 1
    const now = this.#options.now ?? Date.now
    this.#dispatch({
      type: 'socket.closed',
      code,
      retryAtMs: now() + delayMs,
      unavailable: this.#failures >= threshold,
    })
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.connect()
    }, delayMs)
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #send(frame: ClientFrameInput | string): boolean {
    if (this.#socket?.readyState !== OPEN) return false
    this.#socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
    return true
  }

  #subscribeThread(): void {
    const { threadId, connection } = this.#state
    if (threadId !== null && connection === 'open') this.#send({ type: 'thread.subscribe', threadId })
  }

  /**
   * Sends each unacknowledged message once per socket (a new socket sends them all again), with an ack deadline
   * after which it is sent again. `clientMsgId` goes before `text`, so even a refusal of an oversized frame names
   * it — though a frame over `maxFrameBytes` is failed here and never sent.
   */
  #flush(): void {
    const { threadId } = this.#state
    if (threadId === null) return
    const maxFrameBytes = this.#options.maxFrameBytes ?? SEND_DEFAULTS.maxFrameBytes
    for (const message of pendingSends(this.#state)) {
      const clientMsgId = message.clientMsgId
      if (clientMsgId === undefined || this.#sentOnSocket.has(clientMsgId)) continue
      const send: ClientFrameInput = { type: 'message.send', threadId, clientMsgId, text: message.text }
      const frame = JSON.stringify(send)
      if (new TextEncoder().encode(frame).byteLength > maxFrameBytes) {
        const refusal = `the message is larger than ${maxFrameBytes} bytes once encoded; shorten it`
        this.#dispatch({
          type: 'frame',
          frame: {
            type: 'error',
            code: 'FRAME_TOO_LARGE',
            message: refusal,
            ref: clientMsgId,
            retryable: false,
          },
        })
        continue
      }
      if (!this.#send(frame)) return
      this.#sentOnSocket.add(clientMsgId)
      this.#clearAckTimer(clientMsgId)
      this.#ackTimers.set(
        clientMsgId,
        setTimeout(() => {
          // No ack and no error: the frame or its answer was lost. Sent again, it is stored at most once.
          this.#ackTimers.delete(clientMsgId)
          this.#sentOnSocket.delete(clientMsgId)
          this.#flush()
        }, this.#options.ackTimeoutMs ?? SEND_DEFAULTS.ackTimeoutMs),
      )
    }
  }

  async #reloadHistory(): Promise<void> {
    const { threadId } = this.#state
    if (threadId === null) return
    try {
      const items = await this.#options.loadHistory(threadId)
      this.#dispatch({ type: 'history.loaded', threadId, items })
    } catch {
      // The page shows the connection state; the next reconnect reloads again.
    }
  }
}
