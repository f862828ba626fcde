import { randomUUID } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { ChatStore, type Query, type Queryable } from '../src/chat-store.js'
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
  const recent = await store.recentTurns(thread.id, 20)
  const { items } = await store.listMessages(thread.id, {})
  await store.addAssistantMessage(thread.id, 'reply', { replyTo: items[1]!.id })
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
      'chat_add_user_message',
      'chat_get_thread',
      'chat_recent_turns',
      'chat_store_replies',
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

describe('ChatStore.addUserMessage racing a thread deletion', () => {
  it('a resend whose thread is deleted between its insert and its select → THREAD_NOT_FOUND, not a TypeError', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const plain = new ChatStore(pool)
      const thread = await plain.createThread('user-race', 'deleted mid-resend')
      await plain.addUserMessage(thread.id, 'resent', 'first send')
      // Deterministic race: the store's own queries, with the thread deleted right after the insert that
      // found the row already there (the resend) and before the select that reads it back.
      let deleted = false
      const racing: Queryable = {
        async query<Row extends pg.QueryResultRow>(query: Query) {
          const result = await pool.query<Row>(query.text, query.values)
          if (!deleted && query.text.trimStart().startsWith('insert into chat_messages')) {
            deleted = true
            await plain.deleteThread('user-race', thread.id)
          }
          return result
        },
      }
      const error = await new ChatStore(racing)
        .addUserMessage(thread.id, 'resent', 'second send')
        .catch((e: unknown) => e)
      expect(deleted).toBe(true)
      expect(error).toMatchObject({ name: 'BackendError', code: 'THREAD_NOT_FOUND' })
    } finally {
      await pool.end()
    }
  })
})

describe('ChatStore.listMessages', () => {
  it("returns a user message's clientMsgId, so a client can tell its own message after a reload", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    try {
      const store = new ChatStore(pool)
      const thread = await store.createThread('user-list', 'client ids')
      const { message } = await store.addUserMessage(thread.id, 'client-1', 'hello')
      await store.addAssistantMessage(thread.id, 'hi', { replyTo: message.id })
      const { items } = await store.listMessages(thread.id, {})
      expect(items.map((m) => [m.role, m.clientMsgId])).toEqual([
        ['user', 'client-1'],
        ['assistant', undefined],
      ])
    } finally {
      await pool.end()
    }
  })
})

describe('ChatStore: what a message writes', () => {
  const lease = { userId: 'user-lean', runId: randomUUID(), ownerInstance: 'test:1', leaseMs: 5_000 }

  it('stores a reply and lets go of its lease without locking the user message (no foreign key check on it)', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2, options: '-c lock_timeout=2000' })
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    try {
      const store = new ChatStore(pool)
      const thread = await store.createThread('user-lean', 'no row locks')
      const { message } = await store.addUserMessage(thread.id, 'q', 'question', {
        lease,
        historyMessages: 20,
      })
      // Another session holds the user message's row (an edit, a vacuum full, a slow transaction): a foreign key
      // check on it (`for key share`) would wait behind it.
      await holder.query('begin')
      await holder.query('select 1 from chat_messages where id = $1 for update', [message.id])
      const reply = await store.addAssistantMessage(thread.id, 'answer', {
        replyTo: message.id,
        runId: lease.runId,
      })
      expect(reply.text).toBe('answer')
      const { rows } = await pool.query('select 1 from chat_run_leases where message_id = $1', [message.id])
      expect(rows).toHaveLength(0)
    } finally {
      await holder.query('rollback').catch(() => {})
      await holder.end()
      await pool.end()
    }
  })

  it('deleting a thread deletes the run leases of its messages in the same statement', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const store = new ChatStore(pool)
      const thread = await store.createThread('user-lean', 'deleted with a live run')
      const other = await store.createThread('user-lean', 'kept')
      await store.addUserMessage(thread.id, 'q', 'question', { lease, historyMessages: 20 })
      await store.addUserMessage(other.id, 'q', 'question', {
        lease: { ...lease, runId: randomUUID() },
        historyMessages: 20,
      })
      await store.deleteThread('user-lean', thread.id)
      const { rows } = await pool.query<{ thread_id: string }>(
        'select thread_id from chat_run_leases where thread_id = any($1::uuid[])',
        [[thread.id, other.id]],
      )
      expect(rows.map((row) => row.thread_id)).toEqual([other.id])
      await expect(store.deleteThread('user-lean', thread.id)).rejects.toMatchObject({
        code: 'THREAD_NOT_FOUND',
      })
    } finally {
      await pool.end()
    }
  })
})

