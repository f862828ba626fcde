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

  constructor(options: {
    db: Queryable
    bus: EventBus
    provider: AssistantProvider
    historyMessages: number
    maxQueuedRunsPerThread: number
    deltaFlushMs: number
    log?: RunnerLog | undefined
  }) {
    this.store = new ChatStore(options.db)
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

  startRun(threadId: string, replyTo: string): RunHandle {
    return this.runner.start(threadId, replyTo)
  }
}
