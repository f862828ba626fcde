import type { Queryable } from './queryable.js'
import { TurnBatch } from './turn-batch.js'

/** An assistant reply to store, as `ChatStore.addAssistantMessage` hands it over. */
export interface ReplyRow {
  readonly id: string
  readonly threadId: string
  readonly text: string
  /** The metadata as JSON text. */
  readonly metadata: string
  /** The user message it answers: a message has at most one reply (`reply_to` is unique). */
  readonly replyTo: string | null
  /** The run whose lease the same commit lets go of. */
  readonly runId: string | null
}

/**
 * Every reply of the batch, the release of each one's run lease, in one statement and one commit. A reply whose
 * message already has one (another run's) is not inserted and not returned; its lease is still let go of.
 * The `any($5)` is for the planner: without it, joining the leases to the batch is a hash join over a scan of
 * the whole lease table (every live run's row, and the dead ones) per batch; with it, the primary key finds them.
 */
const STORE_REPLIES = `with input as (
    select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::uuid[], $6::uuid[])
      as reply(id, thread_id, text, metadata, reply_to, run_id)),
  stored as (
    insert into chat_messages (id, thread_id, role, text, metadata, reply_to)
    select id, thread_id, 'assistant', text, metadata, reply_to from input
    on conflict (reply_to) do nothing
    returning id, created_at),
  released as (
    delete from chat_run_leases lease using input
    where lease.message_id = any($5::uuid[]) and lease.message_id = input.reply_to and lease.run_id = input.run_id)
  select id, created_at from stored`

/**
 * Stores the assistant replies that end in one turn of the event loop as one statement (`TurnBatch`). Each caller
 * learns its row's `created_at`, or null when its message had a reply already.
 */
export class ReplyWriter {
  readonly #batch: TurnBatch<ReplyRow, Date | null>

  /** @param options.prepared run the batch as a named prepared statement (see `ChatStore`). */
  constructor(db: Queryable, options: { prepared: boolean }) {
    this.#batch = new TurnBatch(async (rows) => {
      const { rows: stored } = await db.query<{ id: string; created_at: Date }>({
        text: STORE_REPLIES,
        values: [
          rows.map((row) => row.id),
          rows.map((row) => row.threadId),
          rows.map((row) => row.text),
          rows.map((row) => row.metadata),
          rows.map((row) => row.replyTo),
          rows.map((row) => row.runId),
        ],
        ...(options.prepared && { name: 'chat_store_replies' }),
      })
      const createdAt = new Map(stored.map((row) => [row.id, row.created_at]))
      return rows.map((row) => createdAt.get(row.id) ?? null)
    })
  }

  /** Stores the reply with the others of this turn; resolves with its `created_at`, or null if none was added. */
  write(row: ReplyRow): Promise<Date | null> {
    return this.#batch.add(row)
  }
}
