import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort, until, type TestDatabase } from '@tarmac/testing'
import { api } from './support/backend-harness.js'
import { spawnBackend } from './support/child-backend.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

const CLIENTS = 200

let db: TestDatabase
let auth: TestAuth
beforeAll(async () => {
  db = await createTestDatabase('backend_sigterm_load')
  auth = await startTestAuth()
})
afterAll(async () => {
  await auth?.close()
  await db?.drop()
})

describe(`SIGTERM under load (${CLIENTS} chatting clients, a real backend process)`, () => {
  it('every acknowledged message is stored, every client gets 1001, exit 0', async () => {
    const port = await getFreePort()
    const child = spawnBackend({
      PORT: String(port),
      DATABASE_URL: db.url,
      AUTH_URL: auth.url,
      LOG_LEVEL: 'warn',
    })
    try {
      const url = `http://127.0.0.1:${port}`
      for (let i = 0; ; i++) {
        const ready = await fetch(`${url}/health/ready`).catch(() => undefined)
        if (ready?.status === 200) break
        if (i > 600 || child.child.exitCode !== null)
          throw new Error(`not ready; stderr: ${child.stderr().slice(-500)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const clients: { client: ChatClient; threadId: string }[] = []
      for (let batch = 0; batch < CLIENTS; batch += 25) {
        clients.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(25, CLIENTS - batch) }, async () => {
              const token = await auth.mint()
              const threadId = (await api(url, token, 'POST', '/api/threads')).body.id!
              const client = await ChatClient.withSubprotocol(`ws://127.0.0.1:${port}/ws`, token)
              await client.next((f) => f.type === 'auth.ok')
              return { client, threadId }
            }),
          )),
        )
      }
      let sending = true
      const loops = clients.map(async ({ client, threadId }) => {
        while (sending && client.socket.readyState === client.socket.OPEN) {
          client.send({ type: 'message.send', threadId, clientMsgId: randomUUID(), text: 'status?' })
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
        }
      })
      // SIGTERM once the load is real — a count, not a fixed time: on a loaded machine 2 s may hold few acks.
      const ackCount = () =>
        clients.reduce((n, { client }) => n + client.frames.filter((f) => f.type === 'message.ack').length, 0)
      await until(() => ackCount() > 2 * CLIENTS, 60_000, 200)
      child.child.kill('SIGTERM')
      const closes = await Promise.all(clients.map(({ client }) => client.closed))
      sending = false
      await Promise.all(loops)
      const { code } = await child.exited
      expect(code, child.stderr().slice(-1_000)).toBe(0)
      expect(closes.filter((c) => c.code !== 1001)).toEqual([])

      const acked = clients.flatMap(({ client }) =>
        client.frames.filter((f) => f.type === 'message.ack').map((f) => f.messageId!),
      )
      expect(acked.length).toBeGreaterThan(2 * CLIENTS) // the load was real
      const check = new pg.Client({ connectionString: db.url })
      await check.connect()
      const { rows } = await check.query<{ id: string }>(
        `select id from chat_messages where role = 'user' and id = any($1::uuid[])`,
        [acked],
      )
      await check.end()
      expect(rows.length).toBe(acked.length)
    } finally {
      child.child.kill('SIGKILL')
    }
  }, 180_000)
})
