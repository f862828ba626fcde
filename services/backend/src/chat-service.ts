import type { MessageAckFrame, MessagePage, PageQuery, Thread, ThreadPage } from '@tarmac/protocol'
import type { AssistantProvider } from './assistant.js'
import { randomUUID } from 'node:crypto'
import { AssistantRunner, type RunHandle, type RunnerLog } from './assistant-runner.js'
import { LocalCapCounter, type CapCounter } from './cap-counter.js'
import { ChatStore, type Message, type Queryable } from './chat-store.js'
import { BackendError } from './errors.js'
import { threadTopic, type EventBus } from './event-bus.js'
import {
  RUN_LEASE_DEFAULTS,
  RunLeaseKeeper,
  newInstanceId,
  type RunLeaseTimings,
} from './run-lease-keeper.js'
import { RunLeases, type RunLease } from './run-leases.js'

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
  /** Where the per-user run cap is counted: this instance (default) or the fleet (Redis). */
  runCaps?: CapCounter
  /** The run leases: this instance's name in them (default: `newInstanceId()`), their length and timers. */
  leases?: Partial<RunLeaseTimings> & { readonly instanceId?: string }
  log?: (RunnerLog & { info(object: object, message: string): void }) | undefined
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
  /**
   * The run this instance started on the message; undefined for a resend already answered, or being answered by
   * a live run of any instance (the sender follows the thread, so that run's events reach it through the bus).
   */
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
  readonly leases: RunLeases
  readonly #store: ChatStore
  readonly #bus: EventBus
  readonly #maxRunsPerUser: number
  readonly #historyMessages: number
  /** Threads with a send in progress on this instance (see `sendMessage`). */
  readonly #intake = new Map<string, { sends: number; overlapped: boolean }>()
  readonly #runCaps: CapCounter
  readonly #keeper: RunLeaseKeeper
  readonly #log: ChatServiceOptions['log']

  constructor(options: ChatServiceOptions) {
    this.#store = new ChatStore(options.db, { prepared: options.preparedStatements ?? false })
    this.#bus = options.bus
    this.#maxRunsPerUser = options.maxRunsPerUser ?? Infinity
    this.#historyMessages = options.historyMessages
    this.#runCaps = options.runCaps ?? new LocalCapCounter()
    this.#log = options.log
    const timings = { ...RUN_LEASE_DEFAULTS, ...options.leases }
    this.leases = new RunLeases(options.db, {
      instanceId: options.leases?.instanceId ?? newInstanceId(),
      leaseMs: timings.leaseMs,
    })
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
    this.#keeper = new RunLeaseKeeper(this.leases, timings, {
      takeOver: (lease) => this.#takeOver(lease),
      abandon: (lease) => this.#abandon(lease),
      log: options.log,
    })
  }

  /** Shutdown: stops taking runs over, lets runs in flight finish for `drainMs`, hands the rest over. */
  async stop(drainMs: number): Promise<void> {
    this.#keeper.stopTakingOver()
    try {
      await this.runner.stop(drainMs)
    } finally {
      this.#keeper.stop()
    }
    await this.#keeper.settled()
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
   * thread is theirs, stores the message once per `clientMsgId`, takes the message's run lease, acknowledges it,
   * then starts the run (queued behind the thread's others, `RUN_QUEUE_FULL` past the cap). A resend is
   * acknowledged as a duplicate and starts a run only when the message has no stored reply and no live run of
   * any instance holds its lease: that is how a client retries a send whose ack was lost or whose run failed.
   * While a run is alive the resend attaches to it (the sender follows the thread; the events come on the bus).
   */
  async sendMessage(userId: string, outgoing: OutgoingMessage, hooks: SendHooks = {}): Promise<SendResult> {
    const { threadId, clientMsgId } = outgoing
    const releaseRun = await this.#reserveRun(userId)
    let run: RunHandle | undefined
    const intake = this.#enterIntake(threadId)
    try {
      if (hooks.follow) await hooks.follow()
      else await this.#store.getThread(userId, threadId)
      // The history read with the message is the run's context only if no run of this instance is on the thread
      // now and no other send to it overlaps this one: either may store what the read cannot see.
      const quiet = !this.runner.isBusy(threadId) && intake.sends === 1
      const runId = randomUUID()
      const { message, duplicate, history } = await this.#persist(userId, outgoing, runId)
      // The lease before the ack: an acknowledged message always has a durable run (or a reply), so an instance
      // that dies right after the ack leaves a lease that another instance takes over. A new message's lease is
      // written in its own statement; a resend's is taken only if no run is on it and no reply is stored.
      const lease = duplicate
        ? await this.#leaseForResend(userId, threadId, message.id)
        : { messageId: message.id, threadId, userId, runId, attempts: 1 }
      hooks.ack?.({ type: 'message.ack', threadId, clientMsgId, messageId: message.id, duplicate })
      if (lease) run = this.#startRun(lease, releaseRun, quiet && !intake.overlapped ? history : undefined)
      return { messageId: message.id, duplicate, run }
    } finally {
      if (!run) releaseRun()
      if (--intake.sends === 0) this.#intake.delete(threadId)
    }
  }

  /** Counts a send to the thread from its ownership check to its run's start; marks overlapping sends. */
  #enterIntake(threadId: string): { sends: number; overlapped: boolean } {
    let intake = this.#intake.get(threadId)
    if (!intake) this.#intake.set(threadId, (intake = { sends: 0, overlapped: false }))
    if (++intake.sends > 1) intake.overlapped = true
    return intake
  }

  async #persist(userId: string, { threadId, clientMsgId, text }: OutgoingMessage, runId: string) {
    try {
      const { message, created, history } = await this.#store.addUserMessage(threadId, clientMsgId, text, {
        lease: { userId, runId, ownerInstance: this.leases.instanceId, leaseMs: this.leases.leaseMs },
        historyMessages: this.#historyMessages,
      })
      return { message, duplicate: !created, history }
    } catch (error) {
      // The thread was deleted after its ownership was checked.
      if ((error as { code?: unknown }).code === '23503')
        throw new BackendError('THREAD_NOT_FOUND', 'no such thread')
      throw error
    }
  }

  /**
   * The run lease of a resent message that needs a run, or undefined. It is taken only when no run of this
   * instance is on it, no reply is stored and no live run holds the lease; the reply is checked again once the
   * lease is held, since a run that just ended may have stored its reply between the check and the lease.
   */
  async #leaseForResend(userId: string, threadId: string, messageId: string): Promise<RunLease | undefined> {
    if (this.runner.isAnswering(messageId)) return undefined
    if (await this.#store.hasReply(threadId, messageId)) return undefined
    const lease = await this.leases.acquire({ messageId, threadId, userId, runId: randomUUID() })
    if (!lease) return lease
    if (!(await this.#store.hasReply(threadId, messageId))) return lease
    await this.leases.release(lease)
    return undefined
  }

  /**
   * Claims one of the user's concurrent runs, or throws `TOO_MANY_RUNS`. The release is called when the run
   * ends, or at once if no run starts. Idempotent.
   */
  async #reserveRun(userId: string, force = false): Promise<() => void> {
    if (!(await this.#runCaps.claim(userId, force ? Infinity : this.#maxRunsPerUser))) {
      throw new BackendError(
        'TOO_MANY_RUNS',
        `at most ${this.#maxRunsPerUser} assistant runs at once per user; resend when one has finished`,
      )
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.#runCaps.release(userId)
    }
  }

  /** Runs a lease this instance holds; the lease is renewed while the run lives and let go when it ends. */
  #startRun(lease: RunLease, release: () => void, history?: readonly Message[]): RunHandle {
    const handle = this.runner.start(lease.threadId, lease.messageId, lease.runId, history)
    this.#keeper.hold(lease, handle.done)
    void handle.done.finally(release)
    return handle
  }

  /** A lease whose instance died: the run starts again here, unless the dead run stored its reply first. */
  async #takeOver(lease: RunLease): Promise<void> {
    if (await this.#store.hasReply(lease.threadId, lease.messageId)) {
      await this.leases.release(lease)
      return
    }
    // Not refused by the user's cap: the run was admitted once, by the instance that died.
    const release = await this.#reserveRun(lease.userId, true)
    this.#log?.info(
      { runId: lease.runId, threadId: lease.threadId, attempts: lease.attempts },
      'assistant run taken over from an expired lease',
    )
    this.#startRun(lease, release)
  }

  /** A message whose runs died with their instances `maxAttempts` times: its followers get `run.failed`. */
  async #abandon(lease: RunLease): Promise<void> {
    this.#log?.warn({ runId: lease.runId, threadId: lease.threadId }, 'assistant run abandoned')
    await this.#bus.publish(threadTopic(lease.threadId), {
      type: 'run.failed',
      runId: lease.runId,
      threadId: lease.threadId,
      replyTo: lease.messageId,
      code: 'RUN_FAILED',
      message: `the run died with its instance ${lease.attempts} times; resend to try again`,
    })
  }
}
