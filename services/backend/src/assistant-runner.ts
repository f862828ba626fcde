import { randomUUID } from 'node:crypto'
import type { RunEvent } from '@tarmac/protocol'
import { drain } from '@tarmac/startup'
import type { AssistantProvider, AssistantTurn } from './assistant.js'
import type { ChatStore, Message } from './chat-store.js'
import { DeltaBatcher } from './delta-batcher.js'
import { codeOf } from './errors.js'
import { threadTopic, type EventBus } from './event-bus.js'
import { ProviderError, RUN_FAILURE_MESSAGES, redactSecrets, type RunFailureCode } from './provider-error.js'
import { toStorableText } from './text-safety.js'

export type RunOutcome =
  | { readonly status: 'completed'; readonly runId: string; readonly message: Message }
  | {
      readonly status: 'failed'
      readonly runId: string
      readonly code: string
      /** What subscribers were told: a fixed sentence per code (`RUN_FAILURE_MESSAGES`). */
      readonly message: string
      /** For the server's own log and the startup self-test: the failure's secret-free summary. */
      readonly detail: string
    }

export interface RunHandle {
  readonly runId: string
  readonly done: Promise<RunOutcome>
}

/** Where failed runs are logged (pino fits). */
export interface RunnerLog {
  warn(object: object, message: string): void
}

const PROVIDER_CODES: ReadonlySet<string> = new Set([
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_ERROR',
  'PROVIDER_TIMEOUT',
])

/** A failed run's code: the provider's own, `RUN_ABORTED` when stopped, else `RUN_FAILED`. */
function failureCodeOf(error: unknown, aborted: boolean): RunFailureCode {
  if (aborted) return 'RUN_ABORTED'
  const code = codeOf(error)
  return PROVIDER_CODES.has(code) ? (code as RunFailureCode) : 'RUN_FAILED'
}

/** A thread's run queue: the run running (or the last one queued) and how many wait behind it. */
interface RunQueue {
  tail: Promise<unknown>
  waiting: number
}

/**
 * Runs the assistant on a thread: reads the recent history, streams the provider's answer as `run.delta`
 * events on the thread's topic, stores the reply, then publishes `run.completed` with the stored id — or
 * `run.failed` with a code. Runs of one thread go one at a time, in the order they were started (the next reads
 * the history the previous one wrote); at most `maxQueuedRunsPerThread` wait, a run beyond that fails at once
 * with `RUN_QUEUE_FULL`. Tracks runs in flight so shutdown can let them finish, then abort the rest.
 */
export class AssistantRunner {
  readonly #store: ChatStore
  readonly #bus: EventBus
  readonly #provider: AssistantProvider
  readonly #historyMessages: number
  readonly #log: RunnerLog | undefined
  readonly #maxQueuedRunsPerThread: number
  readonly #deltaFlushMs: number
  readonly #active = new Map<string, { controller: AbortController; done: Promise<RunOutcome> }>()
  readonly #queues = new Map<string, RunQueue>()
  /** The user messages a run of this instance is answering or will answer. */
  readonly #replying = new Set<string>()

  constructor(options: {
    store: ChatStore
    bus: EventBus
    provider: AssistantProvider
    historyMessages: number
    maxQueuedRunsPerThread: number
    /** Streamed pieces are merged into one `run.delta` per this many ms (0: one event per piece). */
    deltaFlushMs: number
    log?: RunnerLog | undefined
  }) {
    this.#store = options.store
    this.#bus = options.bus
    this.#provider = options.provider
    this.#historyMessages = options.historyMessages
    this.#maxQueuedRunsPerThread = options.maxQueuedRunsPerThread
    this.#deltaFlushMs = options.deltaFlushMs
    this.#log = options.log
  }

  get activeRuns(): number {
    return this.#active.size
  }

  /** Whether a run of this instance is answering `messageId`, or waits to. */
  isAnswering(messageId: string): boolean {
    return this.#replying.has(messageId)
  }

