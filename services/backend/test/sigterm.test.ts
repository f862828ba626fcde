import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { spawnBackend } from './support/child-backend.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { api } from './support/backend-harness.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

let db: TestDatabase
let auth: TestAuth
let fake: FakeOpenAi
beforeAll(async () => {
  db = await createTestDatabase('backend_sigterm')
  auth = await startTestAuth()
  fake = await startFakeOpenAi()
  // The run never finishes by itself: it is still streaming when SIGTERM arrives.
  fake.behaviour = (text) => (text.includes('[endless]') ? 'slow-forever' : 'stream')
})
afterAll(async () => {
  await fake?.close()
  await auth?.close()
  await db?.drop()
})

describe('SIGTERM during an active run (fake OpenAI-compatible server streaming forever)', () => {
  it('keeps the acknowledged message, closes sockets with 1001 and exits 0', async () => {
    const port = await getFreePort()
    const child = spawnBackend({
      PORT: String(port),
      DATABASE_URL: db.url,
      AUTH_URL: auth.url,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: 'fake-model',
    })
    try {
      await child.waitForOutput(/backend ready on/, 60_000)
      const url = `http://127.0.0.1:${port}`
      const token = await auth.mint()
      const threadId = (await api(url, token, 'POST', '/api/threads')).body.id!
      const client = await ChatClient.withSubprotocol(`ws://127.0.0.1:${port}/ws`, token)
      client.send({ type: 'message.send', threadId, clientMsgId: 'before-sigterm', text: '[endless] go on' })
      const ack = await client.next((f) => f.type === 'message.ack')
      await client.next((f) => f.type === 'run.delta')

      child.child.kill('SIGTERM')
      expect((await client.closed).code).toBe(1001)
      const { code } = await child.exited
      expect(code, child.stderr()).toBe(0)
      expect(client.frames.some((f) => f.type === 'run.completed')).toBe(false)

      const check = new pg.Client({ connectionString: db.url })
      await check.connect()
      const { rows } = await check.query<{ id: string; text: string }>(
        `select id, text from chat_messages where thread_id = $1 and role = 'user'`,
        [threadId],
      )
      await check.end()
      expect(rows).toEqual([{ id: ack.messageId, text: '[endless] go on' }])
    } finally {
      child.child.kill('SIGKILL')
    }
  }, 120_000)
})
