import type { MessagePage, PageQuery, RunEvent, Thread, ThreadPage } from '@tarmac/protocol'
import type { AssistantProvider, AssistantTurn } from './assistant.js'
import { randomUUID } from 'node:crypto'
import { AssistantRunner, type RunHandle, type RunnerLog } from './assistant-runner.js'
import { LocalCapCounter, type CapCounter } from './cap-counter.js'
import { ChatStore, type Queryable } from './chat-store.js'
import { BackendError } from './errors.js'
import { threadTopic, type EventBus } from './event-bus.js'
import {
  RUN_LEASE_DEFAULTS,
  RunLeaseKeeper,
  newInstanceId,
  type RunLeaseTimings,
} from './run-lease-keeper.js'
import { RunLeases, type RunLease } from './run-leases.js'

/** One user following one thread, as a map key (ids hold no NUL). */
const followKey = (userId: string, threadId: string): string => `${userId}\u0000${threadId}`

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

/** A user message the server received, to store and answer (a `message.send` frame's fields). */
export interface InboundMessage {
  readonly threadId: string
  readonly clientMsgId: string
  readonly text: string
}

/** Receives a followed thread's run events, in publish order (the same object for every follower). */
export type RunEventListener = (event: RunEvent) => void

/** What the sender is acknowledged with (`message.ack`), and the run its message started here, if any. */
export interface SendResult {
  readonly messageId: string
  /** A resend of a `clientMsgId` already stored. */
  readonly duplicate: boolean
  /**
   * The run this instance started on the message; undefined for a resend already answered, or being answered by
   * a live run of any instance (a sender that follows the thread gets that run's events through `follow`).
   */
  readonly run: RunHandle | undefined
}

/**
 * The chat use cases of the `services` phase — create, list, read and delete threads, follow a thread's run
 * events, send a message and run the assistant on it — over the thread store, the bus and the runner. Every call
 * is scoped to a user: another user's thread is `THREAD_NOT_FOUND`. Transports (the WebSocket connection, the
 * self-test) call it and are never called back, except through the listener they hand to `follow`.
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
  /** Followers by user and thread (`followKey`): a thread a user follows was checked to be theirs. */
  readonly #followers = new Map<string, number>()
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

  /**
   * Follows the user's thread: `listener` gets every run event published on it from the moment the returned
   * promise resolves (any instance's runs, through the bus) until the returned unsubscribe is called. Checks the
   * thread is the user's first (`THREAD_NOT_FOUND`). Follow before `sendMessage` to see the run it starts.
   */
  async follow(userId: string, threadId: string, listener: RunEventListener): Promise<() => void> {
    await this.#store.getThread(userId, threadId)
    const unsubscribe = await this.#bus.subscribe(threadTopic(threadId), (event) => {
      if (event.type !== 'self-test') listener(event)
    })
    const key = followKey(userId, threadId)
    this.#followers.set(key, (this.#followers.get(key) ?? 0) + 1)
    let followed = true
    return () => {
      if (!followed) return
      followed = false
      unsubscribe()
      const left = (this.#followers.get(key) ?? 1) - 1
      if (left === 0) this.#followers.delete(key)
      else this.#followers.set(key, left)
    }
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
   * thread is theirs, stores the message once per `clientMsgId`, takes the message's run lease,
   * then starts the run (queued behind the thread's others, `RUN_QUEUE_FULL` past the cap). A resend is
   * acknowledged as a duplicate and starts a run only when the message has no stored reply and no live run of
   * any instance holds its lease: that is how a client retries a send whose ack was lost or whose run failed.
   * While a run is alive the resend attaches to it (a sender that follows the thread gets its events).
   * The ownership check is skipped when the user follows the thread (`follow` made it). The run starts before
   * this resolves, so its first events may reach followers before the caller resumes: a transport that
   * acknowledges the send holds them until it has (see `WsConnection`).
   */
  async sendMessage(userId: string, inbound: InboundMessage): Promise<SendResult> {
    const { threadId } = inbound
    const releaseRun = await this.#reserveRun(userId)
    let run: RunHandle | undefined
    const intake = this.#enterIntake(threadId)
    try {
      if (!this.#followers.has(followKey(userId, threadId))) await this.#store.getThread(userId, threadId)
      // The history read with the message is the run's context only if no run of this instance is on the thread
      // now and no other send to it overlaps this one: either may store what the read cannot see.
      const quiet = !this.runner.isBusy(threadId) && intake.sends === 1
      const runId = randomUUID()
      const { message, duplicate, history } = await this.#persist(userId, inbound, runId)
      // The lease before returning (the sender's ack): an acknowledged message always has a durable run (or a
      // reply), so an instance that dies right after the ack leaves a lease that another instance takes over. A new
      // message's lease is written in its own statement; a resend's is taken only if no run is on it and no reply
      // is stored.
      const lease = duplicate
        ? await this.#leaseForResend(userId, threadId, message.id)
        : { messageId: message.id, threadId, userId, runId, attempts: 1 }
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

  async #persist(userId: string, { threadId, clientMsgId, text }: InboundMessage, runId: string) {
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
  #startRun(lease: RunLease, release: () => void, history?: readonly AssistantTurn[]): RunHandle {
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
