import fc from 'fast-check'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isRetryableErrorCode } from '@tarmac/protocol'
import { fuzzSettings } from '@tarmac/testing'
import { ChatConnection } from '../app/chat/chat-connection.js'
import { chatReducer, type ChatState } from '../app/chat/chat-machine.js'
import { FakeSocket } from './fake-socket.js'

// Property-based fuzzing of the web client's frame handling: the real ChatConnection and reducer, a fake socket
// and fake timers, and a server played by the test that answers (or not) in any order — acks, error frames with
// and without `ref` (retryable and final codes, with and without the `retryable` field), run events, socket drops
// and reconnects, a message stored although its send was refused. Safety, after every step: no message is shown
// twice, and every message is sent, failed with a retry the user can take, or pending with a send or a timer
// ahead of it. Liveness, at the end: once the server behaves, every message ends sent or failed; retried, every
// one ends sent; and a reload shows each stored message once. Seed fixed under CI, random elsewhere (printed).
const FUZZ = fuzzSettings(300)

const CODES = [
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'TOO_MANY_RUNS',
  'INTERNAL',
  'SERVICE_STOPPING',
  'THREAD_NOT_FOUND',
  'INVALID_FRAME',
  'FRAME_TOO_LARGE',
] as const

type Step =
  | { kind: 'send' }
  | { kind: 'accept' }
  | { kind: 'ack'; pick: number }
  | { kind: 'error'; pick: number; code: string; withRef: boolean; withRetryable: boolean; stored: boolean }
  | { kind: 'errorWithoutRef'; code: string }
  | { kind: 'run'; pick: number; end: 'completed' | 'failed' | 'none' }
  | { kind: 'drop'; code: 1001 | 1006 | 1013 | 4401 }
  | { kind: 'advance'; ms: number }
  | { kind: 'retryFailed'; pick: number }

const pick = fc.nat({ max: 1_000 })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'send' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'accept' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ack' as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('error' as const),
      pick,
      code: fc.constantFrom(...CODES),
      withRef: fc.boolean(),
      withRetryable: fc.boolean(),
      stored: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('errorWithoutRef' as const), code: fc.constantFrom(...CODES) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      pick,
      end: fc.constantFrom('completed' as const, 'failed' as const, 'none' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('drop' as const),
      code: fc.constantFrom(1001, 1006, 1013, 4401),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retryFailed' as const), pick }) },
)

