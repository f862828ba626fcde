import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { offeredProtocols } from '@tarmac/protocol'

/** What the bench knows of one message a client sent. */
export interface SentMessage {
  readonly clientMsgId: string
  readonly text: string
  /** When it was due (the open loop's schedule): every latency is measured from here. */
  readonly dueMs: number
  /** The instance (index) its first send went to. */
  readonly firstInstance: number
  sentMs?: number
  ackMs?: number
  messageId?: string
  completedMs?: number
  /** Every reply id a `run.completed` named for it: more than one is a duplicate reply. */
  readonly replyIds: Set<string>
  failed?: string
  /** How many times it was sent again after a reconnect (same `clientMsgId`). */
  resends: number
  /** How many times it was sent again after a retryable refusal (same `clientMsgId`). */
  retries: number
}

type Frame = Record<string, string | undefined>

/** Refusals a client retries (same `clientMsgId`, after `RETRY_DELAY_MS`): the server said "not now". */
const RETRYABLE = new Set(['DEPENDENCY_UNAVAILABLE', 'SERVICE_STOPPING', 'RATE_LIMITED', 'TOO_MANY_RUNS'])
const RETRY_DELAY_MS = 1_000
const MAX_RETRIES = 20

/**
 * One user with one thread, behaving as a real client does: when its socket drops it reconnects to another
 * backend and sends every message that has no reply yet again, with the same `clientMsgId`; messages due while it
 * is away wait for the new socket (and their latency keeps counting from their due time).
 */
export class FleetClient {
  readonly messages: SentMessage[] = []
  readonly errors: Record<string, number> = {}
  reconnects = 0
  #socket: WebSocket | undefined
  #instance: number
  #connected = false
  #closing = false
  readonly #ports: readonly number[]
  readonly #alive: (instance: number) => boolean
  readonly #byClientMsgId = new Map<string, SentMessage>()
  readonly #byMessageId = new Map<string, SentMessage>()
  readonly #byRunId = new Map<string, SentMessage>()

  constructor(
    readonly token: string,
    readonly threadId: string,
    ports: readonly number[],
    home: number,
    alive: (instance: number) => boolean,
  ) {
    this.#ports = ports
    this.#instance = home
    this.#alive = alive
  }

  get instance(): number {
    return this.#instance
  }

  /** Opens the socket to the current instance and waits for `auth.ok`. */
  async connect(): Promise<void> {
    const socket = new WebSocket(
      `ws://127.0.0.1:${this.#ports[this.#instance]}/ws`,
      offeredProtocols(this.token),
    )
    this.#socket = socket
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.once('close', () => reject(new Error('closed before auth.ok')))
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as Frame
        if (frame.type === 'auth.ok') {
          socket.removeListener('error', reject)
          socket.removeAllListeners('close')
          resolve()
        } else this.#onFrame(frame)
      })
    })
    socket.on('error', () => {})
    socket.on('close', () => void this.#onClose())
    this.#connected = true
  }

  /** Sends a new message now (or once reconnected). */
  send(dueMs: number): SentMessage {
    const clientMsgId = randomUUID()
    const message: SentMessage = {
      clientMsgId,
      text: `bench ${clientMsgId}`,
      dueMs,
      firstInstance: this.#instance,
      replyIds: new Set(),
      resends: 0,
      retries: 0,
    }
    this.messages.push(message)
    this.#byClientMsgId.set(clientMsgId, message)
    if (this.#connected) this.#write(message)
    return message
  }

  close(): void {
    this.#closing = true
    this.#socket?.close()
  }

  #write(message: SentMessage): void {
    message.sentMs ??= performance.now()
    this.#socket!.send(
      JSON.stringify({
        type: 'message.send',
        threadId: this.threadId,
        clientMsgId: message.clientMsgId,
        text: message.text,
        ref: message.clientMsgId,
      }),
    )
  }

  async #onClose(): Promise<void> {
    this.#connected = false
    if (this.#closing) return
    // Another instance, as a load balancer would pick once this one stops answering.
    for (let attempt = 1; attempt <= this.#ports.length * 20; attempt++) {
      const next = (this.#instance + attempt) % this.#ports.length
      if (!this.#alive(next)) continue
      this.#instance = next
      try {
        await this.connect()
        this.reconnects++
        for (const message of this.messages) {
          if (message.completedMs !== undefined || message.failed) continue
          if (message.sentMs !== undefined) message.resends++
          this.#write(message)
        }
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }

  #onFrame(frame: Frame): void {
    const now = performance.now()
    if (frame.type === 'message.ack') {
      const message = this.#byClientMsgId.get(frame.clientMsgId!)
      if (!message) return
      message.ackMs ??= now
      message.messageId = frame.messageId
      this.#byMessageId.set(frame.messageId!, message)
    } else if (frame.type === 'run.started') {
      const message = this.#byMessageId.get(frame.replyTo!)
      if (message) this.#byRunId.set(frame.runId!, message)
    } else if (frame.type === 'run.completed') {
      const message = this.#byRunId.get(frame.runId!)
      if (!message) return
      message.completedMs ??= now
      message.replyIds.add(frame.messageId!)
    } else if (frame.type === 'run.failed') {
      const message = this.#byRunId.get(frame.runId!) ?? this.#byMessageId.get(frame.replyTo ?? '')
      if (!message || message.completedMs !== undefined) return
      message.failed = frame.code ?? 'RUN_FAILED'
      this.errors[message.failed] = (this.errors[message.failed] ?? 0) + 1
    } else if (frame.type === 'error') {
      this.errors[frame.code!] = (this.errors[frame.code!] ?? 0) + 1
      const message = frame.ref ? this.#byClientMsgId.get(frame.ref) : undefined
      if (!message || message.ackMs !== undefined) return
      if (!RETRYABLE.has(frame.code!) || message.retries >= MAX_RETRIES) {
        message.failed = frame.code
        return
      }
      message.retries++
      setTimeout(() => {
        if (this.#connected && message.ackMs === undefined) this.#write(message)
      }, RETRY_DELAY_MS)
    }
  }
}
