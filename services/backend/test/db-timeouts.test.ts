import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { api, startBackend } from './support/backend-harness.js'
import { startFreezableProxy, type FreezableProxy } from './support/freezable-proxy.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// A stalled Postgres must not hang requests: every query is bounded by DB_QUERY_TIMEOUT_MS, waiting for a
// pool connection by DB_ACQUIRE_TIMEOUT_MS, and either answers 503 DEPENDENCY_UNAVAILABLE. Two stalls: a
// lock held by another session (the server answers nothing), and a network that goes silent (a TCP proxy
// that stops forwarding).
const TIMEOUTS = { DB_QUERY_TIMEOUT_MS: '1000', DB_ACQUIRE_TIMEOUT_MS: '1000', DB_POOL_MAX: '2' }
const BOUND_MS = 8_000 // generous: the timeouts are 1 s

let db: TestDatabase
let auth: TestAuth
beforeAll(async () => {
  db = await createTestDatabase('backend_db_timeouts')
  auth = await startTestAuth()
})
afterAll(async () => {
  await auth?.close()
  await db?.drop()
})

async function timed<T>(work: Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const startedMs = performance.now()
  const value = await work
  return { value, elapsedMs: performance.now() - startedMs }
}

describe('a stalled database answers 503 DEPENDENCY_UNAVAILABLE in bounded time', () => {
  it('a table lock held elsewhere: query timeout, then acquire timeout, then recovery', async () => {
    const backend = await startBackend({ databaseUrl: db.url, authUrl: auth.url, env: TIMEOUTS })
    const locker = new pg.Client({ connectionString: db.url })
    await locker.connect()
    try {
      const token = await auth.mint()
      const threadId = (await api(backend.url, token, 'POST', '/api/threads')).body.id!
      const client = await ChatClient.withSubprotocol(backend.wsUrl, token)
      client.send({ type: 'thread.subscribe', threadId })
      await client.next((f) => f.type === 'thread.subscribed')

      await locker.query('begin')
      await locker.query('lock table chat_threads, chat_messages in access exclusive mode')
      // More requests than pool connections: two wait on the lock (query timeout), the rest on the pool.
      const answers = await timed(
        Promise.all([
          api(backend.url, token, 'POST', '/api/threads', { title: 'stalled' }),
          ...Array.from({ length: 4 }, () => api(backend.url, token, 'GET', '/api/threads')),
        ]),
      )
      for (const answer of answers.value) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(503)
        expect(answer.body.code).toBe('DEPENDENCY_UNAVAILABLE')
      }
      expect(answers.elapsedMs).toBeLessThan(BOUND_MS)

      client.send({ type: 'message.send', threadId, clientMsgId: 'stalled', text: 'hello?' })
      expect(await client.next((f) => f.ref === 'stalled', BOUND_MS)).toMatchObject({
        type: 'error',
        code: 'DEPENDENCY_UNAVAILABLE',
      })

      await locker.query('rollback')
      expect((await api(backend.url, token, 'POST', '/api/threads', { title: 'later' })).status).toBe(201)
      client.send({ type: 'message.send', threadId, clientMsgId: 'later', text: 'hello again' })
      expect(await client.next((f) => f.type === 'message.ack' && f.clientMsgId === 'later')).toBeTruthy()
      client.close()
    } finally {
      await locker.end()
      await backend.stop()
    }
  }, 60_000)

  it('a network that goes silent (a TCP proxy that stops forwarding), then comes back', async () => {
    const target = new URL(db.url)
    const proxy: FreezableProxy = await startFreezableProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    })
    const viaProxy = new URL(db.url)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    const backend = await startBackend({ databaseUrl: viaProxy.toString(), authUrl: auth.url, env: TIMEOUTS })
    try {
      const token = await auth.mint()
      expect((await api(backend.url, token, 'GET', '/api/threads')).status).toBe(200)
      proxy.freeze()
      const stalled = await timed(
        Promise.all(Array.from({ length: 4 }, () => api(backend.url, token, 'GET', '/api/threads'))),
      )
      for (const answer of stalled.value) expect(answer.body.code).toBe('DEPENDENCY_UNAVAILABLE')
      expect(stalled.elapsedMs).toBeLessThan(BOUND_MS)
      proxy.thaw()
      const deadline = Date.now() + 20_000
      let status = 0
      while (status !== 200 && Date.now() < deadline) {
        status = (await api(backend.url, token, 'GET', '/api/threads')).status
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(status).toBe(200)
    } finally {
      await backend.stop()
      await proxy.close()
    }
  }, 60_000)
})
