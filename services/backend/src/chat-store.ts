import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { MessageRole, Page, Thread } from '@tarmac/protocol'
import type { AssistantTurn } from './assistant.js'
import { BackendError } from './errors.js'
import { IntakeWriter } from './intake-writer.js'
import type { Queryable } from './queryable.js'
import { ReplyWriter } from './reply-writer.js'

export type { MessageRole, Page, Thread } from '@tarmac/protocol'
export type { Query, Queryable } from './queryable.js'

export interface Message {
  readonly id: string
  readonly threadId: string
  readonly role: MessageRole
  readonly text: string
  readonly createdAt: string
  /** User messages: the id the client sent it with. */
  readonly clientMsgId?: string
  /** Assistant replies: which provider and model answered (the local one says it is offline). */
  readonly metadata?: Record<string, unknown>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_PAGE = 100

/** True when the string can be a thread or message id (anything else is "not found", not a 500). */
export const isUuid = (value: string): boolean => UUID.test(value)

/** Cursors are opaque to clients: the `seq` of the last item, base64url. */
function encodeCursor(seq: string): string {
  return Buffer.from(seq).toString('base64url')
}
function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null
  const seq = Buffer.from(cursor, 'base64url').toString()
  if (!/^\d{1,18}$/.test(seq))
    throw new BackendError('INVALID_CURSOR', 'the cursor is not one this server gave')
  return seq
}
const pageSize = (limit: number | undefined): number => Math.min(Math.max(limit ?? 50, 1), MAX_PAGE)

interface ThreadRow {
  id: string
  seq: string
  title: string
  created_at: Date
}
interface MessageRow {
  id: string
  seq: string
  thread_id: string
  role: MessageRole
  text: string
  metadata: Record<string, unknown> | null
  created_at: Date
  /** Selected by `listMessages` only. */
  client_msg_id?: string | null
}
const toThread = (row: ThreadRow): Thread => ({
  id: row.id,
  title: row.title,
  createdAt: row.created_at.toISOString(),
})
const toTurn = (row: AssistantTurn): AssistantTurn => ({ role: row.role, text: row.text })
const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  threadId: row.thread_id,
  role: row.role,
  text: row.text,
  createdAt: row.created_at.toISOString(),
  ...(typeof row.client_msg_id === 'string' ? { clientMsgId: row.client_msg_id } : {}),
  ...(row.metadata ? { metadata: row.metadata } : {}),
})

/** The run lease a new user message is stored with (`RunLeases` owns the table's other transitions). */
export interface NewRunLease {
  readonly userId: string
  readonly runId: string
  readonly ownerInstance: string
  readonly leaseMs: number
}

/**
 * Threads and messages in Postgres. Every thread query is scoped by owner, so one user never reads
 * another's thread: a foreign thread is simply not found. Single statements only (no transactions), which
 * keeps the embedded Postgres (one shared session) from serialising requests behind each other.
 */
export class ChatStore {
  readonly #db: Queryable
  readonly #prepared: boolean
  readonly #replies: ReplyWriter
  readonly #intake: IntakeWriter

  /**
   * @param options.prepared run the chat's hot queries as named prepared statements: Postgres parses and plans
   *   each once per connection instead of once per message. Only on a direct connection to a real Postgres — a
   *   transaction pooler hands each transaction another server connection, and the embedded Postgres shares one
   *   session between connections, so names would not be where pg thinks they are.
   */
  constructor(db: Queryable, options: { prepared?: boolean } = {}) {
    this.#db = db
    this.#prepared = options.prepared ?? false
    this.#replies = new ReplyWriter(db, { prepared: this.#prepared })
    this.#intake = new IntakeWriter(db, { prepared: this.#prepared })
  }

