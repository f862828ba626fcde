import type { PGlite } from '@electric-sql/pglite'
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { ABORT_PARSE, ClientStatements, deallocate, simpleQuery, SYNC } from './embedded-client-state.js'

/**
 * Front-end message types of the extended query protocol. Between the first of them and `Sync` the
 * unnamed statement and portal belong to one client: another client's message in between replaces them
 * ("unnamed prepared statement does not exist").
 */
const EXTENDED_MESSAGE_TYPES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)))

interface QueuedMessage {
  readonly handlerId: number
  readonly message: Uint8Array
  resolve(bytes: number): void
  reject(error: Error): void
  onData(data: Uint8Array): void
}

/** The parts of pglite-socket 0.2's (private) QueryQueueManager this fix replaces. */
interface QueueInternals {
  queue: QueuedMessage[]
  processing: boolean
  db: PGlite
  lastHandlerId: number | null
  processQueue(): Promise<void>
  clearQueueForHandler(handlerId: number): void
  clearTransactionIfNeeded(handlerId: number): Promise<void>
}

/**
 * pglite-socket 0.2 queues each wire message on its own and only keeps one client's messages together
 * inside a transaction, so concurrent parameterised queries from a pool interleave and fail. This
 * replaces its queue loop with one that also keeps a client's Parse…Sync sequence together, and that
 * keeps going after a failed message (the original stalls the queue). It also clears what a client that
 * left (closed, reset, SIGKILLed) had in the one session all clients share, before anyone else's next
 * message runs (`embedded-client-state.ts`): a sequence it cut before `Sync`, its open transaction, its named
 * prepared statements — so a service killed and started again finds the session as a new one would be.
 * Checked against 0.2.17; it throws at start-up if the internals it relies on are gone, rather than
 * misbehave later.
 */
export function keepExtendedQueriesTogether(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<QueueInternals> }).queryQueue
  if (
    !queue ||
    !Array.isArray(queue.queue) ||
    typeof queue.clearQueueForHandler !== 'function' ||
    typeof queue.clearTransactionIfNeeded !== 'function' ||
    !queue.db
  ) {
    throw new Error('pglite-socket internals changed: cannot serialise extended-protocol queries')
  }
  const q = queue as QueueInternals
  let pinnedHandlerId: number | null = null
  const statements = new ClientStatements()
  /** Clients that left and whose state is still in the session. */
  const gone = new Set<number>()
  /** Clients that sent something and have not left. */
  const present = new Set<number>()

  /** Runs one message as the server's own, discarding the answer (its errors included). */
  const runOwn = async (message: Uint8Array): Promise<void> => {
    await q.db
      .runExclusive(() => q.db.execProtocolRawStream(message, { onRawData: () => undefined }))
      .catch(() => undefined)
  }

  /** Takes a gone client's state out of the session: its cut sequence, its transaction, its statements. */
  const clearGone = async (handlerId: number): Promise<void> => {
    gone.delete(handlerId)
    if (pinnedHandlerId === handlerId) {
      pinnedHandlerId = null
      await runOwn(ABORT_PARSE)
      await runOwn(SYNC)
    }
    if (q.lastHandlerId === handlerId) {
      if (q.db.isInTransaction()) await runOwn(simpleQuery('ROLLBACK'))
      q.lastHandlerId = null
    }
    for (const name of statements.take(handlerId)) await runOwn(deallocate(name))
  }

  /** Once the last client left, what is not per client goes too: settings, advisory locks, LISTEN, temp tables. */
  const resetIfAlone = async (): Promise<void> => {
    if (present.size === 0 && !q.db.isInTransaction()) await runOwn(simpleQuery('DISCARD ALL'))
  }

  /** Who the session belongs to now: a client mid-sequence, or the one whose transaction is open. */
  const owner = (): number | null =>
    pinnedHandlerId ?? (q.db.isInTransaction() && q.lastHandlerId ? q.lastHandlerId : null)

  q.processQueue = async function processQueue(): Promise<void> {
    if (q.processing || (q.queue.length === 0 && gone.size === 0)) return
    q.processing = true
    try {
      while (q.queue.length > 0 || gone.size > 0) {
        const current = owner()
        // A gone client's state goes first, unless a live client holds the session (then after it).
        if (gone.size > 0 && (current === null || gone.has(current))) {
          for (const handlerId of [...gone]) await clearGone(handlerId)
          await resetIfAlone()
          continue
        }
        const index = current === null ? 0 : q.queue.findIndex((m) => m.handlerId === current)
        if (index === -1) break
        const [item] = q.queue.splice(index, 1)
        if (!item) break
        present.add(item.handlerId)
        let bytes = 0
        const answer: Uint8Array[] = []
        const watched = ClientStatements.concerns(item.message)
        try {
          await q.db.runExclusive(() =>
            q.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length
                if (watched) answer.push(data.slice())
                item.onData(data)
              },
            }),
          )
        } catch (error) {
          pinnedHandlerId = null
          item.reject(error instanceof Error ? error : new Error(String(error)))
          continue
        }
        if (watched) statements.record(item.handlerId, item.message, Buffer.concat(answer))
        q.lastHandlerId = item.handlerId
        pinnedHandlerId = EXTENDED_MESSAGE_TYPES.has(item.message[0] ?? 0) ? item.handlerId : null
        item.resolve(bytes)
      }
    } finally {
      q.processing = false
    }
  }

  const clear = q.clearQueueForHandler.bind(q)
  q.clearQueueForHandler = (handlerId: number): void => {
    clear(handlerId)
    present.delete(handlerId)
    gone.add(handlerId)
    void q.processQueue()
  }
  // Replaced by `clearGone`, which runs in the queue's order (the original rolled back from outside it, and
  // missed a transaction the client's last message opened after it looked).
  q.clearTransactionIfNeeded = async (): Promise<void> => {
    await q.processQueue()
  }
}
