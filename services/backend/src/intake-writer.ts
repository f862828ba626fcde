import type { MessageRole } from '@tarmac/protocol'
import type { AssistantTurn } from './assistant.js'
import type { Queryable } from './queryable.js'
import { TurnBatch } from './turn-batch.js'

/** A new user message to store with its run lease, as `ChatStore.addUserMessage` hands it over. */
export interface IntakeRow {
  readonly id: string
  readonly threadId: string
  readonly text: string
  readonly clientMsgId: string
  readonly userId: string
  readonly runId: string
}

/** What every message of one instance's intake shares: the lease's owner and length, the context's length. */
export interface IntakeSettings {
  readonly ownerInstance: string
  readonly leaseMs: number
  readonly historyMessages: number
}

/** The stored message's row, as `returning` gives it. */
export interface AddedRow {
  readonly id: string
  readonly seq: string
  readonly thread_id: string
  readonly role: MessageRole
  readonly text: string
  readonly metadata: Record<string, unknown> | null
  readonly created_at: Date
}

/** A message's outcome: its row when it was added (not on a resend), and then its thread's last turns. */
export type IntakeOutcome = { added: AddedRow; history: AssistantTurn[] } | { added: undefined }

/**
 * The batch's new messages, their run leases and their threads' recent turns, in one statement. Every part of a
 * statement sees the same snapshot, taken before the insert: the earlier turns come from the table, the new
 * messages from `returning`. A resend (the insert does nothing) gets no lease and no row. The earlier rows carry
 * only what the assistant reads (role and text) and their thread.
 */
const INTAKE = `with input as (
    select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[])
      as intake(id, thread_id, text, client_msg_id, user_id, run_id)),
  added as (
    insert into chat_messages (id, thread_id, role, text, client_msg_id)
    select id, thread_id, 'user', text, client_msg_id from input
    on conflict (thread_id, client_msg_id) do nothing
    returning id, seq, thread_id, role, text, metadata, created_at),
  leased as (
    insert into chat_run_leases (message_id, thread_id, user_id, run_id, owner_instance, lease_expires_at)
    select added.id, added.thread_id, input.user_id, input.run_id, $7, now() + $8 * interval '1 millisecond'
    from added join input using (id)),
  earlier as (
    select recent.* from (select distinct thread_id from added) thread
    cross join lateral (
      select thread_id, seq, role, text from chat_messages
      where chat_messages.thread_id = thread.thread_id order by seq desc limit $9) recent)
  select id, seq, thread_id, role, text, metadata, created_at, true as added from added
  union all select null::uuid, seq, thread_id, role, text, null::jsonb, null::timestamptz, false from earlier
  order by seq`

type IntakeResultRow = Omit<AddedRow, 'id'> & { id: string | null; added: boolean }

/**
 * Stores the new user messages that arrive in one turn of the event loop as one statement (`TurnBatch`): one
 * commit acknowledges them all. Messages with other settings (another service's intake) batch apart.
 */
export class IntakeWriter {
  readonly #db: Queryable
  readonly #prepared: boolean
  readonly #batches = new Map<string, TurnBatch<IntakeRow, IntakeOutcome>>()

  /** @param options.prepared run the batch as a named prepared statement (see `ChatStore`). */
  constructor(db: Queryable, options: { prepared: boolean }) {
    this.#db = db
    this.#prepared = options.prepared
  }

  /** Stores the message with the others of this turn; resolves with its row and context, or nothing on a resend. */
  write(row: IntakeRow, settings: IntakeSettings): Promise<IntakeOutcome> {
    const key = `${settings.ownerInstance}\u0000${settings.leaseMs}\u0000${settings.historyMessages}`
    let batch = this.#batches.get(key)
    if (!batch) this.#batches.set(key, (batch = new TurnBatch((rows) => this.#store(rows, settings))))
    return batch.add(row)
  }

  async #store(rows: readonly IntakeRow[], settings: IntakeSettings): Promise<IntakeOutcome[]> {
    const { rows: stored } = await this.#db.query<IntakeResultRow>({
      text: INTAKE,
      values: [
        rows.map((row) => row.id),
        rows.map((row) => row.threadId),
        rows.map((row) => row.text),
        rows.map((row) => row.clientMsgId),
        rows.map((row) => row.userId),
        rows.map((row) => row.runId),
        settings.ownerInstance,
        settings.leaseMs,
        settings.historyMessages,
      ],
      ...(this.#prepared && { name: 'chat_intake' }),
    })
    const turns = new Map<string, AssistantTurn[]>()
    for (const row of stored)
      if (!row.added) {
        const thread = turns.get(row.thread_id) ?? []
        thread.push({ role: row.role, text: row.text })
        turns.set(row.thread_id, thread)
      }
    const added = new Map(stored.flatMap((row) => (row.added ? [[row.id!, row as AddedRow] as const] : [])))
    return rows.map((row): IntakeOutcome => {
      const own = added.get(row.id)
      if (!own) return { added: undefined }
      const history = [...(turns.get(row.threadId) ?? []), { role: own.role, text: own.text }]
      return { added: own, history: history.slice(-settings.historyMessages) }
    })
  }
}
