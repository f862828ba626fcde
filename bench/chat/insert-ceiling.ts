import { randomUUID } from 'node:crypto'
import pg from 'pg'

/**
 * The insert ceiling: what this Postgres allows the chat when nothing but the chat's durable writes stand between
 * a message and its reply. Straight through `pg` (no backend, no sockets), with the backend's pool size, the same
 * closed loop (each logical client one thread; send, wait, pause) and per message the two commits Tarmac cannot
 * avoid: the user message's insert (durable before the ack) and the reply's insert, into the migrated tables
 * with their indexes and constraints, as prepared statements. Not in it: the history read and the run lease,
 * which Tarmac folds into those two round trips, and everything between the database and the sockets.
 */
export async function insertCeiling(
  databaseUrl: string,
  options: {
    threadIds: readonly string[]
    messages: number
    pauseMs: number
    poolMax: number
    text: string
    /** The reply stored per message: one the backend stored in the same run (same size, same metadata). */
    reply: { text: string; metadata: string }
  },
): Promise<{ completed: number; durationMs: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolMax })
  try {
    let completed = 0
    const startedMs = performance.now()
    await Promise.all(
      options.threadIds.map(async (threadId) => {
        for (let m = 0; m < options.messages; m++) {
          const messageId = randomUUID()
          await pool.query({
            name: 'ceiling_user_message',
            text: `insert into chat_messages (id, thread_id, role, text, client_msg_id) values ($1, $2, 'user', $3, $4)
              on conflict (thread_id, client_msg_id) do nothing returning id, seq, created_at`,
            values: [messageId, threadId, options.text, randomUUID()],
          })
          await pool.query({
            name: 'ceiling_reply',
            text: `insert into chat_messages (id, thread_id, role, text, metadata, reply_to)
              values ($1, $2, 'assistant', $3, $4, $5) on conflict (reply_to) do nothing returning id, seq, created_at`,
            values: [randomUUID(), threadId, options.reply.text, options.reply.metadata, messageId],
          })
          completed++
          await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
        }
      }),
    )
    return { completed, durationMs: performance.now() - startedMs - options.pauseMs }
  } finally {
    await pool.end()
  }
}
