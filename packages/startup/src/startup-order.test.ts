import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createStartup, StartupError } from './index.js'
import type { StartupEvent, StartupReport } from './index.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('phase and component order', () => {
  it('runs phases strictly in order and components in declaration order', async () => {
    const log: string[] = []
    const startup = createStartup({ name: 'svc', phases: ['init', 'database', 'http'] })
    const component = (name: string, phase: string, ms: number) => ({
      name,
      phase,
      start: async () => {
        log.push(`start ${name}`)
        await delay(ms)
        log.push(`done ${name}`)
      },
    })
    // Declared out of phase order on purpose: phases, not declaration, decide.
    startup.add(component('server', 'http', 1))
    startup.add(component('config', 'init', 30))
    startup.add(component('pool', 'database', 5))
    startup.add(component('logger', 'init', 1))
    const running = startup.run()
    await vi.runAllTimersAsync()
    const report = await running
    expect(log).toEqual([
      'start config',
      'done config',
      'start logger',
      'done logger',
      'start pool',
      'done pool',
      'start server',
      'done server',
    ])
    expect(report.state).toBe('started')
    expect(report.phases.map((phase) => phase.state)).toEqual(['completed', 'completed', 'completed'])
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  it('starts the components of a parallel phase concurrently, and the next phase only after all of them', async () => {
    const log: string[] = []
    const startup = createStartup({ name: 'svc', phases: [{ name: 'deps', parallel: true }, 'after'] })
    for (const [name, ms] of [
      ['slow', 50],
      ['fast', 10],
    ] as const) {
      startup.add({
        name,
        phase: 'deps',
        start: async () => {
          log.push(`start ${name}`)
          await delay(ms)
          log.push(`done ${name}`)
        },
      })
    }
    startup.add({ name: 'next', phase: 'after', start: () => void log.push('start next') })
    const running = startup.run()
    await vi.runAllTimersAsync()
    const report = await running
    expect(log).toEqual(['start slow', 'start fast', 'done fast', 'done slow', 'start next'])
    expect(report.phases[0]!.durationMs).toBe(50)
  })

  it('emits an event for every transition, in order', async () => {
    const events: StartupEvent[] = []
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.on((event) => events.push(event))
    startup.add({ name: 'x', phase: 'a', start: () => 'x' })
    const running = startup.run()
    await vi.runAllTimersAsync()
    await running
    await startup.shutdown('test')
    expect(events.map((event) => event.type)).toEqual([
      'startup.started',
      'phase.started',
      'component.starting',
      'component.started',
      'phase.completed',
      'startup.completed',
      'shutdown.started',
      'component.stopping',
      'component.stopped',
      'shutdown.completed',
    ])
    expect(events.every((event) => event.service === 'svc' && typeof event.atMs === 'number')).toBe(true)
  })

  it('gives a component the resources of components that started before it, through their handles', async () => {
    const startup = createStartup({ name: 'svc', phases: ['database', 'services'] })
    const pool = startup.add({ name: 'pool', phase: 'database', start: () => ({ query: 'ok' }) })
    let seen: { query: string } | undefined
    const store = startup.add({ name: 'store', phase: 'services', start: () => (seen = pool.get()) })
    const running = startup.run()
    await vi.runAllTimersAsync()
    await running
    expect(seen).toEqual({ query: 'ok' })
    expect(store.get()).toEqual({ query: 'ok' })
  })

  it('fails a component that reads a handle of a later phase with STARTUP_ERR_NOT_STARTED', async () => {
    const startup = createStartup({ name: 'svc', phases: ['database', 'services'] })
    const later: { store?: { get(): unknown } } = {}
    startup.add({ name: 'pool', phase: 'database', start: () => later.store!.get() })
    later.store = startup.add({ name: 'store', phase: 'services', start: () => 'store' })
    const running = startup.run().catch((error: unknown) => error)
    await vi.runAllTimersAsync()
    const error = (await running) as { report: StartupReport }
    expect(error.report.failure).toMatchObject({ component: 'pool', code: 'STARTUP_ERR_NOT_STARTED' })
  })
})

describe('validation', () => {
  it('lists every problem with the options in one error', () => {
    try {
      createStartup({ name: '', phases: [], deadlineMs: -1, bogus: 1 } as never)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(StartupError)
      expect((error as StartupError).code).toBe('STARTUP_ERR_INVALID_OPTIONS')
      const message = (error as Error).message
      for (const fragment of ['bogus', 'name', 'phases', 'deadlineMs']) expect(message).toContain(fragment)
    }
  })

  it('rejects invalid, duplicate and misplaced components, and adding after run', async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    expect(() => startup.add({ name: 'x', phase: 'nope', start: () => 1 })).toThrow(
      expect.objectContaining({ code: 'STARTUP_ERR_UNKNOWN_PHASE' }),
    )
    expect(() => startup.add({ name: 'x', phase: 'a', start: 1, timeoutMs: 0 } as never)).toThrow(
      expect.objectContaining({ code: 'STARTUP_ERR_INVALID_COMPONENT' }),
    )
    startup.add({ name: 'x', phase: 'a', start: () => 1 })
    expect(() => startup.add({ name: 'x', phase: 'a', start: () => 1 })).toThrow(
      expect.objectContaining({ code: 'STARTUP_ERR_DUPLICATE_COMPONENT' }),
    )
    const running = startup.run()
    expect(() => startup.add({ name: 'y', phase: 'a', start: () => 1 })).toThrow(
      expect.objectContaining({ code: 'STARTUP_ERR_ALREADY_RUN' }),
    )
    await expect(startup.run()).rejects.toMatchObject({ code: 'STARTUP_ERR_ALREADY_RUN' })
    await vi.runAllTimersAsync()
    await running
  })
})
