import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestDatabase,
  getFreePort,
  startTestRedis,
  until,
  type TestDatabase,
  type TestRedis,
} from '@tarmac/testing'
import { api } from './support/backend-harness.js'
import { spawnBackend, type ChildBackend } from './support/child-backend.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// One run per user message across the fleet: two backend processes sharing Postgres and a Redis of this file's
// own, answering through a fake OpenAI-compatible server that streams slowly (20 chunks 150 ms apart), so a
// resend and a SIGKILL land while the reply is still streaming.
let db: TestDatabase
let redis: TestRedis
let auth: TestAuth
let fake: FakeOpenAi
let check: pg.Client
const instances: { name: string; child: ChildBackend; url: string; wsUrl: string }[] = []

async function startInstance(name: string) {
  const port = await getFreePort()
  const child = spawnBackend({
    PORT: String(port),
    DATABASE_URL: db.url,
    AUTH_URL: auth.url,
    REDIS_URL: redis.url,
    LLM_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_MODEL: 'fake-model',
  })
  const instance = { name, child, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` }
  instances.push(instance)
  await child.waitForOutput(/backend ready on/, 90_000)
  return instance
}

beforeAll(async () => {
  db = await createTestDatabase('backend_fleet_runs')
  redis = await startTestRedis()
  auth = await startTestAuth()
  fake = await startFakeOpenAi()
  fake.behaviour = (text) => (text.includes('[slow]') ? 'slow' : 'stream')
  // Two at once would race for the migration lock and the first start of tsx: one, then the other.
  await startInstance('a')
  await startInstance('b')
  check = new pg.Client({ connectionString: db.url })
  await check.connect()
}, 240_000)
afterAll(async () => {
  for (const { child } of instances) child.child.kill('SIGKILL')
  await Promise.all(instances.map(({ child }) => child.exited))
  await check?.end()
  await fake?.close()
  await auth?.close()
  await redis?.stop()
  await db?.drop()
})

const providerCalls = (marker: string) =>
  fake.requests.filter((request) => request.messages.some((m) => m.content.includes(marker))).length

async function storedReplies(messageId: string): Promise<{ id: string; text: string }[]> {
  const { rows } = await check.query<{ id: string; text: string }>(
    `select id, text from chat_messages where role = 'assistant' and reply_to = $1`,
    [messageId],
  )
  return rows
}

describe('one run per user message across two backend processes (slow fake OpenAI-compatible server)', () => {
  it('a resend to another instance mid-run attaches to the run: 1 provider call, 1 stored reply', async () => {
    const [a, b] = instances
    const token = await auth.mint()
    const threadId = (await api(a!.url, token, 'POST', '/api/threads')).body.id!
    const onA = await ChatClient.withSubprotocol(a!.wsUrl, token)
    const send = { type: 'message.send', threadId, clientMsgId: 'resend-1', text: '[slow] resend one' }
    onA.send(send)
    const ack = await onA.next((f) => f.type === 'message.ack')
    const started = await onA.next((f) => f.type === 'run.started')
    await onA.next((f) => f.type === 'run.delta')

    // The client's socket dropped and it reconnected to B: it sends the same message again.
    const onB = await ChatClient.withSubprotocol(b!.wsUrl, token)
    onB.send(send)
    expect(await onB.next((f) => f.type === 'message.ack')).toMatchObject({
      messageId: ack.messageId,
      duplicate: true,
    })
    // A's run's events reach the socket on B through Redis.
    const completedOnB = await onB.next((f) => f.type === 'run.completed', 30_000)
    expect(completedOnB.runId).toBe(started.runId)
    expect(onB.frames.filter((f) => f.type === 'run.started')).toEqual([])
    // Longer than a lease sweep: nobody starts another run on the message later either.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(providerCalls('[slow] resend one')).toBe(1)
    expect(await storedReplies(ack.messageId!)).toEqual([
      { id: completedOnB.messageId, text: completedOnB.text },
    ])
    const { rowCount } = await check.query('select 1 from chat_run_leases where message_id = $1', [
      ack.messageId,
    ])
    expect(rowCount).toBe(0)
    onA.close()
    onB.close()
  }, 90_000)

  it('SIGKILL of the instance mid-run, then a resend to another: its lease is taken over, exactly 1 reply', async () => {
    const [a, b] = instances
    const token = await auth.mint()
    const threadId = (await api(a!.url, token, 'POST', '/api/threads')).body.id!
    const onA = await ChatClient.withSubprotocol(a!.wsUrl, token)
    const send = { type: 'message.send', threadId, clientMsgId: 'killed-1', text: '[slow] killed one' }
    onA.send(send)
    const ack = await onA.next((f) => f.type === 'message.ack')
    const started = await onA.next((f) => f.type === 'run.started')
    await onA.next((f) => f.type === 'run.delta')
    a!.child.child.kill('SIGKILL')
    await a!.child.exited

    const resentAtMs = performance.now()
    const onB = await ChatClient.withSubprotocol(b!.wsUrl, token)
    onB.send(send)
    expect(await onB.next((f) => f.type === 'message.ack')).toMatchObject({ duplicate: true })
    // B attaches while A's lease lives, then takes the run over once it expires (5 s without a heartbeat).
    const completed = await onB.next((f) => f.type === 'run.completed', 60_000)
    const replyAfterMs = Math.round(performance.now() - resentAtMs)
    expect(completed.runId).not.toBe(started.runId)
    expect(await storedReplies(ack.messageId!)).toEqual([{ id: completed.messageId, text: completed.text }])
    // A's call, cut by the kill, and B's.
    expect(providerCalls('[slow] killed one')).toBe(2)
    await until(async () => {
      const { rowCount } = await check.query('select 1 from chat_run_leases where message_id = $1', [
        ack.messageId,
      ])
      return rowCount === 0
    })
    console.log(`SIGKILL then resend: reply ${replyAfterMs} ms after the resend`)
    onA.close()
    onB.close()
  }, 120_000)
})
