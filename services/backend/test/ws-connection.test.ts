import { EventEmitter } from 'node:events'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { WebSocket } from 'ws'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clientFrameSchema, type ClientFrameInput, type ServerFrame } from '@tarmac/protocol'
import { createTestDatabase, type TestDatabase, until } from '@tarmac/testing'
import { ChatService } from '../src/chat-service.js'
import { BackendError } from '../src/errors.js'
import { createInProcessBus } from '../src/event-bus.js'
import { MIGRATIONS_DIR } from '../src/index.js'
import type { TokenVerifier } from '../src/token-verifier.js'
import { WsConnection, type ConnectionContext } from '../src/ws-connection.js'
import { ScriptedProvider } from './support/scripted-provider.js'

/**
 * A socket as `ws` presents one to the server, reduced to what a connection uses: it records what is sent
 * (parsed back into frames) and how it was closed, and `receive` plays a frame from the client.
 */
class FakeSocket extends EventEmitter {
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSED = 3
  readyState = 1
  bufferedAmount = 0
  readonly sent: ServerFrame[] = []
  closedWith: number | undefined
  terminated = false

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ServerFrame)
  }
  close(code: number): void {
    this.closedWith = code
    this.#closed()
  }
  terminate(): void {
    this.terminated = true
    this.#closed()
  }
  ping(): void {}
  receive(frame: ClientFrameInput | string): void {
    this.emit('message', Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)), false)
  }
  types(): string[] {
    return this.sent.map((frame) => frame.type)
  }
  #closed(): void {
    if (this.readyState === this.CLOSED) return
    this.readyState = this.CLOSED
    this.emit('close')
  }
}

/** Tokens are user ids here: the auth service cannot run in this unit test (a stand-in verifier). */
const standInVerifier: TokenVerifier = {
  jwksUrl: 'http://auth.invalid/.well-known/jwks.json',
  async verify(token) {
    if (token.startsWith('user-')) return { userId: token }
    throw new BackendError('AUTH_FAILED', 'invalid or expired access token')
  },
}

let db: TestDatabase
let pool: pg.Pool
const services: ChatService[] = []
const sockets: FakeSocket[] = []
beforeAll(async () => {
  db = await createTestDatabase('ws_connection')
  pool = new pg.Pool({ connectionString: db.url, max: 4 })
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    await pool.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
})
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await Promise.all(services.splice(0).map((chat) => chat.stop(0)))
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

function setUp(options: { maxRunsPerUser?: number; limits?: Partial<ConnectionContext['limits']> } = {}) {
  const provider = new ScriptedProvider()
  const bus = createInProcessBus()
  const chat = new ChatService({
    db: pool,
    bus,
    provider,
    historyMessages: 20,
    maxQueuedRunsPerThread: 8,
    deltaFlushMs: 0,
    ...(options.maxRunsPerUser !== undefined && { maxRunsPerUser: options.maxRunsPerUser }),
  })
  services.push(chat)
  const context: ConnectionContext = {
    verifier: standInVerifier,
    chat,
    schema: clientFrameSchema(100),
    limits: {
      authTimeoutMs: 60_000,
      maxFrameBytes: 4096,
      maxBufferedBytes: 1 << 20,
      rateLimitBurst: 100,
      rateLimitPerSecond: 100,
      maxSubscriptionsPerSocket: 4,
      ...options.limits,
    },
    claimUser: async () => true,
    releaseUser: () => {},
    log: { warn: () => {}, debug: () => {} },
  }
  const connect = (token?: string) => {
    const socket = new FakeSocket()
    sockets.push(socket)
    new WsConnection(socket as unknown as WebSocket, context, token)
    return socket
  }
  return { chat, provider, connect }
}