describe('ChatStore.addUserMessage with intake', () => {
  it("returns the thread's last turns, itself included, as role and text only (the assistant's context)", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const store = new ChatStore(pool)
      const thread = await store.createThread('user-turns', 'turns')
      const intake = (id: string, runId = randomUUID()) =>
        store.addUserMessage(thread.id, id, `question ${id}`, {
          lease: { userId: 'user-turns', runId, ownerInstance: 'test:1', leaseMs: 5_000 },
          historyMessages: 3,
        })
      const first = await intake('1')
      await store.addAssistantMessage(thread.id, 'answer 1', { replyTo: first.message.id })
      await intake('2')
      const third = await intake('3')
      expect(third.created).toBe(true)
      expect(third.message).toMatchObject({ role: 'user', text: 'question 3', threadId: thread.id })
      expect(third.history).toEqual([
        { role: 'assistant', text: 'answer 1' },
        { role: 'user', text: 'question 2' },
        { role: 'user', text: 'question 3' },
      ])
      expect(await store.recentTurns(thread.id, 3)).toEqual(third.history)
      const resent = await intake('3')
      expect(resent).toMatchObject({ created: false, message: { id: third.message.id } })
      expect(resent.history).toBeUndefined()
    } finally {
      await pool.end()
    }
  })
})

describe('ChatStore.addAssistantMessage: the replies that end in one turn', () => {
  /** The pool, counting the statements that store replies. */
  function counting(pool: pg.Pool) {
    const statements: number[] = []
    const db: Queryable = {
      query<Row extends pg.QueryResultRow>(query: Query) {
        if (query.text.includes('insert into chat_messages (id, thread_id, role, text, metadata, reply_to)'))
          statements.push((query.values![0] as unknown[]).length)
        return pool.query<Row>(query.text, query.values)
      },
    }
    return { db, statements }
  }

  it('stores them in one statement, each lease let go of, each caller told its own reply', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const { db: counted, statements } = counting(pool)
      const store = new ChatStore(counted)
      const thread = await store.createThread('user-batch', 'five runs')
      const runs = []
      for (let i = 0; i < 5; i++) {
        const runId = randomUUID()
        const { message } = await store.addUserMessage(thread.id, `q${i}`, `question ${i}`, {
          lease: { userId: 'user-batch', runId, ownerInstance: 'test:1', leaseMs: 5_000 },
          historyMessages: 20,
        })
        runs.push({ runId, replyTo: message.id, text: `answer ${i}` })
      }
      const replies = await Promise.all(
        runs.map(({ text, runId, replyTo }) =>
          store.addAssistantMessage(thread.id, text, { runId, replyTo }),
        ),
      )
      expect(statements).toEqual([5])
      expect(replies.map((reply) => [reply.text, reply.metadata?.replyTo])).toEqual(
        runs.map((run) => [run.text, run.replyTo]),
      )
      const { items } = await store.listMessages(thread.id, {})
      expect(items.filter((m) => m.role === 'assistant').map((m) => m.id)).toEqual(replies.map((r) => r.id))
      const { rows } = await pool.query('select 1 from chat_run_leases where thread_id = $1', [thread.id])
      expect(rows).toHaveLength(0)
    } finally {
      await pool.end()
    }
  })

  it('a reply whose thread was deleted under its run fails alone: the others of its turn are stored', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const { db: counted, statements } = counting(pool)
      const store = new ChatStore(counted)
      const kept = await store.createThread('user-batch', 'kept')
      const gone = await store.createThread('user-batch', 'deleted mid-run')
      const asked = await store.addUserMessage(kept.id, 'q', 'question')
      const lost = await store.addUserMessage(gone.id, 'q', 'question')
      await store.deleteThread('user-batch', gone.id)
      const [stored, failed] = await Promise.allSettled([
        store.addAssistantMessage(kept.id, 'answer', { replyTo: asked.message.id }),
        store.addAssistantMessage(gone.id, 'answer', { replyTo: lost.message.id }),
      ])
      expect(stored).toMatchObject({ status: 'fulfilled', value: { text: 'answer' } })
      expect(failed).toMatchObject({ status: 'rejected', reason: { code: '23503' } })
      expect(statements).toEqual([2, 1, 1]) // the batch, then each reply alone
      expect(await store.hasReply(kept.id, asked.message.id)).toBe(true)
    } finally {
      await pool.end()
    }
  })
})

