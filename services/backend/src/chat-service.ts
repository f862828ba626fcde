import type { AssistantProvider } from './assistant.js'
import { AssistantRunner, type RunHandle, type RunnerLog } from './assistant-runner.js'
import { ChatStore, type Message, type Queryable } from './chat-store.js'
import { BackendError } from './errors.js'
import type { EventBus } from './event-bus.js'

/** The chat pipeline of the `services` phase: thread store, message store, assistant runner. */
export class ChatService {
  readonly store: ChatStore
  readonly runner: AssistantRunner
  readonly provider: AssistantProvider
  readonly #maxRunsPerUser: number
  readonly #runsByUser = new Map<string, number>()

  constructor(options: {
    db: Queryable
    /** Named prepared statements for the hot queries (see `ChatStore`). */
    preparedStatements?: boolean
    bus: EventBus
    provider: AssistantProvider
    historyMessages: number
    maxQueuedRunsPerThread: number
    deltaFlushMs: number
    /** Runs one user may have in flight or queued at once (`reserveRun`). Default: no cap. */
    maxRunsPerUser?: number
    log?: RunnerLog | undefined
  }) {
    this.store = new ChatStore(options.db, { prepared: options.preparedStatements ?? false })
    this.#maxRunsPerUser = options.maxRunsPerUser ?? Infinity
    this.provider = options.provider
    this.runner = new AssistantRunner({
      store: this.store,
      bus: options.bus,
      provider: options.provider,
      historyMessages: options.historyMessages,
      maxQueuedRunsPerThread: options.maxQueuedRunsPerThread,
      deltaFlushMs: options.deltaFlushMs,
      log: options.log,
    })
  }

  /**
   * Stores the user message (once per `clientMsgId`), then starts a run unless it was a resend. The caller
   * acknowledges between the two: `startRun` is separate so the ack always precedes `run.started`.
   */
  async persistUserMessage(
    userId: string,
    threadId: string,
    clientMsgId: string,
    text: string,
    options: { ownershipChecked: boolean },
  ): Promise<{ message: Message; duplicate: boolean }> {
    if (!options.ownershipChecked) await this.store.getThread(userId, threadId)
    try {
      const { message, created } = await this.store.addUserMessage(threadId, clientMsgId, text)
      return { message, duplicate: !created }
    } catch (error) {
      // The thread was deleted after this socket subscribed to it.
      if ((error as { code?: unknown }).code === '23503')
        throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
      throw error
    }
  }

  /**
   * Claims one of the user's concurrent runs, or throws `TOO_MANY_RUNS`. Pass the returned release to
   * `startRun` (it is called when the run ends), or call it yourself if no run starts. Idempotent.
   */
  reserveRun(userId: string): () => void {
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
   * run failed. A resend is how a client retries.
   */
  async needsRun(threadId: string, messageId: string): Promise<boolean> {
    if (this.runner.isAnswering(messageId)) return false
    return !(await this.store.hasReply(threadId, messageId))
  }

  startRun(threadId: string, replyTo: string, release?: () => void): RunHandle {
    const handle = this.runner.start(threadId, replyTo)
    if (release) void handle.done.finally(release)
    return handle
  }
}
