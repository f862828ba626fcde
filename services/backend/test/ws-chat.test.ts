import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startStack } from './support/backend-harness.js'
import { ChatClient } from './support/ws-client.js'

let stack: Awaited<ReturnType<typeof startStack>>
beforeAll(async () => {
  stack = await startStack('backend_ws')
})
afterAll(() => stack?.close())

async function newThread(token: string): Promise<string> {
  return (await api(stack.url, token, 'POST', '/api/threads', { title: 'ws' })).body.id!
}

describe('WebSocket chat', () => {
  it('streams a local assistant run over a real socket and stores both messages', async () => {
    const userId = randomUUID()
    const token = await stack.auth.mint({ userId })
    const threadId = await newThread(token)
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    expect(client.socket.protocol).toBe('tarmac.v1')
    expect(await client.next((f) => f.type === 'auth.ok')).toEqual({
      type: 'auth.ok',
      userId,
      expiresAt: expect.any(String),
    })

    client.send({
      type: 'message.send',
      threadId,
      clientMsgId: 'c1',
      text: 'What is the status of the platform?',
    })
    const ack = await client.next((f) => f.type === 'message.ack')
    expect(ack).toMatchObject({
      clientMsgId: 'c1',
      threadId,
      messageId: expect.any(String),
      duplicate: false,
    })
    const started = await client.next((f) => f.type === 'run.started')
    const frames = await client.run(started.runId!)
    const types = frames.map((f) => f.type)
    expect(types[0]).toBe('run.started')
    expect(types.at(-1)).toBe('run.completed')
    const deltas = frames.filter((f) => f.type === 'run.delta')
    expect(deltas.length).toBeGreaterThan(0)
    expect(deltas.map((f) => f.index)).toEqual(deltas.map((_, i) => i))
    const completed = frames.at(-1)!
    const text = deltas.map((f) => f.delta).join('')
    expect(completed.text).toBe(text)
    // the local assistant answers from the startup report, and says it is offline
    expect(text).toMatch(/Phases: init \d+ ms, dependencies \d+ ms, database \d+ ms/)
    expect(completed.metadata).toMatchObject({ provider: 'local', offline: true, deterministic: true })
    // ack came before the run, and the stored messages match
    expect(client.frames.indexOf(ack)).toBeLessThan(client.frames.indexOf(started))
    const stored = await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => [m.id, m.role])).toEqual([
      [ack.messageId, 'user'],
      [completed.messageId, 'assistant'],
    ])
    expect(stored.body.items[1]!.text).toBe(text)
    expect(stored.body.items[1]!.metadata?.offline).toBe(true)
    client.close()
  })

  it('authenticates with a first auth frame, too', async () => {
    const userId = randomUUID()
    const client = await ChatClient.withAuthFrame(stack.wsUrl, await stack.auth.mint({ userId }))
    expect(client.frames[0]).toEqual({ type: 'auth.ok', userId, expiresAt: expect.any(String) })
    client.send({ type: 'auth', token: await stack.auth.mint() })
    expect((await client.next((f) => f.type === 'error')).code).toBe('ALREADY_AUTHENTICATED')
    client.close()
  })

  it('gives a resent clientMsgId the same ack and no duplicate row or run', async () => {
    const token = await stack.auth.mint()
    const threadId = await newThread(token)
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const send = { type: 'message.send', threadId, clientMsgId: 'same-id', text: 'hello' }
    client.send(send)
    const first = await client.next((f) => f.type === 'message.ack')
    await client.next((f) => f.type === 'run.completed')
    client.send(send)
    const second = await client.next((f) => f.type === 'message.ack' && f.duplicate === true)
    expect(second.messageId).toBe(first.messageId)
    client.send({ type: 'ping', ref: 'after' })
    await client.next((f) => f.type === 'pong' && f.ref === 'after')
    expect(client.frames.filter((f) => f.type === 'run.started')).toHaveLength(1)
    const rows = await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(rows.body.items.map((m) => m.role)).toEqual(['user', 'assistant'])
    client.close()
  })

  it('starts the run of a resent message that was stored but never answered', async () => {
    const token = await stack.auth.mint()
    const threadId = await newThread(token)
    // The first send's insert committed, but its ack never went out (a query timeout after the commit).
    const client = new pg.Client({ connectionString: stack.db.url })
    await client.connect()
    const stored = randomUUID()
    await client.query(
      `insert into chat_messages (id, thread_id, role, text, client_msg_id) values ($1, $2, 'user', 'status?', 'lost-ack')`,
      [stored, threadId],
    )
    const socket = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const resend = { type: 'message.send', threadId, clientMsgId: 'lost-ack', text: 'status?' }
    socket.send(resend)
    const ack = await socket.next((f) => f.type === 'message.ack')
    expect(ack).toMatchObject({ messageId: stored, duplicate: true })
    expect(await socket.next((f) => f.type === 'run.started')).toMatchObject({ replyTo: stored })
    await socket.next((f) => f.type === 'run.completed')
    // Answered now: a further resend gets the same ack and no second run.
    socket.send(resend)
    await socket.next((f) => f.type === 'message.ack' && f.duplicate === true)
    socket.send({ type: 'ping', ref: 'after' })
    await socket.next((f) => f.type === 'pong' && f.ref === 'after')
    expect(socket.frames.filter((f) => f.type === 'run.started')).toHaveLength(1)
    const { rows } = await client.query<{ role: string; reply_to: string | null }>(
      `select role, metadata->>'replyTo' as reply_to from chat_messages where thread_id = $1 order by seq`,
      [threadId],
    )
    expect(rows).toEqual([
      { role: 'user', reply_to: null },
      { role: 'assistant', reply_to: stored },
    ])
    await client.end()
    socket.close()
  })

  it("keeps users apart: another user's thread is not found and its runs are not seen", async () => {
    const aliceToken = await stack.auth.mint()
    const threadId = await newThread(aliceToken)
    const alice = await ChatClient.withSubprotocol(stack.wsUrl, aliceToken)
    const bob = await ChatClient.withSubprotocol(stack.wsUrl, await stack.auth.mint())
    await bob.next((f) => f.type === 'auth.ok')
    bob.send({ type: 'thread.subscribe', threadId, ref: 'peek' })
    expect(await bob.next((f) => f.type === 'error')).toMatchObject({ code: 'THREAD_NOT_FOUND', ref: 'peek' })
    bob.send({ type: 'message.send', threadId, clientMsgId: 'intrude', text: 'hi' })
    expect(await bob.next((f) => f.type === 'error' && f.ref === 'intrude')).toMatchObject({
      code: 'THREAD_NOT_FOUND',
    })
    alice.send({ type: 'message.send', threadId, clientMsgId: 'a1', text: 'hello' })
    await alice.next((f) => f.type === 'run.completed')
    bob.send({ type: 'ping', ref: 'sync' })
    await bob.next((f) => f.type === 'pong')
    expect(bob.frames.filter((f) => String(f.type).startsWith('run.'))).toEqual([])
    alice.close()
    bob.close()
  })

  it('delivers run events to every socket subscribed to the thread', async () => {
    const token = await stack.auth.mint()
    const threadId = await newThread(token)
    const sender = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const watcher = await ChatClient.withSubprotocol(stack.wsUrl, token)
    await watcher.next((f) => f.type === 'auth.ok')
    watcher.send({ type: 'thread.subscribe', threadId })
    await watcher.next((f) => f.type === 'thread.subscribed')
    sender.send({ type: 'message.send', threadId, clientMsgId: 'x', text: 'tell me about the database' })
    const completed = await watcher.next((f) => f.type === 'run.completed')
    expect(completed.threadId).toBe(threadId)
    expect(completed.text).toMatch(/serverVersion/)
    watcher.send({ type: 'thread.unsubscribe', threadId })
    await watcher.next((f) => f.type === 'thread.unsubscribed')
    sender.close()
    watcher.close()
  })

  it('answers THREAD_NOT_FOUND for a followed thread that was deleted, storing nothing', async () => {
    const token = await stack.auth.mint()
    const threadId = await newThread(token)
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    client.send({ type: 'thread.subscribe', threadId })
    await client.next((f) => f.type === 'thread.subscribed')
    await api(stack.url, token, 'DELETE', `/api/threads/${threadId}`)
    client.send({ type: 'message.send', threadId, clientMsgId: 'late', text: 'anyone?' })
    expect(await client.next((f) => f.type === 'error')).toMatchObject({
      code: 'THREAD_NOT_FOUND',
      ref: 'late',
    })
    const db = new pg.Client({ connectionString: stack.db.url })
    await db.connect()
    const { rowCount } = await db.query('select 1 from chat_messages where thread_id = $1', [threadId])
    await db.end()
    expect(rowCount).toBe(0)
    client.close()
  })
})
