import type { PGlite } from '@electric-sql/pglite'
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket'

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
}

/**
 * pglite-socket 0.2 queues each wire message on its own and only keeps one client's messages together
 * inside a transaction, so concurrent parameterised queries from a pool interleave and fail. This
 * replaces its queue loop with one that also keeps a client's Parse…Sync sequence together, and that
 * keeps going after a failed message (the original stalls the queue). Checked against 0.2.17; it
 * throws at start-up if the internals it relies on are gone, rather than misbehave later.
 */
export function keepExtendedQueriesTogether(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<QueueInternals> }).queryQueue
  if (
    !queue ||
    !Array.isArray(queue.queue) ||
    typeof queue.clearQueueForHandler !== 'function' ||
    !queue.db
  ) {
    throw new Error('pglite-socket internals changed: cannot serialise extended-protocol queries')
  }
  const q = queue as QueueInternals
  let pinnedHandlerId: number | null = null

  q.processQueue = async function processQueue(): Promise<void> {
    if (q.processing || q.queue.length === 0) return
    q.processing = true
    try {
      while (q.queue.length > 0) {
        const owner = pinnedHandlerId ?? (q.db.isInTransaction() && q.lastHandlerId ? q.lastHandlerId : null)
        const index = owner === null ? 0 : q.queue.findIndex((m) => m.handlerId === owner)
        if (index === -1) break
        const [item] = q.queue.splice(index, 1)
        if (!item) break
        let bytes = 0
        try {
          await q.db.runExclusive(() =>
            q.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length
                item.onData(data)
              },
            }),
          )
        } catch (error) {
          pinnedHandlerId = null
          item.reject(error instanceof Error ? error : new Error(String(error)))
          continue
        }
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
    if (pinnedHandlerId === handlerId) {
      pinnedHandlerId = null
      void q.processQueue()
    }
  }
}
