import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createStartup } from './index.js'
import type { Component, StartupEvent } from './index.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  await vi.runAllTimersAsync()
  return outcome
}

function recorder(log: string[]) {
  return (name: string, phase: string, extra: Partial<Component<string>> = {}): Component<string> => ({
    name,
    phase,
    start: () => {
      log.push(`start ${name}`)
      return name
    },
    stop: (resource) => void log.push(`stop ${resource}`),
    ...extra,
  })
}

describe('critical and optional failures', () => {
  it('on a critical failure skips later phases and stops what started, in reverse', async () => {
    const log: string[] = []
    const component = recorder(log)
    const startup = createStartup({ name: 'svc', phases: ['init', 'database', 'cache', 'http'] })
    startup.add(component('config', 'init'))
    startup.add(component('logger', 'init'))
    startup.add(component('pool', 'database'))
    startup.add(
      component('redis', 'cache', {
        start: () => {
          throw Object.assign(new Error('ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })
        },
      }),
    )
    startup.add(component('server', 'http'))
    const { error } = await settle(startup.run())
    expect(error).toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED', cause: { code: 'ECONNREFUSED' } })
    expect(log).toEqual([
      'start config',
      'start logger',
      'start pool',
      'stop pool',
      'stop logger',
      'stop config',
    ])
    const report = startup.report()
    expect(report.state).toBe('failed')
    expect(report.failure).toEqual({
      phase: 'cache',
      component: 'redis',
      code: 'ECONNREFUSED',
      message: 'ECONNREFUSED 127.0.0.1:6379',
    })
    expect(report.phases.map((phase) => phase.state)).toEqual(['completed', 'completed', 'failed', 'skipped'])
    expect(report.phases[3]!.components[0]!.state).toBe('skipped')
    expect((error as { report: unknown }).report).toEqual(report)
  })

  it('cancels the siblings of a critical failure in a parallel phase', async () => {
    let siblingSignal: AbortSignal | undefined
    const startup = createStartup({ name: 'svc', phases: [{ name: 'deps', parallel: true }] })
    startup.add({
      name: 'slow',
      phase: 'deps',
      start: ({ signal }) => ((siblingSignal = signal), new Promise(() => {})),
    })
    startup.add({
      name: 'broken',
      phase: 'deps',
      start: () => Promise.reject(Object.assign(new Error('nope'), { code: 'BROKEN' })),
    })
    const { error } = await settle(startup.run())
    expect(error).toMatchObject({ cause: { code: 'BROKEN' } })
    expect(siblingSignal?.aborted).toBe(true)
  })

  it('starts degraded past an optional failure, keeps retrying in the background, and records the recovery', async () => {
    const events: StartupEvent[] = []
    let redisUp = false
    const startup = createStartup({ name: 'svc', phases: ['cache', 'http'] })
    startup.on((event) => events.push(event))
    const redis = startup.add({
      name: 'redis',
      phase: 'cache',
      critical: false,
      retry: { maxAttempts: 2, baseMs: 100, capMs: 1000 },
      start: () => {
        if (!redisUp) throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })
        return 'redis-client'
      },
    })
    startup.add({ name: 'server', phase: 'http', start: () => 'server' })
    const running = startup.run()
    await vi.advanceTimersByTimeAsync(500)
    const report = await running
    expect(report.state).toBe('degraded')
    expect(report.phases[0]!.components[0]!.state).toBe('degraded')
    expect(report.phases[1]!.components[0]!.state).toBe('started')

    const attemptsWhileDown = startup.report().phases[0]!.components[0]!.attempts
    await vi.advanceTimersByTimeAsync(5000)
    expect(startup.report().phases[0]!.components[0]!.attempts).toBeGreaterThan(attemptsWhileDown)

    redisUp = true
    await vi.advanceTimersByTimeAsync(2000)
    const recovered = startup.report()
    expect(recovered.state).toBe('started')
    expect(recovered.phases[0]!.components[0]).toMatchObject({
      state: 'started',
      recoveredAt: expect.any(String),
    })
    expect(redis.get()).toBe('redis-client')
    expect(events.filter((event) => event.type === 'component.recovered')).toHaveLength(1)
  })
})