/** The server the test plays: what it stored (its history), and which sends of the current socket it answered. */
function createWorld() {
  const sockets: FakeSocket[] = []
  const stored = new Map<string, { id: string; text: string }>()
  const answered = new WeakMap<FakeSocket, Set<number>>()
  let runs = 0
  let sent = 0
  const connection = new ChatConnection({
    url: 'ws://fuzz/ws',
    token: () => 'tok',
    createSocket: (_url, protocols) => {
      const socket = new FakeSocket(protocols)
      sockets.push(socket)
      return socket
    },
    loadHistory: async () =>
      [...stored].map(([clientMsgId, { id, text }]) => ({ id, role: 'user' as const, text, clientMsgId })),
    refreshToken: async () => true,
    backoff: { baseMs: 500, capMs: 10_000 },
    retryBackoff: { baseMs: 1_000, capMs: 30_000 },
    random: () => 0.5,
  })
  const current = () => sockets.at(-1)
  const open = () => (current()?.readyState === 1 ? current() : undefined)
  /** The current socket's sends not answered yet, oldest first, with their index. */
  const unanswered = (socket: FakeSocket) => {
    const done = answered.get(socket) ?? new Set<number>()
    answered.set(socket, done)
    return socket
      .sends()
      .map((frame, index) => ({ frame, index }))
      .filter(({ index }) => !done.has(index))
  }
  const store = (clientMsgId: string, text: string) => {
    const existing = stored.get(clientMsgId)
    if (existing) return { id: existing.id, duplicate: true }
    const id = `m-${clientMsgId}`
    stored.set(clientMsgId, { id, text })
    return { id, duplicate: false }
  }
  const ack = (socket: FakeSocket, frame: Record<string, unknown>) => {
    const clientMsgId = String(frame.clientMsgId)
    const { id, duplicate } = store(clientMsgId, String(frame.text))
    socket.receive({ type: 'message.ack', threadId: 't1', clientMsgId, messageId: id, duplicate })
  }
  return {
    connection,
    stored,
    sockets,
    async apply(s: Step): Promise<void> {
      const socket = open()
      switch (s.kind) {
        case 'send':
          connection.send(`message ${sent}`, `c${sent++}`)
          break
        case 'accept':
          if (current()?.readyState === 0) current()!.accept()
          break
        case 'ack': {
          const waiting = socket ? unanswered(socket) : []
          const chosen = waiting[s.pick % Math.max(waiting.length, 1)]
          if (!socket || !chosen) break
          answered.get(socket)!.add(chosen.index)
          ack(socket, chosen.frame)
          break
        }
        case 'error': {
          const waiting = socket ? unanswered(socket) : []
          const chosen = waiting[s.pick % Math.max(waiting.length, 1)]
          if (!socket || !chosen) break
          answered.get(socket)!.add(chosen.index)
          // A refusal after the write committed (a query timeout): stored all the same.
          if (s.stored) store(String(chosen.frame.clientMsgId), String(chosen.frame.text))
          socket.receive({
            type: 'error',
            code: s.code,
            message: s.code,
            ...(s.withRef && { ref: chosen.frame.clientMsgId }),
            ...(s.withRetryable && { retryable: isRetryableErrorCode(s.code) }),
          })
          break
        }
        case 'errorWithoutRef':
          socket?.receive({ type: 'error', code: s.code, message: s.code })
          break
        case 'run': {
          const messages = [...stored.values()]
          const target = messages[s.pick % Math.max(messages.length, 1)]
          if (!socket || !target) break
          const runId = `r${runs++}`
          socket.receive({ type: 'run.started', runId, threadId: 't1', replyTo: target.id })
          socket.receive({ type: 'run.delta', runId, threadId: 't1', index: 0, delta: 'Hi' })
          if (s.end === 'completed')
            socket.receive({
              type: 'run.completed',
              runId,
              threadId: 't1',
              messageId: `a-${runId}`,
              text: 'Hi',
            })
          if (s.end === 'failed')
            socket.receive({
              type: 'run.failed',
              runId,
              threadId: 't1',
              code: 'PROVIDER_ERROR',
              message: 'x',
            })
          break
        }
        case 'drop':
          if (current() && current()!.readyState !== 3) current()!.drop(s.code)
          break
        case 'advance':
          await vi.advanceTimersByTimeAsync(s.ms)
          break
        case 'retryFailed': {
          const failed = connection.state.messages.filter((m) => m.role === 'user' && m.status === 'failed')
          const chosen = failed[s.pick % Math.max(failed.length, 1)]
          if (chosen?.clientMsgId !== undefined) {
            reached.retriedFromFailed++
            connection.retry(chosen.clientMsgId)
          }
          break
        }
      }
      await vi.advanceTimersByTimeAsync(0) // history loads and token refreshes settle
    },
    /** The server behaves from now on: accepts, acks every send, lets time pass. */
    async behave(rounds: number): Promise<void> {
      for (let round = 0; round < rounds; round++) {
        if (current()?.readyState === 0) current()!.accept()
        const socket = open()
        if (socket)
          for (const { frame, index } of unanswered(socket)) {
            answered.get(socket)!.add(index)
            ack(socket, frame)
          }
        await vi.advanceTimersByTimeAsync(0)
        if (settled(connection.state) && (!socket || unanswered(socket).length === 0)) return
        await vi.advanceTimersByTimeAsync(30_000)
      }
    },
  }
}

const userMessages = (state: ChatState) => state.messages.filter((m) => m.role === 'user')
const settled = (state: ChatState) =>
  userMessages(state).every((m) => m.status === 'sent' || m.status === 'failed')

/** What the fuzzing reached (steps in each situation): shows it got past the easy paths. */
const reached = { waiting: 0, failed: 0, retriedFromFailed: 0, sendingWhileClosed: 0, storedCopyJoined: 0 }

