import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '@tarmac/testing'
import { api, startBackend, type RunningBackend } from './support/backend-harness.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// Two backend instances in this process, on two ports, sharing one database and the test run's Redis
// (TEST_REDIS_URL) under a channel prefix of their own, so parallel runs never hear each other.
let db: TestDatabase
let auth: TestAuth
let a: RunningBackend
let b: RunningBackend
beforeAll(async () => {
  db = await createTestDatabase('backend_redis')
  auth = await startTestAuth()
  const shared = {
    databaseUrl: db.url,
    authUrl: auth.url,
    env: { REDIS_URL: TEST_REDIS_URL },
    options: { redisChannelPrefix: `tarmac-test-${randomUUID()}:` },
  }
  a = await startBackend(shared)
  b = await startBackend(shared)
})
afterAll(async () => {
  await a?.stop()
  await b?.stop()
  await auth?.close()
  await db?.drop()
})

describe('two backend instances sharing Redis', () => {
  it('uses the Redis bus and reports Redis health', async () => {
    expect(a.backend.bus.kind).toBe('redis')
    expect(b.backend.bus.kind).toBe('redis')
    expect(a.backend.startup.report().phases.find((p) => p.name === 'cache')!.components[0]!.name).toBe(
      'redis',
    )
  })

  it('a client on instance A sees the run triggered through instance B', async () => {
    const token = await auth.mint()
    const threadId = (await api(a.url, token, 'POST', '/api/threads', { title: 'shared' })).body.id!
    const onA = await ChatClient.withSubprotocol(a.wsUrl, token)
    await onA.next((f) => f.type === 'auth.ok')
    onA.send({ type: 'thread.subscribe', threadId })
    await onA.next((f) => f.type === 'thread.subscribed')

    const onB = await ChatClient.withSubprotocol(b.wsUrl, token)
    onB.send({ type: 'message.send', threadId, clientMsgId: 'via-b', text: 'what is the status?' })
    const ack = await onB.next((f) => f.type === 'message.ack')
    const completedOnB = await onB.next((f) => f.type === 'run.completed')

    const completedOnA = await onA.next((f) => f.type === 'run.completed')
    expect(completedOnA).toEqual(completedOnB)
    const runOnA = await onA.run(completedOnA.runId!)
    expect(runOnA[0]).toMatchObject({ type: 'run.started', replyTo: ack.messageId })
    expect(runOnA.filter((f) => f.type === 'run.delta').length).toBeGreaterThan(0)
    expect(completedOnA.text).toContain('Event bus: redis')
    // instance A reads what instance B stored
    const stored = await api(a.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => m.id)).toEqual([ack.messageId, completedOnA.messageId])
    onA.close()
    onB.close()
  })
})
