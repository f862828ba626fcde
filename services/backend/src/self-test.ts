import { isTransientPostgresError } from '@tarmac/postgres'
import type { Logger, ServingState } from '@tarmac/service'
import type { RunEvent } from '@tarmac/protocol'
import type { Component, ResourceHandle } from '@tarmac/startup'
import type { ChatService } from './chat-service.js'
import { BackendError } from './errors.js'

/** The synthetic user who owns the self-test thread; its thread is deleted at the end either way. */
export const SELF_TEST_USER_ID = '00000000-0000-4000-8000-000000000000'

export interface SelfTestResult {
  readonly durationMs: number
  readonly deltas: number
  readonly replyChars: number
}

const fail = (message: string, cause?: unknown): BackendError =>
  new BackendError('BACKEND_ERR_SELF_TEST_FAILED', message, cause === undefined ? undefined : { cause })

/**
 * The `finalize` phase: a whole chat round trip through the real pipeline — store a user message, run the
 * assistant with its events going through the bus, read the reply back from the database, clean up. Only
 * when it passes is the backend ready: "the process is up" is not "chat works".
 */
export async function chatRoundTrip(chat: ChatService, signal: AbortSignal): Promise<SelfTestResult> {
  const startedMs = performance.now()
  const thread = await chat.createThread(SELF_TEST_USER_ID, 'startup self-test')
  const events: RunEvent[] = []
  let completedSeen: () => void = () => {}
  const completed = new Promise<void>((resolve) => (completedSeen = resolve))
  const unsubscribe = await chat.follow(SELF_TEST_USER_ID, thread.id, (event) => {
    events.push(event)
    if (event.type === 'run.completed' || event.type === 'run.failed') completedSeen()
  })
  try {
    const sent = await chat.sendMessage(SELF_TEST_USER_ID, {
      threadId: thread.id,
      clientMsgId: 'self-test',
      text: 'status',
    })
    if (!sent.run) throw fail('the self-test message started no run')
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    )
    aborted.catch(() => {}) // only raced; an abort after success is not an error
    const outcome = await Promise.race([sent.run.done, aborted])
    if (outcome.status === 'failed') {
      throw fail(
        `the assistant (${chat.provider.name}) failed the round trip: ${outcome.code} — ${outcome.detail}`,
      )
    }
    await Promise.race([completed, aborted])
    const deltas = events.filter((event) => event.type === 'run.delta').length
    if (events[0]?.type !== 'run.started' || deltas === 0 || events.at(-1)?.type !== 'run.completed') {
      throw fail(`run events arrived out of order: ${events.map((event) => String(event.type)).join(', ')}`)
    }
    const stored = await chat.history(SELF_TEST_USER_ID, thread.id, { limit: 10 })
    const reply = stored.items.find((item) => item.id === outcome.message.id)
    if (stored.items[0]?.id !== sent.messageId || !reply || reply.role !== 'assistant' || reply.text === '') {
      throw fail('the reply could not be read back from the database')
    }
    return { durationMs: Math.round(performance.now() - startedMs), deltas, replyChars: reply.text.length }
  } finally {
    unsubscribe()
    await chat.deleteThread(SELF_TEST_USER_ID, thread.id).catch(() => {})
  }
}

/** What `finalize` reads, and the readiness gate it opens. */
export interface SelfTestInputs {
  readonly chat: ResourceHandle<ChatService>
  readonly gate: { set(state: ServingState): void }
  readonly timeoutMs: number
  readonly log: Logger
}

/** `finalize`: the chat round trip; once it passed the gate lets traffic in, and on stop it shuts it again. */
export function createSelfTestComponent(inputs: SelfTestInputs): Component<SelfTestResult> {
  return {
    name: 'self-test',
    phase: 'finalize',
    timeoutMs: inputs.timeoutMs,
    // A database that is merely full or restarting (53300, 57P03, a reset) is retried under the deadline.
    retry: { baseMs: 250, capMs: 5_000, retryable: isTransientPostgresError },
    async start({ signal }) {
      const result = await chatRoundTrip(inputs.chat.get(), signal)
      inputs.log.info(result, 'chat round trip self-test passed')
      inputs.gate.set('serving')
      return result
    },
    stop: () => inputs.gate.set('stopping'),
  }
}
