import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffWindowMs, createStartup, StartupError } from './index.js'
import type { StartupEvent } from './index.js'
import { seededRandom } from '@tarmac/testing'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

class FlakyError extends Error {
  readonly code = 'FLAKY'
}

/** Settles `promise` while fake time runs, and returns its outcome without throwing. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  await vi.runAllTimersAsync()
  return outcome
}

describe('per-attempt timeout', () => {
  it('aborts the signal passed to start, and records the timeout as the attempt error', async () => {
    let seenSignal: AbortSignal | undefined
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({
      name: 'hang',
      phase: 'a',
      timeoutMs: 1000,
      start: ({ signal }) => {
        seenSignal = signal
        return new Promise(() => {})
      },
    })
    const { error } = await settle(startup.run())
    expect(seenSignal?.aborted).toBe(true)
    expect((seenSignal?.reason as StartupError).code).toBe('STARTUP_ERR_ATTEMPT_TIMEOUT')
    expect(error).toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED' })
    const record = startup.report().phases[0]!.components[0]!
    expect(record.errors).toEqual([
      expect.objectContaining({ attempt: 1, code: 'STARTUP_ERR_ATTEMPT_TIMEOUT', durationMs: 1000 }),
    ])
  })

  it('stops a resource that arrives after its attempt was abandoned', async () => {
    const stopped: string[] = []
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    const late = startup.add({
      name: 'late',
      phase: 'a',
      timeoutMs: 100,
      retry: { maxAttempts: 2, baseMs: 1, capMs: 1 },
      // Ignores its signal: the first attempt's connection shows up at 250 ms, long after its timeout.
      start: ({ attempt }) =>
        new Promise<string>((resolve) =>
          setTimeout(() => resolve(`conn-${attempt}`), attempt === 1 ? 250 : 10),
        ),
      stop: (resource) => void stopped.push(resource),
    })
    const events: StartupEvent[] = []
    startup.on((event) => events.push(event))
    const { value } = await settle(startup.run())
    expect(value?.state).toBe('started')
    expect(late.get()).toBe('conn-2')
    expect(stopped).toEqual(['conn-1'])
    expect(events.some((event) => event.type === 'component.late-resource.stopped')).toBe(true)
  })
})

describe('retries', () => {
  it('sleeps within the full-jitter bounds between attempts (seeded randomness)', async () => {
    const delays: number[] = []
    const startup = createStartup({
      name: 'svc',
      phases: ['a'],
      random: seededRandom(1),
      deadlineMs: 10_000_000,
    })
    startup.on((event) => event.type === 'component.retry.scheduled' && delays.push(event.delayMs!))
    startup.add({
      name: 'flaky',
      phase: 'a',
      retry: { baseMs: 100, capMs: 2000, maxAttempts: 12 },
      start: ({ attempt }) => {
        if (attempt < 12) throw new FlakyError('not yet')
        return 'ok'
      },
    })
    const { value } = await settle(startup.run())
    expect(value?.state).toBe('started')
    expect(delays).toHaveLength(11)
    delays.forEach((delayMs, retryIndex) => {
      expect(delayMs).toBeGreaterThanOrEqual(0)
      expect(delayMs).toBeLessThan(backoffWindowMs(retryIndex, 100, 2000))
    })
    const record = startup.report().phases[0]!.components[0]!
    expect(record.attempts).toBe(12)
    expect(record.errors.map((e) => e.code)).toEqual(Array(11).fill('FLAKY'))
    // Time spent is exactly attempts' sleeps: the engine adds no waiting of its own.
    expect(record.durationMs).toBe(delays.reduce((a, b) => a + b, 0))
  })

  it('stops at maxAttempts and fails with the last error as the cause', async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({
      name: 'db',
      phase: 'a',
      retry: { maxAttempts: 3, baseMs: 10, capMs: 10 },
      start: ({ attempt }) => {
        throw new FlakyError(`refused #${attempt}`)
      },
    })
    const { error } = await settle(startup.run())
    expect(error).toBeInstanceOf(StartupError)
    expect((error as StartupError).code).toBe('STARTUP_ERR_CRITICAL_FAILED')
    expect((error as StartupError).cause).toMatchObject({ code: 'FLAKY', message: 'refused #3' })
    expect(startup.report().phases[0]!.components[0]!.attempts).toBe(3)
  })

  it('does not retry an error the predicate calls permanent', async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    let attempts = 0
    startup.add({
      name: 'db',
      phase: 'a',
      retry: { retryable: (error) => (error as FlakyError).message !== 'bad password' },
      start: () => {
        attempts++
        throw new FlakyError('bad password')
      },
    })
    await settle(startup.run())
    expect(attempts).toBe(1)
  })

  it("retries its own attempt timeouts whatever the component's predicate says", async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    const seenByPredicate: unknown[] = []
    startup.add({
      name: 'db',
      phase: 'a',
      timeoutMs: 100,
      retry: { maxAttempts: 3, retryable: (error) => (seenByPredicate.push(error), false) },
      start: ({ attempt }) => (attempt < 3 ? new Promise(() => {}) : 'connected'),
    })
    const { value } = await settle(startup.run())
    expect(value?.state).toBe('started')
    expect(seenByPredicate).toEqual([])
  })

  it('bounds all attempts and sleeps by the startup deadline', async () => {
    const startup = createStartup({ name: 'svc', phases: ['a', 'b'], deadlineMs: 5000 })
    const startedAt = Date.now()
    startup.add({
      name: 'db',
      phase: 'a',
      timeoutMs: 1500,
      retry: { baseMs: 1000, capMs: 4000 },
      start: () => new Promise(() => {}),
    })
    let laterPhaseRan = false
    startup.add({ name: 'http', phase: 'b', start: () => void (laterPhaseRan = true) })
    const { error } = await settle(startup.run())
    const elapsed = Date.now() - startedAt
    expect(elapsed).toBe(5000)
    expect((error as StartupError).cause).toMatchObject({ code: 'STARTUP_ERR_DEADLINE_EXCEEDED' })
    const report = startup.report()
    expect(report.failure).toMatchObject({
      phase: 'a',
      component: 'db',
      code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
    })
    expect(report.failure!.message).toContain('STARTUP_ERR_ATTEMPT_TIMEOUT')
    expect(report.phases[1]!.state).toBe('skipped')
    expect(laterPhaseRan).toBe(false)
  })

  it("bounds a component's attempts by its own retry deadline", async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'], deadlineMs: 60_000 })
    startup.add({
      name: 'db',
      phase: 'a',
      retry: { deadlineMs: 3000, baseMs: 500, capMs: 500 },
      start: () => {
        throw new FlakyError('down')
      },
    })
    const startedAt = Date.now()
    const { error } = await settle(startup.run())
    expect(Date.now() - startedAt).toBeLessThanOrEqual(3000)
    expect((error as StartupError).cause).toMatchObject({ code: 'STARTUP_ERR_COMPONENT_DEADLINE' })
  })
})
