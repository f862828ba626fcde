import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createTestDatabase,
  startOwnCluster,
  startTestRedis,
  type OwnCluster,
  type TestDatabase,
  type TestRedis,
} from '@tarmac/testing'
import { api, startBackend, type RunningBackend } from './support/backend-harness.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// Dependencies that die and come back while the backend runs: a private Postgres cluster, a private
// redis-server, and (faked, since a remote LLM API cannot exist here) a provider that hangs mid-stream.
const cleanup: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined)
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** How long a helper below waits before it calls the service hung: a guard against a hang, not a bound the test proves. */
const HANG_GUARD_MS = 60_000

interface ReadyAnswer {
  status: number
  checks: Record<string, { status: string; time?: string; code?: string }[]>
}

async function ready(url: string): Promise<ReadyAnswer | undefined> {
  const answer = await fetch(`${url}/health/ready`).catch(() => undefined)
  const body = (await answer?.json().catch(() => undefined)) as Partial<ReadyAnswer> | undefined
  return answer && { status: answer.status, checks: body?.checks ?? {} }
}

/** Polls `/health/ready` until it answers `status`. */
async function readyBecomes(url: string, status: number): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS
  while ((await ready(url))?.status !== status) {
    if (Date.now() > deadline) throw new Error(`/health/ready did not answer ${status}`)
    await pause(100)
  }
}

/**
 * "Readiness flips in one check", as an order rather than a time: polls `/health/ready` until it shows a run of
 * the critical check `checkName` recorded after `crashedAtMs`, and returns that first run and the answer that
 * carried it. It must have failed, and readiness with it: no run after the crash may pass.
 */
async function firstRunAfterCrash(url: string, checkName: string, crashedAtMs: number) {
  const deadline = Date.now() + HANG_GUARD_MS
  for (;;) {
    const answer = await ready(url)
    const run = answer?.checks[checkName]?.[0]
    if (answer && run?.time !== undefined && Date.parse(run.time) > crashedAtMs)
      return { ...run, ready: answer.status }
    if (Date.now() > deadline) throw new Error(`${checkName} did not run after the crash`)
    await pause(100)
  }
}

/** A user that keeps sending: every send must be answered (ack or error frame) in bounded time, never hang. */
function chatter(url: string, token: string, threadId: string) {
  const acked: { clientMsgId: string; messageId: string }[] = []
  const errors: string[] = []
  let running = true
  const done = (async () => {
    const client = await ChatClient.withSubprotocol(url, token)
    while (running) {
      const clientMsgId = randomUUID()
      client.send({ type: 'message.send', threadId, clientMsgId, text: 'status?' })
      const answer = await client.next(
        (f) => f.ref === clientMsgId || (f.type === 'message.ack' && f.clientMsgId === clientMsgId),
        15_000, // a hang fails the test here
      )
      if (answer.type === 'message.ack') acked.push({ clientMsgId, messageId: answer.messageId! })
      else errors.push(String(answer.code))
      await pause(100)
    }
    client.close()
  })()
  return { acked, errors, stop: () => ((running = false), done) }
}

describe('Postgres dies and returns mid-chat (private cluster)', () => {
  it('503 and error frames while down, readiness flips in one check, recovery without a restart, no acked message lost', async () => {
    const cluster: OwnCluster = await startOwnCluster({ maxConnections: 30 })
    cleanup.push(() => cluster.stop())
    const auth: TestAuth = await startTestAuth()
    cleanup.push(() => auth.close())
    const backend: RunningBackend = await startBackend({
      databaseUrl: cluster.url(),
      authUrl: auth.url,
      env: { DB_QUERY_TIMEOUT_MS: '2000', DB_ACQUIRE_TIMEOUT_MS: '2000' },
    })
    cleanup.push(() => backend.stop())

    const users = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const token = await auth.mint()
        const threadId = (await api(backend.url, token, 'POST', '/api/threads')).body.id!
        return chatter(backend.wsUrl, token, threadId)
      }),
    )
    const token = await auth.mint()
    await pause(1_000)
    expect(users.every((user) => user.acked.length > 0)).toBe(true)

    await cluster.crash()
    const crashedAtMs = Date.now()
    expect(await firstRunAfterCrash(backend.url, 'postgres:responseTime', crashedAtMs)).toMatchObject({
      status: 'fail',
      ready: 503,
    })
    const down = await api(backend.url, token, 'GET', '/api/threads')
    expect(down.status).toBe(503)
    expect(down.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    await pause(1_000)
    const errorsWhileDown = users.flatMap((user) => user.errors)
    expect(errorsWhileDown.length).toBeGreaterThan(0)
    expect(new Set(errorsWhileDown)).toEqual(new Set(['DEPENDENCY_UNAVAILABLE']))

    await cluster.restart()
    await readyBecomes(backend.url, 200)
    expect((await api(backend.url, token, 'GET', '/api/threads')).status).toBe(200)
    const ackedBefore = users.map((user) => user.acked.length)
    await pause(1_500)
    expect(users.every((user, i) => user.acked.length > ackedBefore[i]!)).toBe(true)
    await Promise.all(users.map((user) => user.stop()))

    const check = new pg.Client({ connectionString: cluster.url() })
    await check.connect()
    const ids = users.flatMap((user) => user.acked.map((a) => a.messageId))
    const { rows } = await check.query<{ id: string }>(
      `select id from chat_messages where id = any($1::uuid[])`,
      [ids],
    )
    await check.end()
    expect(rows.length).toBe(ids.length)
  }, 120_000)
})

