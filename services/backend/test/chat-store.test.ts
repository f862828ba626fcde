import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { ChatStore } from '../src/chat-store.js'
import { MIGRATIONS_DIR } from '../src/index.js'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('backend_store')
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    await client.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
  await client.end()
})
afterAll(() => db?.drop())

/** One connection, so its prepared statements are the ones `pg_prepared_statements` lists. */
async function onOneConnection(prepared: boolean) {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const store = new ChatStore(client, { prepared })
  const thread = await store.createThread('user-1', 'prepared')
  for (const id of ['a', 'b']) await store.addUserMessage(thread.id, id, `message ${id}`)
  const recent = await store.recentMessages(thread.id, 20)
  await store.addAssistantMessage(thread.id, 'reply', { replyTo: recent[1]!.id })
  await store.getThread('user-1', thread.id)
  const { rows } = await client.query<{ name: string }>(
    'select name from pg_prepared_statements order by name',
  )
  await client.end()
  return { names: rows.map((row) => row.name), recent, store }
}

describe('ChatStore', () => {
  it('runs the hot queries as named prepared statements when asked, with the same results', async () => {
    const prepared = await onOneConnection(true)
    expect(prepared.names).toEqual([
      'chat_add_assistant_message',
      'chat_add_user_message',
      'chat_get_thread',
      'chat_recent_messages',
    ])
    expect(prepared.recent.map((m) => m.text)).toEqual(['message a', 'message b'])
    const plain = await onOneConnection(false)
    expect(plain.names).toEqual([])
    expect(plain.recent.map((m) => m.text)).toEqual(['message a', 'message b'])
  })

  it('stores at most one reply per user message: a second one returns the first (unique reply_to)', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    const store = new ChatStore(pool)
    const thread = await store.createThread('user-2', 'one reply')
    const { message } = await store.addUserMessage(thread.id, 'q', 'question')
    expect(await store.hasReply(thread.id, message.id)).toBe(false)
    const [first, second] = await Promise.all([
      store.addAssistantMessage(thread.id, 'first answer', { replyTo: message.id, runId: 'a' }),
      store.addAssistantMessage(thread.id, 'second answer', { replyTo: message.id, runId: 'b' }),
    ])
    expect(second.id).toBe(first.id)
    expect(second.text).toBe(first.text)
    expect(await store.hasReply(thread.id, message.id)).toBe(true)
    const { items } = await store.listMessages(thread.id, {})
    expect(items.filter((m) => m.role === 'assistant')).toHaveLength(1)
    await pool.end()
  })
})
