import type { MessageAckFrame, MessagePage, PageQuery, Thread, ThreadPage } from '@tarmac/protocol'
import type { AssistantProvider } from './assistant.js'
import { AssistantRunner, type RunHandle, type RunnerLog } from './assistant-runner.js'
import { ChatStore, type Queryable } from './chat-store.js'
import { BackendError } from './errors.js'
import type { EventBus } from './event-bus.js'

export interface ChatServiceOptions {
  db: Queryable
  /** Named prepared statements for the hot queries (see `ChatStore`). */
  preparedStatements?: boolean
  bus: EventBus
  provider: AssistantProvider
  historyMessages: number
  maxQueuedRunsPerThread: number
  deltaFlushMs: number
  /** Runs one user may have in flight or queued at once. Default: no cap. */
  maxRunsPerUser?: number
  log?: RunnerLog | undefined
}

/** A user message to store and answer (a `message.send` frame's fields). */
export interface OutgoingMessage {
  readonly threadId: string
  readonly clientMsgId: string
  readonly text: string
}

/** How the sender takes part in `sendMessage`. */
export interface SendHooks {
  /**
   * Makes sure the sender follows the thread before anything is stored, so it sees the run's events; it checks
   * the thread is the sender's (`openThread`). Without it, `sendMessage` checks ownership itself.
   */
  readonly follow?: () => Promise<void>
  /** Called once the message is stored, before the run starts: the ack always precedes `run.started`. */
  readonly ack?: (frame: MessageAckFrame) => void
}

export interface SendResult {
  readonly messageId: string
  readonly duplicate: boolean
  /** The run answering the message; undefined for a resend already answered (or being answered). */
  readonly run: RunHandle | undefined
}

/**
 * The chat use cases of the `services` phase — open, list, read and delete threads, send a message and run the
 * assistant on it — over the thread store and the runner. Every call is scoped to a user: another user's thread
 * is `THREAD_NOT_FOUND`.
 */
export class ChatService {
  readonly runner: AssistantRunner
  readonly provider: AssistantProvider
  readonly #store: ChatStore
  readonly #maxRunsPerUser: number
  readonly #runsByUser = new Map<string, number>()

  constructor(options: ChatServiceOptions) {
    this.#store = new ChatStore(options.db, { prepared: options.preparedStatements ?? false })
    this.#maxRunsPerUser = options.maxRunsPerUser ?? Infinity
    this.provider = options.provider
    this.runner = new AssistantRunner({
      store: this.#store,
      bus: options.bus,
      provider: options.provider,
      historyMessages: options.historyMessages,
      maxQueuedRunsPerThread: options.maxQueuedRunsPerThread,
      deltaFlushMs: options.deltaFlushMs,
      log: options.log,
    })
  }

  createThread(userId: string, title: string): Promise<Thread> {
    return this.#store.createThread(userId, title)
  }

  /** The user's thread, or `THREAD_NOT_FOUND`: the ownership check before a socket follows it. */
  openThread(userId: string, threadId: string): Promise<Thread> {
    return this.#store.getThread(userId, threadId)
  }

  /** Newest first. */
  listThreads(userId: string, page: PageQuery = {}): Promise<ThreadPage> {
    return this.#store.listThreads(userId, page)
  }

  /** A thread's stored messages, oldest first, as `GET /api/threads/:id/messages` returns them. */
  async history(userId: string, threadId: string, page: PageQuery = {}): Promise<MessagePage> {
    await this.#store.getThread(userId, threadId)
    const { items, nextCursor } = await this.#store.listMessages(threadId, page)
    return {
      items: items.map(({ id, role, text, createdAt, clientMsgId, metadata }) => ({
        id,
        role,
        text,
        createdAt,
        ...(clientMsgId !== undefined ? { clientMsgId } : {}),
        ...(metadata ? { metadata } : {}),
      })),
      nextCursor,
    }
  }

  deleteThread(userId: string, threadId: string): Promise<void> {
    return this.#store.deleteThread(userId, threadId)
  }

  /**
   * Sends a user message: claims one of the user's runs (`TOO_MANY_RUNS` before anything is stored), checks the
   * thread is theirs, stores the message once per `clientMsgId`, acknowledges it, then starts the run (queued
   * behind the thread's others, `RUN_QUEUE_FULL` past the cap). A resend is acknowledged as a duplicate and
   * starts a run only when the message has no stored reply and none of this instance is on it: that is how a
   * client retries a send whose ack was lost or whose run failed.
   */
  async sendMessage(userId: string, outgoing: OutgoingMessage, hooks: SendHooks = {}): Promise<SendResult> {
    const { threadId, clientMsgId, text } = outgoing
    const releaseRun = this.#reserveRun(userId)
    let run: RunHandle | undefined
    try {
      if (hooks.follow) await hooks.follow()
      else await this.#store.getThread(userId, threadId)
      const { message, duplicate } = await this.#persist(threadId, clientMsgId, text)
      const answer = !duplicate || (await this.#needsRun(threadId, message.id))
      hooks.ack?.({ type: 'message.ack', threadId, clientMsgId, messageId: message.id, duplicate })
      if (answer) run = this.#startRun(threadId, message.id, releaseRun)
      return { messageId: message.id, duplicate, run }
    } finally {
      if (!run) releaseRun()
    }
  }

  async #persist(threadId: string, clientMsgId: string, text: string) {
    try {
      const { message, created } = await this.#store.addUserMessage(threadId, clientMsgId, text)
      return { message, duplicate: !created }
    } catch (error) {
      // The thread was deleted after its ownership was checked.
      if ((error as { code?: unknown }).code === '23503')
        throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
      throw error
    }
  }

  /**
   * Claims one of the user's concurrent runs, or throws `TOO_MANY_RUNS`. The release is called when the run
   * ends, or at once if no run starts. Idempotent.
   */
  #reserveRun(userId: string): () => void {
    const running = this.#runsByUser.get(userId) ?? 0
    if (running >= this.#maxRunsPerUser) {
      throw new BackendError(
        'TOO_MANY_RUNS',
        `at most ${this.#maxRunsPerUser} assistant runs at once per user; resend when one has finished`,
      )
    }
    this.#runsByUser.set(userId, running + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#runsByUser.get(userId) ?? 1) - 1
      if (left > 0) this.#runsByUser.set(userId, left)
      else this.#runsByUser.delete(userId)
    }
  }

  /**
   * Whether a resent message still needs its run: it has no stored reply and no run of this instance is on it —
   * its first send was stored but never acknowledged (a query timeout after the commit, a lost connection), or its
   * run failed.
   */
  async #needsRun(threadId: string, messageId: string): Promise<boolean> {
    if (this.runner.isAnswering(messageId)) return false
    return !(await this.#store.hasReply(threadId, messageId))
  }

  #startRun(threadId: string, replyTo: string, release: () => void): RunHandle {
    const handle = this.runner.start(threadId, replyTo)
    void handle.done.finally(release)
    return handle
  }
}
