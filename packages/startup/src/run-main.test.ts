import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createStartup, runMain } from './index.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

function harness() {
  const fakeProcess = new EventEmitter()
  const exits: number[] = []
  let stderr = ''
  return {
    fakeProcess,
    exits,
    stderr: () => stderr,
    options: {
      process: fakeProcess as unknown as NodeJS.Process,
      exit: (code: number) => void exits.push(code),
      stderr: { write: (text: string) => (stderr += text) },
    },
  }
}

describe('runMain', () => {
  it('applies the drain delay it is given before stopping, then exits 0', async () => {
    const h = harness()
    const stopped: number[] = []
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({ name: 'server', phase: 'a', start: () => 1, stop: () => void stopped.push(Date.now()) })
    const running = runMain(startup, { ...h.options, drainDelayMs: 5000 })
    await vi.advanceTimersByTimeAsync(0)
    await running
    const signalledAt = Date.now()
    h.fakeProcess.emit('SIGTERM', 'SIGTERM')
    expect(startup.state).toBe('stopping')
    await vi.advanceTimersByTimeAsync(5000)
    expect(stopped).toEqual([signalledAt + 5000])
    expect(h.exits).toEqual([0])
    expect(h.fakeProcess.listenerCount('SIGTERM')).toBe(0)
  })

  it('exits 1 when a stop failed during shutdown', async () => {
    const h = harness()
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({
      name: 'server',
      phase: 'a',
      start: () => 1,
      stop: () => {
        throw new Error('close failed')
      },
    })
    await runMain(startup, h.options)
    h.fakeProcess.emit('SIGINT', 'SIGINT')
    await vi.advanceTimersByTimeAsync(0)
    expect(h.exits).toEqual([1])
  })

  it('lists every problem of an error that carries several (a config error), one per line', async () => {
    const h = harness()
    const startup = createStartup({ name: 'svc', phases: ['init'] })
    const problems = Array.from({ length: 12 }, (_, i) => ({
      variable: `VAR_${i}`,
      problem: 'must be a URL '.repeat(3),
    }))
    startup.add({
      name: 'config',
      phase: 'init',
      start: () =>
        Promise.reject(Object.assign(new Error('invalid configuration'), { code: 'CFG', problems })),
    })
    await runMain(startup, h.options)
    const lines = h.stderr().trim().split('\n')
    expect(lines[0]).toContain('component "config": CFG')
    expect(lines.slice(1, 13)).toEqual(problems.map((p) => `  - ${p.variable}: ${p.problem}`))
    expect(JSON.parse(lines[13]!)).toHaveProperty('startupReport')
  })

  it('exits 3 and writes the human line then the report on a critical failure', async () => {
    const h = harness()
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({
      name: 'db',
      phase: 'a',
      start: () => Promise.reject(Object.assign(new Error('no'), { code: 'X' })),
    })
    const report = await runMain(startup, h.options)
    expect(h.exits).toEqual([3])
    const [line, json] = h.stderr().trim().split('\n')
    expect(line).toBe('svc: startup failed in phase "a", component "db": X — no')
    expect(JSON.parse(json!)).toEqual({ startupReport: report })
  })
})
