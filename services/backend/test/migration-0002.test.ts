import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { MIGRATIONS_DIR } from '../src/index.js'

// Migration 0002 on a database that 0001 already served: the replies it finds get their `reply_to`, duplicate
// replies stored before it (what two instances used to produce) are reduced to the first, and the unique
// constraint then holds.
let db: TestDatabase
let client: pg.Client
beforeAll(async () => {
  db = await createTestDatabase('backend_migration_0002')
  client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query(readFileSync(join(MIGRATIONS_DIR, '0001_backend_chat.sql'), 'utf8'))
})
afterAll(async () => {
  await client?.end()
  await db?.drop()
})

describe('migration 0002 over existing chat data', () => {
  it('backfills reply_to, keeps the first of duplicate replies, then refuses a second reply', async () => {
    const thread = randomUUID()
    const [question, other] = [randomUUID(), randomUUID()]
    await client.query(`insert into chat_threads (id, user_id, title) values ($1, 'u', 't')`, [thread])
    for (const [id, key] of [
      [question, 'q'],
      [other, 'o'],
    ])
      await client.query(
        `insert into chat_messages (id, thread_id, role, text, client_msg_id) values ($1, $2, 'user', 'x', $3)`,
        [id, thread, key],
      )
    const reply = (text: string, metadata: object) =>
      client.query(
        `insert into chat_messages (id, thread_id, role, text, metadata) values ($1, $2, 'assistant', $3, $4)`,
        [randomUUID(), thread, text, JSON.stringify(metadata)],
      )
    await reply('first', { replyTo: question })
    await reply('second', { replyTo: question }) // the duplicate two instances used to store
    await reply('answer', { replyTo: other })
    await reply('no reply-to', { model: 'm' })
    await reply('not a message', { replyTo: 'self-test' })

    await client.query(readFileSync(join(MIGRATIONS_DIR, '0002_chat_run_leases.sql'), 'utf8'))

    const { rows } = await client.query<{ text: string; reply_to: string | null }>(
      `select text, reply_to from chat_messages where role = 'assistant' order by seq`,
    )
    expect(rows).toEqual([
      { text: 'first', reply_to: question },
      { text: 'answer', reply_to: other },
      { text: 'no reply-to', reply_to: null },
      { text: 'not a message', reply_to: null },
    ])
    const second = await client
      .query(
        `insert into chat_messages (id, thread_id, role, text, reply_to) values ($1, $2, 'assistant', 'again', $3)`,
        [randomUUID(), thread, question],
      )
      .catch((error: { code?: string }) => error)
    expect((second as { code?: string }).code).toBe('23505')
  })
})
