import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createTestDatabase, getFreePort, type TestDatabase, until } from '@tarmac/testing'
import { ChatConnection, type SocketLike } from '../app/chat/chat-connection.js'
import { ServiceProcess } from './e2e-support.js'

// The web client's connection (the real ChatConnection, on a `ws` socket) against a real backend and auth
// (child processes, real Postgres): more queued messages than the backend's per-socket burst (30 frames, then
// 10 per second) go out at once when the socket opens. The backend drops the excess with RATE_LIMITED naming
// each message; the client resends those later, and every message ends acknowledged — none stays "Sending…".
const QUEUED = 60

let databases: TestDatabase[] = []
let auth: ServiceProcess | undefined
let backend: ServiceProcess | undefined
beforeAll(async () => {
  databases = await Promise.all([createTestDatabase('flush_auth'), createTestDatabase('flush_backend')])
  auth = new ServiceProcess('auth', await getFreePort(), { DATABASE_URL: databases[0]!.url })
  await auth.start()
  backend = new ServiceProcess('backend', await getFreePort(), {
    DATABASE_URL: databases[1]!.url,
    AUTH_URL: auth.url,
    LLM_PROVIDER: 'local',
    // Runs are not what this test is about: every stored message may start one.
    CHAT_MAX_RUNS_PER_USER: '1000',
  })
  await backend.start()
}, 180_000)
afterAll(async () => {
  await backend?.stop()
  await auth?.stop()
  for (const database of databases) await database.drop()
})

describe('a reconnect flush past the rate limit (web client, real backend)', () => {
  it('ends with every queued message acknowledged and stored once', async () => {
    const session = (await fetch(`${auth!.url}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'flush@example.com',
        password: 'correct horse battery',
        displayName: 'F',
      }),
    }).then((r) => r.json())) as { accessToken: string }
    const headers = { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' }
    const thread = (await fetch(`${backend!.url}/api/threads`, { method: 'POST', headers, body: '{}' }).then(
      (r) => r.json(),
    )) as { id: string }
    type Item = { id: string; role: 'user' | 'assistant'; text: string; clientMsgId?: string }
    /** Every page of the thread's history (replies included, it is longer than one page). */
    const history = async (threadId: string) => {
      const items: Item[] = []
      let cursor: string | null = null
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`
        const page = (await fetch(`${backend!.url}/api/threads/${threadId}/messages?limit=100${query}`, {
          headers,
        }).then((r) => r.json())) as { items: Item[]; nextCursor: string | null }
        items.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== null)
      return items
    }
    const refused: string[] = []
    const connection = new ChatConnection({
      url: `${backend!.url.replace('http', 'ws')}/ws`,
      token: () => session.accessToken,
      createSocket: (url, protocols) => {
        const socket = new WebSocket(url, protocols)
        socket.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string; code?: string }
          if (frame.type === 'error' && frame.code) refused.push(frame.code)
        })
        return socket as unknown as SocketLike
      },
      loadHistory: history,
      retryBackoff: { baseMs: 500, capMs: 4_000 },
    })
    try {
      connection.openThread(thread.id)
      for (let i = 0; i < QUEUED; i++) connection.send(`queued ${i}`)
      connection.connect()
      const users = () => connection.state.messages.filter((m) => m.role === 'user')
      await until(() => users().every((m) => m.status === 'sent'), 90_000, 100)
      expect(refused.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThan(0)
      expect(refused.filter((code) => code !== 'RATE_LIMITED')).toEqual([])
      expect(users()).toHaveLength(QUEUED)
      const stored = (await history(thread.id)).filter((m) => m.role === 'user')
      expect(stored.map((m) => m.text).sort()).toEqual(
        users()
          .map((m) => m.text)
          .sort(),
      )
      expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(QUEUED)
    } finally {
      connection.close()
    }
  }, 180_000)
})