  /** Runs waiting behind another run of their thread. */
  get queuedRuns(): number {
    let waiting = 0
    for (const queue of this.#queues.values()) waiting += queue.waiting
    return waiting
  }

  /** Whether a run of this instance is on the thread, or waits to be. */
  isBusy(threadId: string): boolean {
    return this.#queues.has(threadId)
  }

  /**
   * Starts a run answering `replyTo` once the thread's previous runs are done; never rejects (a failure is an
   * outcome and a `run.failed` event). `runId` is the run lease's when the service holds one. `history` is the
   * thread's recent turns read when `replyTo` was stored, while no run was on the thread: used only if the
   * run starts at once (a run that waits reads the history its predecessors wrote).
   */
  start(
    threadId: string,
    replyTo: string,
    runId: string = randomUUID(),
    history?: readonly AssistantTurn[],
  ): RunHandle {
    const controller = new AbortController()
    const queue = this.#queues.get(threadId)
    const prefetched = queue ? undefined : history
    if (queue && queue.waiting >= this.#maxQueuedRunsPerThread) {
      const done = this.#refuse(runId, threadId, replyTo)
      return { runId, done }
    }
    const done = (async () => {
      if (queue) {
        queue.waiting++
        await queue.tail
        queue.waiting--
      }
      return this.#run(runId, threadId, replyTo, controller.signal, prefetched)
    })().finally(() => {
      this.#active.delete(runId)
      this.#replying.delete(replyTo)
      if (this.#queues.get(threadId)?.tail === done) this.#queues.delete(threadId)
    })
    this.#replying.add(replyTo)
    if (queue) queue.tail = done
    else this.#queues.set(threadId, { tail: done, waiting: 0 })
    this.#active.set(runId, { controller, done })
    return { runId, done }
  }

  async #refuse(runId: string, threadId: string, replyTo: string): Promise<RunOutcome> {
    const code = 'RUN_QUEUE_FULL'
    const message = `${this.#maxQueuedRunsPerThread} runs already wait on this thread; send again once they finish`
    await this.#publish(threadId, { type: 'run.failed', runId, threadId, replyTo, code, message }).catch(
      () => {},
    )
    return { status: 'failed', runId, code, message, detail: message }
  }

  async #run(
    runId: string,
    threadId: string,
    replyTo: string,
    signal: AbortSignal,
    prefetched: readonly AssistantTurn[] | undefined,
  ): Promise<RunOutcome> {
    const base = { runId, threadId }
    let index = 0
    const deltas = new DeltaBatcher(this.#deltaFlushMs, (delta) =>
      this.#publish(threadId, { type: 'run.delta', ...base, index: index++, delta }),
    )
    try {
      signal.throwIfAborted() // stopped while it waited behind another run of its thread
      await this.#publish(threadId, { type: 'run.started', ...base, replyTo })
      const history = prefetched ?? (await this.#store.recentTurns(threadId, this.#historyMessages))
      let text = ''
      for await (const raw of this.#provider.stream(history, signal)) {
        // Provider output is not ours to refuse: what Postgres cannot store becomes U+FFFD (NUL here; an
        // unpaired surrogate once the text is whole, since a pair may be split across two pieces).
        const piece = raw.replaceAll('\u0000', '\uFFFD')
        text += piece
        await deltas.push(piece)
      }
      await deltas.flush()
      signal.throwIfAborted()
      text = toStorableText(text)
      const message = await this.#store.addAssistantMessage(threadId, text, {
        ...this.#provider.metadata,
        runId,
        replyTo,
      })
      await this.#publish(threadId, {
        type: 'run.completed',
        ...base,
        messageId: message.id,
        // The stored reply: another instance's, when its run on the same message stored one first.
        text: message.text,
        metadata: message.metadata,
      })
      return { status: 'completed', runId, message }
    } catch (error) {
      deltas.discard()
      const code = failureCodeOf(error, signal.aborted)
      // Subscribers get the code and a fixed sentence; the log gets a summary without the provider's text
      // (status, its error type and code), and any key-like string in a message is redacted there too.
      const message = RUN_FAILURE_MESSAGES[code]
      const detail = redactSecrets(error instanceof Error ? error.message : String(error))
      const provider = error instanceof ProviderError ? error.summary : undefined
      // A ProviderError's message is a summary already; the service logger keeps an error's code and message.
      this.#log?.warn({ err: error, runId, threadId, code, provider }, 'assistant run failed')
      await this.#publish(threadId, { type: 'run.failed', ...base, code, message }).catch(() => {})
      return { status: 'failed', runId, code, message, detail }
    }
  }

  /** Every event of a run goes to its thread's topic, typed as the frame the thread's sockets receive. */
  #publish(threadId: string, event: RunEvent): Promise<void> {
    return this.#bus.publish(threadTopic(threadId), event)
  }

  /** Lets runs in flight finish for up to `drainMs`, then aborts the rest and waits for them to settle. */
  async stop(drainMs: number): Promise<void> {
    const all = () => Promise.all([...this.#active.values()].map((run) => run.done))
    await drain([all()], { timeoutMs: drainMs })
    for (const run of this.#active.values()) run.controller.abort(new Error('shutting down'))
    await all()
  }
}
