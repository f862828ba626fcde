import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { ChatService } from '../src/chat-service.js'
import type { Query, Queryable } from '../src/chat-store.js'
import { createInProcessBus } from '../src/event-bus.js'
import { MIGRATIONS_DIR } from '../src/index.js'
import { ScriptedProvider } from './support/scripted-provider.js'

/**
 * The database round trips of one chat message, counted on real Postgres: the user message with its lease and
 * the history is one statement, the reply with the lease's release another. The provider is scripted (it stands
 * in for a remote LLM); lease timers are long, so no heartbeat or sweep runs during a message.
 */

let db: TestDatabase
let pool: pg.Pool
beforeAll(async () => {
  db = await createTestDatabase('backend_round_trips')
  pool = new pg.Pool({ connectionString: db.url, max: 4 })
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    await pool.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

/** The pool, recording each statement's text; `holdResult` delays a statement's result (not its execution). */
function counting(inner: Queryable) {
  const texts: string[] = []
  const db = {
    texts,
    holdResult: undefined as ((query: Query) => Promise<void> | undefined) | undefined,
    async query<Row extends pg.QueryResultRow>(query: Query) {
      texts.push(query.text)
      const result = await inner.query<Row>(query)
      await db.holdResult?.(query)
      return result
    },
  }
  return db
}

function setUp() {
  const db = counting(pool)
  const provider = new ScriptedProvider()
  const chat = new ChatService({
    db,
    bus: createInProcessBus(),
    provider,
    historyMessages: 3,
    maxQueuedRunsPerThread: 8,
    deltaFlushMs: 0,
    leases: { heartbeatMs: 600_000, sweepMs: 600_000 },
  })
  return { db, provider, chat }
}

async function answered(provider: ScriptedProvider, run: Promise<unknown> | undefined) {
  while (provider.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  provider.release()
  return run
}

describe('the round trips of one chat message', () => {
  it('a new message costs two: stored with its lease and the history, then the reply that ends the lease', async () => {
    const { db, provider, chat } = setUp()
    const thread = await chat.createThread('user-1', 'round trips')
    // A follower's sends skip the ownership check: `follow` made it.
    await chat.follow('user-1', thread.id, () => {})
    let acked = 0
    const sent = async (clientMsgId: string) => {
      const result = await chat.sendMessage('user-1', {
        threadId: thread.id,
        clientMsgId,
        text: `question ${clientMsgId}`,
      })
      acked++
      return result
    }
    await answered(provider, (await sent('first')).run?.done)
    db.texts.length = 0
    const second = await sent('second')
    expect(await answered(provider, second.run?.done)).toMatchObject({ status: 'completed' })
    expect(acked).toBe(2)
    await chat.stop(1_000) // every lease let go
    expect(db.texts).toHaveLength(2)
    // The history the run read came with the insert: the last 3 messages, the new one last.
    expect(provider.seen[1]!.map((turn) => turn.text)).toEqual([
      'question first',
      'thinking answer 1',
      'question second',
    ])
    const { rows } = await pool.query('select 1 from chat_run_leases')
    expect(rows).toEqual([])
  })

  it('a message sent while a run is on its thread reads the history when its run starts', async () => {
    const { provider, chat } = setUp()
    const thread = await chat.createThread('user-2', 'queued')
    await chat.follow('user-2', thread.id, () => {})
    const send = (clientMsgId: string) =>
      chat.sendMessage('user-2', { threadId: thread.id, clientMsgId, text: `question ${clientMsgId}` })
    const first = await send('a')
    const second = await send('b')
    await answered(provider, first.run?.done)
    await answered(provider, second.run?.done)
    // Stored in this order: a, b, then a's reply. Read with b's insert, the history would lack the reply.
    expect(provider.seen[1]!.map((turn) => turn.text)).toEqual([
      'question a',
      'question b',
      'thinking answer 1',
    ])
    await chat.stop(1_000)
  })

  it('a run that started and ended during the insert of another message on its thread is in that one’s history', async () => {
    const { db, provider, chat } = setUp()
    const thread = await chat.createThread('user-3', 'overlapping')
    await chat.follow('user-3', thread.id, () => {})
    const send = (clientMsgId: string) =>
      chat.sendMessage('user-3', { threadId: thread.id, clientMsgId, text: `question ${clientMsgId}` })
    // b's statement runs (its snapshot has neither a nor a's reply) but its result waits until a is answered.
    let releaseB!: () => void
    const bHeld = new Promise<void>((resolve) => (releaseB = resolve))
    db.holdResult = (query) => (query.values?.flat().includes('question b') ? bHeld : undefined)
    const b = send('b')
    const isIntake = (text: string) =>
      text.includes('insert into chat_messages (id, thread_id, role, text, client_msg_id)')
    while (!db.texts.some(isIntake)) await new Promise((r) => setTimeout(r, 5))
    const a = await send('a')
    await answered(provider, a.run?.done)
    releaseB()
    await answered(provider, (await b).run?.done)
    expect(provider.seen[1]!.map((turn) => turn.text)).toEqual([
      'question b',
      'question a',
      'thinking answer 1',
    ])
    await chat.stop(1_000)
  })
})
