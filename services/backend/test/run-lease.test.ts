import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '@tarmac/testing'
import { api, startStack } from './support/backend-harness.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { ChatClient } from './support/ws-client.js'

// The run lease on ONE instance without Redis (the in-process bus): the same rules as across a fleet. A dead
// owner is played by a lease row of another instance name whose expiry has passed. Slow fake OpenAI-compatible
// server: 10 chunks 100 ms apart.
let stack: Awaited<ReturnType<typeof startStack>>
let fake: FakeOpenAi
let check: pg.Client
beforeAll(async () => {
  fake = await startFakeOpenAi()
  fake.slowChunks = 10
  fake.slowChunkMs = 100
  fake.behaviour = (text) => (text.includes('[slow]') ? 'slow' : 'stream')
  stack = await startStack('backend_run_lease', {
    env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model' },
    options: { runLeaseMs: 2_000, runLeaseHeartbeatMs: 400, runLeaseSweepMs: 300 },
  })
  check = new pg.Client({ connectionString: stack.db.url })
  await check.connect()
})
afterAll(async () => {
  await check?.end()
  await stack?.close()
  await fake?.close()
})

const calls = (marker: string) =>
  fake.requests.filter((request) => request.messages.some((m) => m.content.includes(marker))).length

describe('run leases on one instance, in-process bus (slow fake OpenAI-compatible server)', () => {
  it('uses the in-process bus', () => {
    expect(stack.backend.bus.kind).toBe('in-process')
  })

  it('a resend on another socket mid-run attaches: 1 provider call, and the lease is gone after', async () => {
    const token = await stack.auth.mint()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const first = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const send = { type: 'message.send', threadId, clientMsgId: 'attach', text: '[slow] attach' }
    first.send(send)
    const ack = await first.next((f) => f.type === 'message.ack')
    await first.next((f) => f.type === 'run.delta')
    const { rows } = await check.query<{ owner_instance: string; attempts: number }>(
      'select owner_instance, attempts from chat_run_leases where message_id = $1',
      [ack.messageId],
    )
    expect(rows).toEqual([{ owner_instance: stack.backend.chat.leases.instanceId, attempts: 1 }])
    const second = await ChatClient.withSubprotocol(stack.wsUrl, token)
    second.send(send)
    expect(await second.next((f) => f.type === 'message.ack')).toMatchObject({ duplicate: true })
    const completed = await second.next((f) => f.type === 'run.completed', 30_000)
    expect(completed.runId).toBe((await first.next((f) => f.type === 'run.started')).runId)
    expect(calls('[slow] attach')).toBe(1)
    await until(async () => (await check.query('select 1 from chat_run_leases')).rowCount === 0)
    first.close()
    second.close()
  }, 60_000)

  it("takes over an expired lease of a dead instance without a resend; the thread's followers get the reply", async () => {
    const token = await stack.auth.mint()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const follower = await ChatClient.withSubprotocol(stack.wsUrl, token)
    follower.send({ type: 'thread.subscribe', threadId })
    await follower.next((f) => f.type === 'thread.subscribed')
    // What a dead instance leaves: the user message stored and acknowledged, its lease expired, no reply.
    const { rows } = await check.query<{ id: string }>(
      `insert into chat_messages (id, thread_id, role, text, client_msg_id)
       values (gen_random_uuid(), $1, 'user', '[slow] orphan', 'orphan') returning id`,
      [threadId],
    )
    const messageId = rows[0]!.id
    await check.query(
      `insert into chat_run_leases (message_id, thread_id, user_id, run_id, owner_instance, lease_expires_at)
       values ($1, $2, 'someone', gen_random_uuid(), 'dead-host:1:dead', now() - interval '1 second')`,
      [messageId, threadId],
    )
    const started = await follower.next((f) => f.type === 'run.started' && f.replyTo === messageId, 15_000)
    const completed = await follower.next(
      (f) => f.type === 'run.completed' && f.runId === started.runId,
      30_000,
    )
    const replies = await check.query<{ id: string }>(`select id from chat_messages where reply_to = $1`, [
      messageId,
    ])
    expect(replies.rows).toEqual([{ id: completed.messageId }])
    expect(calls('[slow] orphan')).toBe(1)
    follower.close()
  }, 60_000)

  it('a message whose runs died with their instance 3 times gets run.failed instead of a 4th run', async () => {
    const token = await stack.auth.mint()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const follower = await ChatClient.withSubprotocol(stack.wsUrl, token)
    follower.send({ type: 'thread.subscribe', threadId })
    await follower.next((f) => f.type === 'thread.subscribed')
    const { rows } = await check.query<{ id: string }>(
      `insert into chat_messages (id, thread_id, role, text, client_msg_id)
       values (gen_random_uuid(), $1, 'user', '[slow] poison', 'poison') returning id`,
      [threadId],
    )
    await check.query(
      `insert into chat_run_leases
         (message_id, thread_id, user_id, run_id, owner_instance, attempts, lease_expires_at)
       values ($1, $2, 'someone', gen_random_uuid(), 'dead-host:1:dead', 3, now() - interval '1 second')`,
      [rows[0]!.id, threadId],
    )
    const failed = await follower.next((f) => f.type === 'run.failed', 15_000)
    expect(failed).toMatchObject({ code: 'RUN_FAILED', replyTo: rows[0]!.id })
    expect(calls('[slow] poison')).toBe(0)
    expect(
      (await check.query('select 1 from chat_run_leases where message_id = $1', [rows[0]!.id])).rowCount,
    ).toBe(0)
    follower.close()
  }, 60_000)
})

describe('shutdown while a run drains (slow fake OpenAI-compatible server)', () => {
  it('keeps renewing the lease of a run that is draining, so no other instance takes it over', async () => {
    const slow = await startFakeOpenAi()
    slow.slowChunks = 40
    slow.slowChunkMs = 100
    slow.behaviour = (text) => (text.includes('[slow]') ? 'slow' : 'stream')
    const draining = await startStack('backend_lease_drain', {
      env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: slow.baseUrl, LLM_MODEL: 'fake-model' },
      options: { runLeaseMs: 1_000, runLeaseHeartbeatMs: 200, runLeaseSweepMs: 200, runDrainMs: 15_000 },
    })
    const db = new pg.Client({ connectionString: draining.db.url })
    await db.connect()
    try {
      const token = await draining.auth.mint()
      const threadId = (await api(draining.url, token, 'POST', '/api/threads')).body.id!
      const client = await ChatClient.withSubprotocol(draining.wsUrl, token)
      client.send({ type: 'message.send', threadId, clientMsgId: 'drain', text: '[slow] drain' })
      const ack = await client.next((f) => f.type === 'message.ack')
      await client.next((f) => f.type === 'run.delta')
      const stopped = draining.stop()
      // Well past the 1 s lease, while the run (4 s) still drains.
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      const { rows } = await db.query<{ live: boolean; attempts: number }>(
        'select lease_expires_at > now() as live, attempts from chat_run_leases where message_id = $1',
        [ack.messageId],
      )
      expect(rows).toEqual([{ live: true, attempts: 1 }])
      await stopped
      const replies = await db.query('select 1 from chat_messages where reply_to = $1', [ack.messageId])
      expect(replies.rowCount).toBe(1)
    } finally {
      await db.end()
      await draining.auth.close()
      await draining.db.drop()
      await slow.close()
    }
  }, 60_000)
})