describe('ChatStore.addUserMessage with intake: the messages that arrive in one turn', () => {
  const settings = (userId: string) => ({
    lease: { userId, runId: randomUUID(), ownerInstance: 'test:1', leaseMs: 5_000 },
    historyMessages: 2,
  })

  it('stores them, their leases and their contexts in one statement; a resend in the same turn is a duplicate', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const statements: unknown[] = []
      const counted: Queryable = {
        query<Row extends pg.QueryResultRow>(query: Query) {
          if (query.text.includes('insert into chat_run_leases')) statements.push(query.values![0])
          return pool.query<Row>(query.text, query.values)
        },
      }
      const store = new ChatStore(counted)
      const [one, two] = [
        await store.createThread('user-turn', 'one'),
        await store.createThread('user-turn', 'two'),
      ]
      await store.addUserMessage(one.id, 'old', 'an earlier question')
      statements.length = 0
      const [a, b, again] = await Promise.all([
        store.addUserMessage(one.id, 'a', 'question a', settings('user-turn')),
        store.addUserMessage(two.id, 'b', 'question b', settings('user-turn')),
        store.addUserMessage(two.id, 'b', 'question b, sent again', settings('user-turn')),
      ])
      expect(statements).toHaveLength(1)
      expect(a).toMatchObject({ created: true, message: { threadId: one.id, text: 'question a' } })
      expect(a.history).toEqual([
        { role: 'user', text: 'an earlier question' },
        { role: 'user', text: 'question a' },
      ])
      expect(b).toMatchObject({ created: true, history: [{ role: 'user', text: 'question b' }] })
      expect(again).toMatchObject({ created: false, message: { id: b.message.id, text: 'question b' } })
      const { rows } = await pool.query<{ message_id: string }>(
        'select message_id from chat_run_leases where thread_id = any($1::uuid[]) order by message_id',
        [[one.id, two.id]],
      )
      expect(rows.map((row) => row.message_id)).toEqual([a.message.id, b.message.id].sort())
    } finally {
      await pool.end()
    }
  })

  it('a message to a thread deleted before it fails alone (THREAD_NOT_FOUND at the service); the others are stored', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const store = new ChatStore(pool)
      const kept = await store.createThread('user-turn', 'kept')
      const gone = await store.createThread('user-turn', 'gone')
      await store.deleteThread('user-turn', gone.id)
      const [stored, failed] = await Promise.allSettled([
        store.addUserMessage(kept.id, 'k', 'still here', settings('user-turn')),
        store.addUserMessage(gone.id, 'g', 'too late', settings('user-turn')),
      ])
      expect(stored).toMatchObject({ status: 'fulfilled', value: { created: true } })
      expect(failed).toMatchObject({ status: 'rejected', reason: { code: '23503' } })
    } finally {
      await pool.end()
    }
  })
})
