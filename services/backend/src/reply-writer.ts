import type { Queryable } from './queryable.js'

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

interface Waiting {
  readonly row: ReplyRow
  readonly resolve: (createdAt: Date | null) => void
  readonly reject: (error: unknown) => void
}

/**
 * Stores assistant replies in batches: the replies that finish in one turn of the event loop go to Postgres as one
 * statement (`setImmediate`: after the turn's I/O callbacks, where runs end). Under load that is one round trip,
 * one commit and one socket write for many runs instead of one each; alone, a reply waits for no one. Each caller
 * still learns its own outcome: its row's `created_at`, or null when its message had a reply already. A batch
 * that fails is retried row by row, so one bad reply (its thread deleted under its run) fails alone.
 */
export class ReplyWriter {
  readonly #db: Queryable
  readonly #statementName: string | undefined
  #waiting: Waiting[] = []

  /** @param options.prepared run the batch as a named prepared statement (see `ChatStore`). */
  constructor(db: Queryable, options: { prepared: boolean }) {
    this.#db = db
    this.#statementName = options.prepared ? 'chat_store_replies' : undefined
  }

  /** Stores the reply with the others of this turn; resolves with its `created_at`, or null if none was added. */
  write(row: ReplyRow): Promise<Date | null> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ row, resolve, reject }) === 1) setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    const batch = this.#waiting
    this.#waiting = []
    this.#store(batch).catch((error: unknown) => {
      if (batch.length === 1) return batch[0]!.reject(error)
      for (const one of batch) this.#store([one]).catch((error: unknown) => one.reject(error))
    })
  }

  async #store(batch: readonly Waiting[]): Promise<void> {
    const rows = batch.map((waiting) => waiting.row)
    const { rows: stored } = await this.#db.query<{ id: string; created_at: Date }>({
      text: STORE_REPLIES,
      values: [
        rows.map((row) => row.id),
        rows.map((row) => row.threadId),
        rows.map((row) => row.text),
        rows.map((row) => row.metadata),
        rows.map((row) => row.replyTo),
        rows.map((row) => row.runId),
      ],
      ...(this.#statementName && { name: this.#statementName }),
    })
    const createdAt = new Map(stored.map((row) => [row.id, row.created_at]))
    for (const { row, resolve } of batch) resolve(createdAt.get(row.id) ?? null)
  }
}
