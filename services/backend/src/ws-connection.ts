import type { WebSocket, RawData } from 'ws'
import {
  CLOSE_CODES,
  errorFrame,
  type ClientFrame,
  type ClientFrameSchema,
  type RunEvent,
  type ServerFrame,
} from '@tarmac/protocol'
import { TokenBucket } from '@tarmac/connector'
import type { ChatService } from './chat-service.js'
import { BackendError } from './errors.js'
import { clientErrorOf } from './faults.js'
import type { Identity, TokenVerifier } from './token-verifier.js'
import { corkPerTick } from './socket-cork.js'
import { parseClientFrame, refOfRefusedFrame } from './ws-protocol.js'

/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A run event goes to every socket following its thread as the same object: serialised once for all. */
const encodedEvents = new WeakMap<RunEvent, string>()
function encodeRunEvent(event: RunEvent): string {
  let json = encodedEvents.get(event)
  if (json === undefined) encodedEvents.set(event, (json = JSON.stringify(event)))
  return json
}

/** What a connection needs from the hub: the services it calls, the frame schema, its limits and caps. */
export interface ConnectionContext {
  readonly verifier: TokenVerifier
  readonly chat: ChatService
  readonly schema: ClientFrameSchema
  readonly limits: {
    readonly authTimeoutMs: number
    readonly maxFrameBytes: number
    readonly maxBufferedBytes: number
    readonly rateLimitBurst: number
    readonly rateLimitPerSecond: number
    readonly maxSubscriptionsPerSocket: number
  }
  /** Counts the socket against its user's cap once authenticated; false when the user is at the cap. */
  readonly claimUser: (userId: string) => Promise<boolean>
  readonly releaseUser: (userId: string) => void
  readonly log: { warn(object: object, message: string): void; debug(object: object, message: string): void }
}

/**
 * One client socket, a transport only: it decodes frames, calls `ChatService` (which follows threads, checks
 * ownership and runs the assistant), and encodes and writes what comes back. It owns what is the socket's:
 * authentication (subprotocol or first frame) and token expiry, the per-socket rate limit and follow cap, frames
 * handled one at a time in arrival order (so acks keep the order of sends, and precede their runs' events), and
 * a send path that disconnects a slow consumer instead of buffering without bound.
 */
export class WsConnection {
  readonly #socket: WebSocket
  readonly #context: ConnectionContext
  readonly #bucket: TokenBucket
  /** One `writev` per tick for all the frames this socket is sent in it. */
  readonly #cork: () => void
  readonly #subscriptions = new Map<string, () => void>()
  /** While a send awaits its ack: its thread, and that thread's run events meanwhile, written after the ack. */
  #held: { readonly threadId: string; readonly frames: string[] } | undefined
  #identity: Identity | undefined
  #authenticating: Promise<void> | undefined
  #authTimer: NodeJS.Timeout | undefined
  #expiryTimer: NodeJS.Timeout | undefined
  #queue: Promise<void> = Promise.resolve()
  #alive = true

