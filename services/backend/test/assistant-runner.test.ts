import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunEvent } from '@tarmac/protocol'
import { createTestDatabase, type TestDatabase, until } from '@tarmac/testing'
import { AssistantRunner, type RunnerLog } from '../src/assistant-runner.js'
import { ChatStore } from '../src/chat-store.js'
import { createInProcessBus, threadTopic } from '../src/event-bus.js'
import { MIGRATIONS_DIR } from '../src/index.js'
import { ScriptedProvider } from './support/scripted-provider.js'

/**
 * The runner as a unit, on real Postgres and the in-process bus. The provider is scripted (it stands in for
 * a remote LLM): each stream waits for the test to release it, so the test decides when a run ends.
 */

let db: TestDatabase
let pool: pg.Pool
beforeAll(async () => {
  db = await createTestDatabase('backend_runner')
  pool = new pg.Pool({ connectionString: db.url, max: 4 })
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    await pool.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
})
afterAll(async () => {
  await pool?.end()
  await db?.drop()
})

async function setUp(options: { maxQueuedRunsPerThread?: number } = {}) {
  const store = new ChatStore(pool)
  const bus = createInProcessBus()
  const provider = new ScriptedProvider()
  const warnings: { object: object; message: string }[] = []
  const log: RunnerLog = { warn: (object, message) => warnings.push({ object, message }) }
  const runner = new AssistantRunner({
    store,
    bus,
    provider,
    historyMessages: 20,
    maxQueuedRunsPerThread: options.maxQueuedRunsPerThread ?? 8,
    deltaFlushMs: 0,
    log,
  })
  const thread = await store.createThread('user-1', 'runner test')
  const events: RunEvent[] = []
  await bus.subscribe(threadTopic(thread.id), (event) => {
    if (event.type !== 'self-test') events.push(event)
  })
  const ask = async (text: string) => {
    const { message } = await store.addUserMessage(thread.id, crypto.randomUUID(), text)
    return runner.start(thread.id, message.id)
  }
  return { store, runner, provider, thread, events, ask, warnings }
}

describe('AssistantRunner (a scripted provider stands in for the LLM)', () => {
  it('runs one run per thread at a time, in order, each reading the reply before it', async () => {
    const { runner, provider, events, ask } = await setUp()
    const first = await ask('one')
    const second = await ask('two')
    await until(() => provider.waiting === 1)
    // The second run has not started: no run.started for it, and it is counted as queued.
    expect(events.filter((e) => e.type === 'run.started').map((e) => e.runId)).toEqual([first.runId])
    expect(runner.queuedRuns).toBe(1)
    provider.release()
    expect((await first.done).status).toBe('completed')
    await until(() => provider.waiting === 1)
    // The second run saw the first one's stored reply in its history.
    expect(provider.seen[1]!.map((turn) => turn.text)).toEqual(['one', 'two', 'thinking answer 1'])
    provider.release()
    expect((await second.done).status).toBe('completed')
    expect(events.map((e) => `${String(e.type)}:${e.runId === first.runId ? 1 : 2}`)).toEqual([
      'run.started:1',
      'run.delta:1',
      'run.delta:1',
      'run.completed:1',
      'run.started:2',
      'run.delta:2',
      'run.delta:2',
      'run.completed:2',
    ])
    expect(runner.activeRuns).toBe(0)
    expect(runner.queuedRuns).toBe(0)
  })

  it('refuses a run beyond the queue bound with RUN_QUEUE_FULL, naming the message it answered', async () => {
    const { provider, events, ask } = await setUp({ maxQueuedRunsPerThread: 1 })
    const running = await ask('one')
    const queued = await ask('two')
    const refused = await ask('three')
    const outcome = await refused.done
    expect(outcome).toMatchObject({ status: 'failed', code: 'RUN_QUEUE_FULL' })
    const failed = events.find((e) => e.type === 'run.failed')
    expect(failed).toMatchObject({ runId: refused.runId, code: 'RUN_QUEUE_FULL' })
    expect(typeof failed!.replyTo).toBe('string')
    // The first run may still be reading its history: release it only once it waits on the provider.
    await until(() => provider.waiting === 1)
    provider.release()
    await until(() => provider.waiting === 1)
    provider.release()
    expect((await running.done).status).toBe('completed')
    expect((await queued.done).status).toBe('completed')
  })

  it('publishes deltas indexed 0, 1… that concatenate to the stored reply named by run.completed', async () => {
    const { store, provider, events, ask, thread } = await setUp()
    const run = await ask('one')
    await until(() => provider.waiting === 1)
    provider.release()
    const outcome = await run.done
    const deltas = events.flatMap((e) => (e.type === 'run.delta' ? [e] : []))
    expect(deltas.map((e) => e.index)).toEqual([0, 1])
    const completed = events.at(-1)
    expect(completed?.type === 'run.completed' && completed.text).toBe(deltas.map((e) => e.delta).join(''))
    const stored = await store.listMessages(thread.id, {})
    expect(stored.items.at(-1)).toMatchObject({
      id: outcome.status === 'completed' ? outcome.message.id : 'none',
      text: 'thinking answer 1',
      metadata: { provider: 'scripted', runId: run.runId },
    })
  })

  it('logs a failed run and publishes run.failed with a code', async () => {
    const { provider, events, ask, warnings } = await setUp()
    provider.failWith = new Error('the model fell over')
    const run = await ask('one')
    await until(() => provider.waiting === 1)
    provider.release()
    expect(await run.done).toMatchObject({ status: 'failed', code: 'RUN_FAILED' })
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', code: 'RUN_FAILED' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ message: 'assistant run failed', object: { code: 'RUN_FAILED' } })
  })

  it('on stop, aborts the running run and the queued ones without starting them', async () => {
    const { runner, provider, events, ask } = await setUp()
    const running = await ask('one')
    const queued = await ask('two')
    await until(() => provider.waiting === 1)
    await runner.stop(10)
    expect(await running.done).toMatchObject({ status: 'failed', code: 'RUN_ABORTED' })
    expect(await queued.done).toMatchObject({ status: 'failed', code: 'RUN_ABORTED' })
    expect(provider.seen).toHaveLength(1)
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1)
  })
})
