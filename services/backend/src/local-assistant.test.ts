import { describe, expect, it } from 'vitest'
import type { StartupReport } from '@tarmac/startup'
import type { PlatformState } from './assistant.js'
import { DeltaBatcher } from './delta-batcher.js'
import { describeStartup, localAnswer, streamWords, topicOf } from './local-assistant.js'

const report = {
  service: 'backend',
  state: 'degraded',
  currentPhase: null,
  startedAt: '2026-11-27T22:00:00.000Z',
  durationMs: 3120,
  deadlineMs: 120_000,
  failure: null,
  phases: [
    { name: 'init', parallel: false, state: 'completed', startedAt: '', durationMs: 15, components: [] },
    {
      name: 'database',
      parallel: false,
      state: 'completed',
      startedAt: '',
      durationMs: 3050,
      components: [
        {
          name: 'postgres',
          phase: 'database',
          critical: true,
          state: 'started',
          startedAt: '',
          durationMs: 3050,
          attempts: 3,
          errors: [{ attempt: 1, code: 'PG_ERR_TIMEOUT', message: 'slow', durationMs: 1000, at: '' }],
        },
      ],
    },
    {
      name: 'cache',
      parallel: false,
      state: 'completed',
      startedAt: '',
      durationMs: 5,
      components: [
        {
          name: 'redis',
          phase: 'cache',
          critical: false,
          state: 'degraded',
          startedAt: '',
          durationMs: 5,
          attempts: 2,
          errors: [{ attempt: 2, code: 'ECONNREFUSED', message: 'refused', durationMs: 1, at: '' }],
        },
      ],
    },
  ],
} as unknown as StartupReport

const state: PlatformState = {
  startup: () => report,
  database: () => ({ serverVersion: '15.4', embedded: false }),
  bus: () => 'in-process',
  connections: () => 2,
}

describe('the local assistant', () => {
  it('picks the topic from the question', () => {
    expect(topicOf('How healthy is the platform?')).toBe('status')
    expect(topicOf('is the database pool ok')).toBe('database')
    expect(topicOf('summarize this conversation')).toBe('conversation')
    expect(topicOf('write me a poem')).toBe('help')
  })

  it('describes the startup report: phases with durations, degraded and retried components', () => {
    const text = describeStartup(report)
    expect(text).toContain('Service backend is degraded; startup took 3120 ms.')
    expect(text).toContain('Phases: init 15 ms, database 3050 ms, cache 5 ms.')
    expect(text).toContain(
      'Component redis is degraded after 2 attempts, last error ECONNREFUSED (not a code I know) (refused).',
    )
    // Codes are explained with the fault model: whose move, where, what it means, what to do.
    expect(text).toContain(
      'Component postgres needed 3 attempts (first error PG_ERR_TIMEOUT — infrastructure/tcp: the connect or query did not finish within its timeout; what to do:',
    )
  })

  it('answers deterministically, from platform state', () => {
    const turns = [{ role: 'user' as const, text: 'status?' }]
    expect(localAnswer(turns, state)).toBe(localAnswer(turns, state))
    expect(localAnswer(turns, state)).toContain('Event bus: in-process. Open WebSocket connections: 2.')
    expect(localAnswer([{ role: 'user', text: 'database?' }], state)).toContain('serverVersion "15.4"')
    expect(localAnswer([{ role: 'user', text: 'a poem please' }], state)).toContain('not a language model')
  })
})

describe('the local assistant on a busy event loop', () => {
  it('streams its whole answer in two run.delta frames, not one per piece', async () => {
    const answer = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')
    // Other work on the loop: each turn of it takes longer than the batcher's window.
    let busyTurns = 0
    const busy = () => {
      const until = performance.now() + 30
      while (performance.now() < until);
      if (++busyTurns < 5) setImmediate(busy)
    }
    setImmediate(busy)
    const frames: string[] = []
    const deltas = new DeltaBatcher(25, async (delta) => void frames.push(delta))
    for await (const piece of streamWords(answer, 4, new AbortController().signal)) await deltas.push(piece)
    await deltas.flush()
    expect(frames.join('')).toBe(answer)
    expect(frames).toHaveLength(2)
  })
})