describe('WsConnection on a real ChatService (a scripted provider stands in for the LLM)', () => {
  it('answers the offered token with auth.ok; a bad one with AUTH_FAILED and close 4401', async () => {
    const { connect } = setUp()
    const good = connect('user-a')
    await until(() => good.sent.length === 1)
    expect(good.sent).toEqual([{ type: 'auth.ok', userId: 'user-a' }])
    const bad = connect('nobody')
    await until(() => bad.closedWith !== undefined)
    expect(bad.sent).toMatchObject([{ type: 'error', code: 'AUTH_FAILED' }])
    expect(bad.closedWith).toBe(4401)
  })

  it('refuses a frame before authentication with AUTH_REQUIRED, echoing its ref', async () => {
    const { connect } = setUp()
    const socket = connect()
    socket.receive({ type: 'ping', ref: 'p1' })
    await until(() => socket.sent.length === 1)
    expect(socket.sent[0]).toMatchObject({ type: 'error', code: 'AUTH_REQUIRED', ref: 'p1' })
  })

  it('acknowledges a message before its run starts, then streams the run to the sender', async () => {
    const { chat, provider, connect } = setUp()
    const thread = await chat.createThread('user-a', 'unit')
    const socket = connect('user-a')
    socket.receive({ type: 'message.send', threadId: thread.id, clientMsgId: 'c1', text: ' hello ' })
    await until(() => provider.waiting === 1)
    provider.release()
    await until(() => socket.types().includes('run.completed'))
    expect(socket.types()).toEqual([
      'auth.ok',
      'message.ack',
      'run.started',
      'run.delta',
      'run.delta',
      'run.completed',
    ])
    const ack = socket.sent[1]
    expect(ack).toMatchObject({
      type: 'message.ack',
      threadId: thread.id,
      clientMsgId: 'c1',
      duplicate: false,
    })
    expect(socket.sent[2]).toMatchObject({
      type: 'run.started',
      replyTo: ack?.type === 'message.ack' && ack.messageId,
    })
    const history = await chat.history('user-a', thread.id)
    expect(history.items.map((item) => item.text)).toEqual(['hello', 'thinking answer 1'])
  })

  it('answers a resend of an answered message as a duplicate without a run; after a failed run, with one', async () => {
    const { chat, provider, connect } = setUp()
    const thread = await chat.createThread('user-a', 'unit')
    const socket = connect('user-a')
    const send = { type: 'message.send', threadId: thread.id, clientMsgId: 'c1', text: 'hello' } as const
    provider.failWith = new Error('the model fell over')
    socket.receive(send)
    await until(() => provider.waiting === 1)
    provider.release()
    await until(() => socket.types().includes('run.failed'))

    provider.failWith = undefined
    socket.receive(send) // no reply stored, no run on it: the resend is the retry
    await until(() => provider.waiting === 1)
    expect(socket.sent.filter((frame) => frame.type === 'message.ack').map((ack) => ack.duplicate)).toEqual([
      false,
      true,
    ])
    provider.release()
    await until(() => socket.types().includes('run.completed'))

    socket.receive(send) // answered: acknowledged again, nothing runs
    await until(() => socket.sent.filter((frame) => frame.type === 'message.ack').length === 3)
    expect(chat.runner.activeRuns).toBe(0)
    expect(provider.seen).toHaveLength(2)
  })

  it('refuses a message past the user’s runs with TOO_MANY_RUNS and does not store it', async () => {
    const { chat, provider, connect } = setUp({ maxRunsPerUser: 1 })
    const thread = await chat.createThread('user-a', 'unit')
    const socket = connect('user-a')
    socket.receive({ type: 'message.send', threadId: thread.id, clientMsgId: 'c1', text: 'one' })
    await until(() => provider.waiting === 1)
    socket.receive({ type: 'message.send', threadId: thread.id, clientMsgId: 'c2', text: 'two' })
    await until(() => socket.types().includes('error'))
    expect(socket.sent.at(-1)).toMatchObject({ type: 'error', code: 'TOO_MANY_RUNS', ref: 'c2' })
    expect((await chat.history('user-a', thread.id)).items.map((item) => item.text)).toEqual(['one'])
  })

  it('treats another user’s thread as THREAD_NOT_FOUND, for a send and a subscribe', async () => {
    const { chat, connect } = setUp()
    const thread = await chat.createThread('user-b', 'not yours')
    const socket = connect('user-a')
    socket.receive({ type: 'message.send', threadId: thread.id, clientMsgId: 'c1', text: 'hi' })
    socket.receive({ type: 'thread.subscribe', threadId: thread.id, ref: 's1' })
    await until(() => socket.sent.length === 3)
    expect(socket.sent.slice(1)).toMatchObject([
      { type: 'error', code: 'THREAD_NOT_FOUND', ref: 'c1' },
      { type: 'error', code: 'THREAD_NOT_FOUND', ref: 's1' },
    ])
    expect((await chat.history('user-b', thread.id)).items).toEqual([])
  })

  it('drops frames past the burst with RATE_LIMITED, and cuts a consumer that does not read', async () => {
    const { connect } = setUp({ limits: { rateLimitBurst: 2, rateLimitPerSecond: 0.001 } })
    const socket = connect('user-a')
    await until(() => socket.sent.length === 1)
    for (const ref of ['p1', 'p2', 'p3']) socket.receive({ type: 'ping', ref })
    await until(() => socket.sent.length === 4)
    expect(socket.sent.slice(1)).toEqual([
      {
        type: 'error',
        code: 'RATE_LIMITED',
        message: 'more than 0.001 frames per second',
        ref: 'p3',
        retryable: true,
      },
      { type: 'pong', ref: 'p1' },
      { type: 'pong', ref: 'p2' },
    ])
    socket.bufferedAmount = 2 << 20
    socket.receive({ type: 'ping' })
    expect(socket.terminated).toBe(true)
  })
})