  #query<Row extends pg.QueryResultRow>(text: string, values: unknown[], name?: string) {
    return this.#db.query<Row>({ text, values, ...(name && this.#prepared ? { name } : {}) })
  }

  async createThread(userId: string, title: string): Promise<Thread> {
    const { rows } = await this.#query<ThreadRow>(
      'insert into chat_threads (id, user_id, title) values ($1, $2, $3) returning id, seq, title, created_at',
      [randomUUID(), userId, title],
    )
    return toThread(rows[0]!)
  }

  /** Newest first. */
  async listThreads(userId: string, options: { cursor?: string; limit?: number }): Promise<Page<Thread>> {
    const after = decodeCursor(options.cursor)
    const limit = pageSize(options.limit)
    const { rows } = await this.#query<ThreadRow>(
      `select id, seq, title, created_at from chat_threads
       where user_id = $1 and ($2::bigint is null or seq < $2::bigint) order by seq desc limit $3`,
      [userId, after, limit + 1],
    )
    return page(rows, limit, toThread)
  }

  /** The thread if this user owns it, else `THREAD_NOT_FOUND` (a foreign thread looks like no thread). */
  async getThread(userId: string, threadId: string): Promise<Thread> {
    if (isUuid(threadId)) {
      const { rows } = await this.#query<ThreadRow>(
        'select id, seq, title, created_at from chat_threads where id = $1 and user_id = $2',
        [threadId, userId],
        'chat_get_thread',
      )
      if (rows[0]) return toThread(rows[0])
    }
    throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
  }

  /** Deletes the thread, its messages (`on delete cascade`) and the run leases of its messages, in one statement. */
  async deleteThread(userId: string, threadId: string): Promise<void> {
    if (isUuid(threadId)) {
      const { rowCount } = await this.#query(
        `with deleted as (delete from chat_threads where id = $1 and user_id = $2 returning id),
           leases as (delete from chat_run_leases where thread_id in (select id from deleted))
         select id from deleted`,
        [threadId, userId],
      )
      if (rowCount === 1) return
    }
    throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
  }

  /** Oldest first. The caller has checked ownership with `getThread`. */
  async listMessages(threadId: string, options: { cursor?: string; limit?: number }): Promise<Page<Message>> {
    const after = decodeCursor(options.cursor)
    const limit = pageSize(options.limit)
    const { rows } = await this.#query<MessageRow>(
      `select id, seq, thread_id, role, text, metadata, created_at, client_msg_id from chat_messages
       where thread_id = $1 and ($2::bigint is null or seq > $2::bigint) order by seq asc limit $3`,
      [threadId, after, limit + 1],
    )
    return page(rows, limit, toMessage)
  }

  /** The last `count` turns (role and text), oldest first: the assistant's context. */
  async recentTurns(threadId: string, count: number): Promise<AssistantTurn[]> {
    const { rows } = await this.#query<AssistantTurn & { seq: string }>(
      `select * from (select seq, role, text from chat_messages
       where thread_id = $1 order by seq desc limit $2) recent order by seq asc`,
      [threadId, count],
      'chat_recent_turns',
    )
    return rows.map(toTurn)
  }

  /**
   * Stores a user message once per `(thread, clientMsgId)`: a resend returns the first row and
   * `created: false`, so the caller acknowledges it again without a second run. `THREAD_NOT_FOUND` when the
   * thread is deleted under a resend (between the insert and the read-back).
   *
   * With `intake`, a new message is stored in one statement (one round trip, one commit) with its run lease
   * (`chat_run_leases`, attempts 1: a new message's lease is always free) and returns the thread's last
   * `historyMessages` turns, itself included, oldest first: the assistant's context when its run starts at once.
   * The new messages of one turn of the event loop share that statement and its commit (`IntakeWriter`).
   */
  async addUserMessage(
    threadId: string,
    clientMsgId: string,
    text: string,
    intake?: { readonly lease: NewRunLease; readonly historyMessages: number },
  ): Promise<{ message: Message; created: boolean; history?: AssistantTurn[] }> {
    const id = randomUUID()
    if (intake) {
      const { lease, historyMessages } = intake
      const outcome = await this.#intake.write(
        { id, threadId, text, clientMsgId, userId: lease.userId, runId: lease.runId },
        { ownerInstance: lease.ownerInstance, leaseMs: lease.leaseMs, historyMessages },
      )
      if (outcome.added) return { message: toMessage(outcome.added), created: true, history: outcome.history }
    } else {
      const inserted = await this.#query<MessageRow>(
        `insert into chat_messages (id, thread_id, role, text, client_msg_id) values ($1, $2, 'user', $3, $4)
         on conflict (thread_id, client_msg_id) do nothing
         returning id, seq, thread_id, role, text, metadata, created_at`,
        [id, threadId, text, clientMsgId],
        'chat_add_user_message',
      )
      if (inserted.rows[0]) return { message: toMessage(inserted.rows[0]), created: true }
    }
    const existing = await this.#query<MessageRow>(
      `select id, seq, thread_id, role, text, metadata, created_at from chat_messages
       where thread_id = $1 and client_msg_id = $2`,
      [threadId, clientMsgId],
    )
    // The thread (and with it the message) was deleted between the two statements: a resend racing a deletion.
    if (!existing.rows[0]) throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
    return { message: toMessage(existing.rows[0]), created: false }
  }

  /** Whether an assistant reply to `messageId` is stored (a reply names it in `reply_to`, unique). */
  async hasReply(threadId: string, messageId: string): Promise<boolean> {
    const { rowCount } = await this.#query(
      `select 1 from chat_messages where thread_id = $1 and reply_to = $2`,
      [threadId, messageId],
      'chat_has_reply',
    )
    return (rowCount ?? 0) > 0
  }

  /**
   * Stores an assistant reply. A reply names the user message it answers (`metadata.replyTo`, kept in the
   * `reply_to` column), and a message has at most one reply (unique): when one is already stored — another
   * instance's run on the same message got there first — that one is returned and nothing is added.
   * The same statement lets go of the run's lease (`metadata.runId`'s, if it still holds it): the reply and the
   * end of the run are one commit, so no instance ever sees a stored reply under a live lease, or the reverse.
   * Replies that end in the same turn of the event loop share that statement (`ReplyWriter`).
   */
  async addAssistantMessage(
    threadId: string,
    text: string,
    metadata: Record<string, unknown>,
  ): Promise<Message> {
    const replyTo = typeof metadata.replyTo === 'string' && isUuid(metadata.replyTo) ? metadata.replyTo : null
    const runId = typeof metadata.runId === 'string' && isUuid(metadata.runId) ? metadata.runId : null
    const id = randomUUID()
    // Stored as given, with the other replies of this turn: only the time comes back.
    const createdAt = await this.#replies.write({
      id,
      threadId,
      text,
      metadata: JSON.stringify(metadata),
      replyTo,
      runId,
    })
    if (createdAt)
      return { id, threadId, role: 'assistant', text, createdAt: createdAt.toISOString(), metadata }
    const existing = await this.#query<MessageRow>(
      `select id, seq, thread_id, role, text, metadata, created_at from chat_messages where reply_to = $1`,
      [replyTo],
    )
    return toMessage(existing.rows[0]!)
  }
}

function page<Row extends { seq: string }, T>(rows: Row[], limit: number, map: (row: Row) => T): Page<T> {
  const more = rows.length > limit
  const items = (more ? rows.slice(0, limit) : rows).map(map)
  return { items, nextCursor: more ? encodeCursor(rows[limit - 1]!.seq) : null }
}