/** The safety property, after every step: nothing shown twice, and no message without a way forward. */
function checkSafety(connection: ChatConnection): void {
  const state = connection.state
  for (const m of userMessages(state)) {
    if (m.waiting) reached.waiting++
    if (m.status === 'failed') reached.failed++
    if (m.status === 'sending' && state.connection !== 'open') reached.sendingWhileClosed++
    if (m.status === 'sent' && state.outbox.includes(m.clientMsgId!)) reached.storedCopyJoined++
  }
  const clientIds = state.messages.flatMap((m) => (m.clientMsgId === undefined ? [] : [m.clientMsgId]))
  expect(new Set(clientIds).size, 'a clientMsgId shown twice').toBe(clientIds.length)
  const ids = state.messages.flatMap((m) => (m.id === null ? [] : [m.id]))
  expect(new Set(ids).size, 'a stored message shown twice').toBe(ids.length)
  for (const message of userMessages(state)) {
    const id = message.clientMsgId!
    if (message.status === 'failed') {
      const retried = chatReducer(state, { type: 'retry', clientMsgId: id })
      expect(retried.outbox, `failed ${id} cannot be retried`).toContain(id)
      continue
    }
    if (message.status !== 'sending') continue
    expect(state.outbox, `sending ${id} is in no outbox`).toContain(id)
    if (message.waiting) expect(connection.hasTimerFor(id), `waiting ${id} has no backoff timer`).toBe(true)
    else if (state.connection === 'open')
      expect(connection.hasTimerFor(id), `sending ${id} has no ack deadline`).toBe(true)
    else
      expect(
        ['connecting', 'reconnecting', 'unavailable'],
        `sending ${id} while ${state.connection}`,
      ).toContain(state.connection)
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

let runs = 0
afterAll(() => {
  console.log(
    `chat client fuzz: seed ${FUZZ.seed} (${FUZZ.seedFrom}), ${runs} runs; replay with ${FUZZ.replay}; ` +
      `steps reaching ${JSON.stringify(reached)}`,
  )
})

describe('chat client frame handling (fast-check, fake socket and timers)', () => {
  it('never leaves a message stuck or shown twice, whatever the server sends in whatever order', async () => {
    const details = await fc.check(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 80, size: 'large' }), async (steps) => {
        runs++
        const world = createWorld()
        try {
          world.connection.connect()
          world.connection.openThread('t1')
          world.sockets[0]!.accept()
          for (const s of steps) {
            await world.apply(s)
            checkSafety(world.connection)
          }
          // Liveness: a server that behaves settles every message, sent or failed…
          await world.behave(40)
          checkSafety(world.connection)
          expect(settled(world.connection.state), 'a message still pending once the server behaves').toBe(
            true,
          )
          // …every failed one, retried, is sent…
          for (const m of userMessages(world.connection.state))
            if (m.status === 'failed') world.connection.retry(m.clientMsgId!)
          await world.behave(40)
          expect(userMessages(world.connection.state).map((m) => m.status)).toEqual(
            userMessages(world.connection.state).map(() => 'sent'),
          )
          // …and a reload (a reconnect reloads the thread) shows each stored message once.
          world.sockets.at(-1)!.drop(1006)
          await world.behave(5)
          const shown = userMessages(world.connection.state)
          expect(shown.map((m) => m.clientMsgId).sort()).toEqual([...world.stored.keys()].sort())
          expect(shown.every((m) => m.id === world.stored.get(m.clientMsgId!)?.id)).toBe(true)
        } finally {
          world.connection.close()
          vi.clearAllTimers()
        }
      }),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns, ...(FUZZ.path !== undefined && { path: FUZZ.path }) },
    )
    if (details.failed) {
      throw new Error(
        `property failed — replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}\n` +
          `counterexample: ${fc.stringify(details.counterexample)}\n${String(details.errorInstance)}`,
      )
    }
    expect(runs, `runs of seed ${FUZZ.seed}`).toBeGreaterThanOrEqual(FUZZ.minRuns)
    if (FUZZ.path === undefined)
      for (const [situation, steps] of Object.entries(reached)) expect(steps, situation).toBeGreaterThan(0)
  })
})
