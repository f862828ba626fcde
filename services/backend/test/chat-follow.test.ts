import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunEvent } from '@tarmac/protocol'
import { createTestDatabase, type TestDatabase, until } from '@tarmac/testing'
import { ChatService } from '../src/chat-service.js'
import { createInProcessBus, threadTopic } from '../src/event-bus.js'
import { MIGRATIONS_DIR } from '../src/index.js'
import { ScriptedProvider } from './support/scripted-provider.js'

// The chat path without a socket: `ChatService.follow` is how any transport gets a thread's run events, so the
// WebSocket connection is only a transport (it decodes, calls the service, encodes and writes).

let db: TestDatabase
let pool: pg.Pool
const services: ChatService[] = []
beforeAll(async () => {
  db = await createTestDatabase('chat_follow')
  pool = new pg.Pool({ connectionString: db.url, max: 4 })
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    await pool.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
})
afterEach(async () => {
  await Promise.all(services.splice(0).map((chat) => chat.stop(0)))
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

function setUp() {
  const provider = new ScriptedProvider()
  const bus = createInProcessBus()
  const chat = new ChatService({
    db: pool,
    bus,
    provider,
    historyMessages: 20,
    maxQueuedRunsPerThread: 8,
    deltaFlushMs: 0,
  })
  services.push(chat)
  return { chat, provider, bus }
}

describe('ChatService.follow', () => {
  it("delivers a thread's run events to a listener, in order, with no socket involved", async () => {
    const { chat, provider } = setUp()
    const thread = await chat.createThread('user-f1', 'followed')
    const events: RunEvent[] = []
    const unfollow = await chat.follow('user-f1', thread.id, (event) => events.push(event))
    const sent = await chat.sendMessage('user-f1', { threadId: thread.id, clientMsgId: 'c1', text: 'hi' })
    expect(sent).toMatchObject({ duplicate: false })
    await until(() => provider.waiting === 1)
    provider.release()
    await until(() => events.some((event) => event.type === 'run.completed'))
    expect(events.map((event) => event.type)).toEqual([
      'run.started',
      'run.delta',
      'run.delta',
      'run.completed',
    ])
    expect(events[0]).toMatchObject({ runId: sent.run?.runId, replyTo: sent.messageId })
    unfollow()
    unfollow() // idempotent
  })

  it('stops delivering once unsubscribed; a bus probe on the topic is not a run event', async () => {
    const { chat, provider, bus } = setUp()
    const thread = await chat.createThread('user-f2', 'unfollowed')
    const events: unknown[] = []
    const unfollow = await chat.follow('user-f2', thread.id, (event) => events.push(event))
    await bus.publish(threadTopic(thread.id), { type: 'self-test', nonce: 'n' })
    unfollow()
    const sent = await chat.sendMessage('user-f2', { threadId: thread.id, clientMsgId: 'c1', text: 'hi' })
    await until(() => provider.waiting === 1)
    provider.release()
    await sent.run?.done
    expect(events).toEqual([])
  })

  it("refuses another user's thread with THREAD_NOT_FOUND, and sends to it still check ownership", async () => {
    const { chat } = setUp()
    const thread = await chat.createThread('user-f3', 'private')
    await expect(chat.follow('intruder', thread.id, () => {})).rejects.toMatchObject({
      code: 'THREAD_NOT_FOUND',
    })
    // The owner following the thread does not let another user send to it.
    const unfollow = await chat.follow('user-f3', thread.id, () => {})
    await expect(
      chat.sendMessage('intruder', { threadId: thread.id, clientMsgId: 'x', text: 'hi' }),
    ).rejects.toMatchObject({ code: 'THREAD_NOT_FOUND' })
    unfollow()
  })
})