describe('Redis dies and returns with two backend instances (private redis-server)', () => {
  it('acks continue while it is down, readiness reflects it, fan-out resumes', async () => {
    const redis: TestRedis = await startTestRedis()
    cleanup.push(() => redis.stop())
    const db: TestDatabase = await createTestDatabase('backend_redis_fault')
    cleanup.push(() => db.drop())
    const auth = await startTestAuth()
    cleanup.push(() => auth.close())
    const shared = {
      databaseUrl: db.url,
      authUrl: auth.url,
      env: { REDIS_URL: redis.url },
      options: { redisChannelPrefix: `tarmac-test-${randomUUID()}:` },
    }
    const a = await startBackend(shared)
    cleanup.push(() => a.stop())
    const b = await startBackend(shared)
    cleanup.push(() => b.stop())

    const token = await auth.mint()
    const threadId = (await api(a.url, token, 'POST', '/api/threads')).body.id!
    const otherThreadId = (await api(a.url, token, 'POST', '/api/threads')).body.id!
    const onA = await ChatClient.withSubprotocol(a.wsUrl, token)
    onA.send({ type: 'thread.subscribe', threadId })
    await onA.next((f) => f.type === 'thread.subscribed')
    const onB = await ChatClient.withSubprotocol(b.wsUrl, token)
    onB.send({ type: 'message.send', threadId, clientMsgId: 'before', text: 'status?' })
    await onA.next((f) => f.type === 'run.completed')

    await redis.kill()
    const crashedAtMs = Date.now()
    for (const run of await Promise.all(
      [a, b].map((x) => firstRunAfterCrash(x.url, 'redis:responseTime', crashedAtMs)),
    ))
      expect(run).toMatchObject({ status: 'fail', ready: 503 })
    onB.send({ type: 'message.send', threadId, clientMsgId: 'while-down', text: 'status?' })
    const ack = await onB.next((f) => f.type === 'message.ack' && f.clientMsgId === 'while-down')
    expect(ack.duplicate).toBe(false)
    // what needs the bus itself (following a thread) gets an error frame with a code, not a hang
    onA.send({ type: 'thread.subscribe', threadId: otherThreadId, ref: 'follow-while-down' })
    expect(await onA.next((f) => f.ref === 'follow-while-down', 15_000)).toMatchObject({
      type: 'error',
      code: 'DEPENDENCY_UNAVAILABLE',
    })

    await redis.restart()
    await Promise.all([a, b].map((x) => readyBecomes(x.url, 200)))
    // Ready again means fan-out again: the first run started through B after that reaches the socket on A
    // (resubscribed after the reconnect). One message, no retries: a lost window would fail here.
    onB.send({ type: 'message.send', threadId, clientMsgId: 'first-after', text: 'status?' })
    const ackAfter = await onB.next((f) => f.type === 'message.ack' && f.clientMsgId === 'first-after')
    const startedOnA = await onA.next((f) => f.type === 'run.started' && f.replyTo === ackAfter.messageId)
    const completedOnA = await onA.next((f) => f.type === 'run.completed' && f.runId === startedOnA.runId)
    expect(completedOnA.threadId).toBe(threadId)
    const stored = await api(a.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => m.id)).toContain(ack.messageId)
    onA.close()
    onB.close()
  }, 120_000)
})

describe('the provider hangs mid-stream (fake OpenAI-compatible server)', () => {
  it('ends the run with run.failed PROVIDER_TIMEOUT within the idle timeout', async () => {
    const fake: FakeOpenAi = await startFakeOpenAi()
    cleanup.push(() => fake.close())
    fake.behaviour = (text) => (text.includes('[hang]') ? 'hang-mid-stream' : 'stream')
    const db = await createTestDatabase('backend_provider_hang')
    cleanup.push(() => db.drop())
    const auth = await startTestAuth()
    cleanup.push(() => auth.close())
    const idleMs = 1_000
    const backend = await startBackend({
      databaseUrl: db.url,
      authUrl: auth.url,
      env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model' },
      options: { providerIdleTimeoutMs: idleMs },
    })
    cleanup.push(() => backend.stop())
    const token = await auth.mint()
    const threadId = (await api(backend.url, token, 'POST', '/api/threads')).body.id!
    const client = await ChatClient.withSubprotocol(backend.wsUrl, token)
    client.send({ type: 'message.send', threadId, clientMsgId: 'hang', text: '[hang] hello' })
    const delta = await client.next((f) => f.type === 'run.delta')
    const deltaAtMs = performance.now()
    // The connect timeout (30 s) and the run timeout (120 s) are far beyond this wait: only the idle one fits.
    const failed = await client.next((f) => f.type === 'run.failed' && f.runId === delta.runId, 15_000)
    expect(failed.code).toBe('PROVIDER_TIMEOUT')
    // Subscribers get a fixed sentence; which timer fired is the server's log's business (and the timing's).
    expect(failed.message).toBe('the assistant provider took too long to answer; try again later')
    // Not early: the idle timer started when the fake sent the delta, at most one 25 ms batch before the socket
    // saw it. How much later it fired depends on the machine's load, so no upper bound but the wait's.
    expect(performance.now() - deltaAtMs).toBeGreaterThanOrEqual(idleMs - 100)
    client.close()
  }, 60_000)
})