  constructor(socket: WebSocket, context: ConnectionContext, offeredToken: string | undefined) {
    this.#socket = socket
    this.#context = context
    this.#cork = corkPerTick(socket)
    this.#bucket = new TokenBucket({
      burst: context.limits.rateLimitBurst,
      perSecond: context.limits.rateLimitPerSecond,
    })
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary))
    socket.on('pong', () => (this.#alive = true))
    socket.on('close', () => this.#dispose())
    socket.on('error', () => socket.terminate())
    if (offeredToken !== undefined) {
      this.#authenticating = this.#authenticate(offeredToken)
      this.#authenticating.catch(() => {}) // the socket is closed with 4401; nothing else to do
    } else
      this.#authTimer = setTimeout(
        () => this.close(CLOSE_CODES.unauthorized, 'authentication timeout'),
        context.limits.authTimeoutMs,
      )
  }

  get userId(): string | undefined {
    return this.#identity?.userId
  }

  /** Sends a frame (or one already encoded), or terminates the socket if the client is not reading fast enough. */
  send(frame: ServerFrame | string): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return
    if (this.#socket.bufferedAmount > this.#context.limits.maxBufferedBytes) {
      this.#context.log.warn(
        { userId: this.userId, bufferedBytes: this.#socket.bufferedAmount },
        'slow consumer disconnected',
      )
      this.#socket.terminate()
      return
    }
    this.#cork()
    this.#socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Heartbeat tick: terminates a socket that did not answer the previous ping. Returns false if it did. */
  heartbeat(): boolean {
    if (!this.#alive) {
      this.#socket.terminate()
      return false
    }
    this.#alive = false
    this.#socket.ping()
    return true
  }

  close(code: number, reason: string): void {
    if (this.#socket.readyState === this.#socket.OPEN || this.#socket.readyState === this.#socket.CONNECTING)
      this.#socket.close(code, reason)
  }

  terminate(): void {
    this.#socket.terminate()
  }

  #receive(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength
    const buffer = () => (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer))
    // A refused frame's ref goes back with the refusal, so the client knows which message to retry (or fail).
    const refused = (code: string, message: string) =>
      this.send(errorFrame(code, message, isBinary ? undefined : refOfRefusedFrame(buffer())))
    if (!this.#bucket.take()) {
      refused('RATE_LIMITED', `more than ${this.#context.limits.rateLimitPerSecond} frames per second`)
      return
    }
    if (bytes > this.#context.limits.maxFrameBytes) {
      refused('FRAME_TOO_LARGE', `frames are limited to ${this.#context.limits.maxFrameBytes} bytes`)
      return
    }
    if (isBinary) {
      this.send(errorFrame('INVALID_FRAME', 'binary frames are not supported; send JSON text'))
      return
    }
    const text = buffer().toString()
    this.#queue = this.#queue.then(() => this.#handle(text))
  }

  async #handle(text: string): Promise<void> {
    // Frames still queued when the socket closed (shutdown, a cap) are dropped: nobody can be acknowledged.
    if (this.#socket.readyState !== this.#socket.OPEN) return
    const parsed = parseClientFrame(text, this.#context.schema)
    if ('error' in parsed) {
      this.send(errorFrame(parsed.error.code, parsed.error.message, parsed.ref))
      return
    }
    const frame = parsed.frame
    const ref = frame.ref ?? (frame.type === 'message.send' ? frame.clientMsgId : undefined)
    try {
      await this.#authenticating
      if (frame.type === 'auth') {
        // A second `auth` frame re-authenticates (a fresh token before the current one expires).
        this.#authenticating = this.#authenticate(frame.token)
        await this.#authenticating
        return
      }
      if (!this.#identity)
        throw new BackendError('AUTH_REQUIRED', 'authenticate first: send { type: "auth", token }')
      await this.#dispatch(this.#identity, frame)
    } catch (error) {
      // Our own client codes as they are; anything else (a database or bus outage: DEPENDENCY_UNAVAILABLE,
      // a bug: INTERNAL) through the same mapping as HTTP, so a frame never fails without a code.
      const { code, message, statusCode } = clientErrorOf(error)
      if (error instanceof BackendError && code !== 'DEPENDENCY_UNAVAILABLE') {
        this.send(errorFrame(error.code, error.message, ref))
        return
      }
      if (statusCode >= 500) this.#context.log.warn({ err: error, frame: frame.type, code }, 'frame failed')
      this.send(errorFrame(code, message, ref))
    }
  }

  async #dispatch(identity: Identity, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'thread.subscribe':
        await this.#subscribe(identity, frame.threadId)
        this.send({ type: 'thread.subscribed', threadId: frame.threadId })
        return
      case 'thread.unsubscribe':
        this.#subscriptions.get(frame.threadId)?.()
        this.#subscriptions.delete(frame.threadId)
        this.send({ type: 'thread.unsubscribed', threadId: frame.threadId })
        return
      case 'message.send': {
        const { threadId, clientMsgId, text } = frame
        // Followed before anything is stored, so the sender gets its run's events from the first.
        await this.#subscribe(identity, threadId)
        // The run starts before `sendMessage` resolves (the in-process bus may deliver its `run.started` before
        // this resumes): the thread's events wait until the ack is written, then follow it in order.
        const held = { threadId, frames: [] as string[] }
        this.#held = held
        try {
          const sent = await this.#context.chat.sendMessage(identity.userId, { threadId, clientMsgId, text })
          const { messageId, duplicate } = sent
          this.send({ type: 'message.ack', threadId, clientMsgId, messageId, duplicate })
        } finally {
          this.#held = undefined
          for (const encoded of held.frames) this.send(encoded)
        }
        return
      }
      case 'ping':
        this.send({ type: 'pong', ...(frame.ref === undefined ? {} : { ref: frame.ref }) })
        return
    }
  }

  async #subscribe(identity: Identity, threadId: string): Promise<void> {
    if (this.#subscriptions.has(threadId)) return
    if (this.#subscriptions.size >= this.#context.limits.maxSubscriptionsPerSocket) {
      throw new BackendError(
        'INVALID_FRAME',
        `a socket may follow at most ${this.#context.limits.maxSubscriptionsPerSocket} threads`,
      )
    }
    const unsubscribe = await this.#context.chat.follow(identity.userId, threadId, (event) => {
      const encoded = encodeRunEvent(event)
      const held = this.#held
      if (held?.threadId === threadId) held.frames.push(encoded)
      else this.send(encoded)
    })
    if (this.#socket.readyState !== this.#socket.OPEN) return unsubscribe()
    this.#subscriptions.set(threadId, unsubscribe)
  }

  /**
   * First authentication: a bad token closes the socket with 4401; an auth service that cannot vouch for any
   * key with 1013 (retry later); a user already at the socket cap with 4429. Re-authentication (a later
   * `auth` frame) with a fresh token for the same user moves the expiry; a failure there is an error frame
   * and the socket keeps its current authorisation until that expires.
   */
  async #authenticate(token: string): Promise<void> {
    const current = this.#identity
    try {
      let identity: Identity
      try {
        identity = await this.#context.verifier.verify(token)
      } catch (error) {
        if (current) throw error
        const dependency = clientErrorOf(error).code === 'DEPENDENCY_UNAVAILABLE'
        this.send(
          dependency
            ? errorFrame('DEPENDENCY_UNAVAILABLE', 'the auth service cannot be reached; retry shortly')
            : errorFrame('AUTH_FAILED', 'invalid or expired access token'),
        )
        this.close(
          dependency ? CLOSE_CODES.tryAgainLater : CLOSE_CODES.unauthorized,
          dependency ? 'auth service unavailable' : 'invalid token',
        )
        this.#context.log.debug({ err: error }, 'websocket authentication failed')
        throw new BackendError('AUTH_FAILED', 'invalid or expired access token', { cause: error })
      }
      if (this.#socket.readyState !== this.#socket.OPEN) return // closed while the token was checked
      if (current && identity.userId !== current.userId)
        throw new BackendError('ALREADY_AUTHENTICATED', 'this socket is authenticated as another user')
      if (!current && !(await this.#context.claimUser(identity.userId))) {
        this.send(errorFrame('TOO_MANY_SOCKETS', 'this user has too many open sockets'))
        this.close(CLOSE_CODES.tooManySockets, 'too many sockets for this user')
        throw new BackendError('TOO_MANY_SOCKETS', 'this user has too many open sockets')
      }
      if (!current && this.#socket.readyState !== this.#socket.OPEN) {
        this.#context.releaseUser(identity.userId) // closed while it was counted
        return
      }
      this.#identity = identity
      clearTimeout(this.#authTimer)
      this.#expireAt(identity.expiresAtMs)
      this.send({
        type: 'auth.ok',
        userId: identity.userId,
        ...(identity.expiresAtMs === undefined
          ? {}
          : { expiresAt: new Date(identity.expiresAtMs).toISOString() }),
      })
    } finally {
      this.#authenticating = undefined
    }
  }

  /** An authenticated socket lives no longer than its token: closed with 4408 at `exp` unless re-authenticated. */
  #expireAt(expiresAtMs: number | undefined): void {
    clearTimeout(this.#expiryTimer)
    if (expiresAtMs === undefined) return
    const delayMs = Math.min(Math.max(expiresAtMs - Date.now(), 0), MAX_TIMER_MS)
    this.#expiryTimer = setTimeout(() => {
      this.send(errorFrame('TOKEN_EXPIRED', 'the access token expired; reconnect with a fresh one'))
      this.close(CLOSE_CODES.tokenExpired, 'token expired')
    }, delayMs)
    this.#expiryTimer.unref()
  }

  #dispose(): void {
    clearTimeout(this.#authTimer)
    clearTimeout(this.#expiryTimer)
    if (this.#identity) this.#context.releaseUser(this.#identity.userId)
    for (const unsubscribe of this.#subscriptions.values()) unsubscribe()
    this.#subscriptions.clear()
  }
}
