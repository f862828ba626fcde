import WebSocket from 'ws'

/** A frame as tests read it: every field the protocol uses, all optional but `type`. */
export interface Frame {
  type: string
  userId?: string
  threadId?: string
  runId?: string
  clientMsgId?: string
  messageId?: string
  duplicate?: boolean
  index?: number
  delta?: string
  text?: string
  code?: string
  message?: string
  ref?: string
  metadata?: Record<string, unknown>
  [key: string]: unknown
}

/**
 * A test WebSocket client that records every frame, so a test can wait for "the next frame matching X"
 * without racing the socket.
 */
export class ChatClient {
  readonly frames: Frame[] = []
  readonly socket: WebSocket
  readonly closed: Promise<{ code: number; reason: string }>
  #waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void; from: number }[] = []

  constructor(url: string, protocols?: string[], options: WebSocket.ClientOptions = {}) {
    this.socket = new WebSocket(url, protocols, options)
    this.socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame
      this.frames.push(frame)
      this.#waiters = this.#waiters.filter(
        (waiter) => !(waiter.match(frame) && (waiter.resolve(frame), true)),
      )
    })
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    )
    this.socket.on('error', () => {})
  }

  /** Connects with the subprotocol list `['tarmac.v1', 'bearer.<token>']`. */
  static async withSubprotocol(url: string, token: string): Promise<ChatClient> {
    const client = new ChatClient(url, ['tarmac.v1', `bearer.${token}`])
    await client.opened()
    return client
  }

  /** Connects, then authenticates with a first `auth` frame. */
  static async withAuthFrame(url: string, token: string): Promise<ChatClient> {
    const client = new ChatClient(url, ['tarmac.v1'])
    await client.opened()
    client.send({ type: 'auth', token })
    await client.next((frame) => frame.type === 'auth.ok' || frame.type === 'error')
    return client
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve()
      this.socket.once('open', () => resolve())
      this.socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      )
      this.socket.once('error', reject)
    })
  }

  send(frame: Frame | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first frame matching, among those already received or still to come. */
  next(match: (frame: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    const seen = this.frames.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`,
            ),
          ),
        timeoutMs,
      )
      this.#waiters.push({
        match,
        from: this.frames.length,
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
      })
    })
  }

  /** Frames of one run, once it ended: started, deltas, completed|failed. */
  async run(runId: string): Promise<Frame[]> {
    await this.next((f) => f.runId === runId && (f.type === 'run.completed' || f.type === 'run.failed'))
    return this.frames.filter((f) => f.runId === runId)
  }

  close(): void {
    this.socket.close()
  }
}