describe('shutdown', () => {
  it('stops components in exact reverse start order, and is idempotent', async () => {
    const log: string[] = []
    const component = recorder(log)
    const startup = createStartup({ name: 'svc', phases: ['a', { name: 'b', parallel: true }, 'c'] })
    startup.add(component('one', 'a'))
    startup.add(component('slow', 'b', { start: () => new Promise((r) => setTimeout(() => r('slow'), 50)) }))
    startup.add(component('fast', 'b', { start: () => new Promise((r) => setTimeout(() => r('fast'), 10)) }))
    startup.add(component('three', 'c'))
    await settle(startup.run())
    const first = startup.shutdown('SIGTERM')
    const second = startup.shutdown('again')
    expect(second).toBe(first)
    await settle(first)
    // fast finished before slow, so it stops after slow.
    expect(log.filter((line) => line.startsWith('stop'))).toEqual([
      'stop three',
      'stop slow',
      'stop fast',
      'stop one',
    ])
    expect(startup.report().state).toBe('stopped')
  })

  it('turns not-ready before the drain delay, and stops nothing until it has passed', async () => {
    const log: string[] = []
    const startup = createStartup({ name: 'svc', phases: ['a'], drainDelayMs: 5000 })
    startup.add(recorder(log)('server', 'a'))
    await settle(startup.run())
    const done = startup.shutdown('SIGTERM')
    expect(startup.state).toBe('stopping')
    await vi.advanceTimersByTimeAsync(4999)
    expect(log).not.toContain('stop server')
    await vi.advanceTimersByTimeAsync(1)
    await done
    expect(log).toContain('stop server')
  })

  it('moves on past a stop that hangs, recording STARTUP_ERR_STOP_TIMEOUT', async () => {
    const log: string[] = []
    const component = recorder(log)
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add(component('first', 'a'))
    startup.add(component('stuck', 'a', { stopTimeoutMs: 2000, stop: () => new Promise(() => {}) }))
    await settle(startup.run())
    const startedAt = Date.now()
    const { value } = await settle(startup.shutdown())
    expect(Date.now() - startedAt).toBe(2000)
    expect(log).toContain('stop first')
    expect(value!.phases[0]!.components[1]!.stopError).toMatchObject({ code: 'STARTUP_ERR_STOP_TIMEOUT' })
  })

  it('records a stop that throws as STARTUP_ERR_STOP_FAILED and still stops the rest', async () => {
    const log: string[] = []
    const component = recorder(log)
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add(component('first', 'a'))
    startup.add(
      component('broken', 'a', {
        stop: () => {
          throw new Error('close failed')
        },
      }),
    )
    await settle(startup.run())
    const { value } = await settle(startup.shutdown())
    expect(log).toContain('stop first')
    expect(value!.phases[0]!.components[1]!.stopError).toMatchObject({ code: 'STARTUP_ERR_STOP_FAILED' })
  })

  it('interrupts a startup in progress: cancels the attempt, stops what started, and rejects with ABORTED', async () => {
    const log: string[] = []
    const component = recorder(log)
    let attemptSignal: AbortSignal | undefined
    const startup = createStartup({ name: 'svc', phases: ['a', 'b'] })
    startup.add(component('config', 'a'))
    startup.add(
      component('db', 'b', { start: ({ signal }) => ((attemptSignal = signal), new Promise(() => {})) }),
    )
    const running = startup.run().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(100)
    await settle(startup.shutdown('SIGTERM'))
    expect(await running).toMatchObject({ code: 'STARTUP_ERR_ABORTED' })
    expect(attemptSignal?.aborted).toBe(true)
    expect(log).toEqual(['start config', 'stop config'])
    expect(startup.report().state).toBe('stopped')
  })

  it('stops background recovery on shutdown', async () => {
    let attempts = 0
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({
      name: 'optional',
      phase: 'a',
      critical: false,
      retry: { maxAttempts: 1, baseMs: 100, capMs: 100 },
      start: () => {
        attempts++
        throw new Error('down')
      },
    })
    const running = startup.run()
    await vi.advanceTimersByTimeAsync(1000)
    expect((await running).state).toBe('degraded')
    expect(attempts).toBeGreaterThan(1)
    const stopping = startup.shutdown()
    await vi.advanceTimersByTimeAsync(10)
    await stopping
    const after = attempts
    await vi.advanceTimersByTimeAsync(10_000)
    expect(attempts).toBe(after)
  })
})
