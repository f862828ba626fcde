import { describe, expect, it } from 'vitest'
import type { Component } from './component.js'
import { StartupError } from './errors.js'
import { STARTUP_DEFAULTS, resolveComponent, resolveStartupOptions } from './options.js'
import type { StartupOptions } from './options.js'

function rejected(run: () => unknown): StartupError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError)
    return error as StartupError
  }
  throw new Error('expected a StartupError')
}

const phases = new Set(['init', 'database'])
const start = () => 1

describe('resolveStartupOptions', () => {
  it('fills in the defaults and freezes the result', () => {
    const options = resolveStartupOptions({
      name: 'svc',
      phases: ['init', { name: 'database', parallel: true }],
    })
    expect(options).toMatchObject({
      name: 'svc',
      phases: [
        { name: 'init', parallel: false },
        { name: 'database', parallel: true },
      ],
      deadlineMs: STARTUP_DEFAULTS.deadlineMs,
      drainDelayMs: STARTUP_DEFAULTS.drainDelayMs,
    })
    expect(Object.isFrozen(options)).toBe(true)
    expect(Object.isFrozen(options.phases[0])).toBe(true)
  })

  it('names each option, what is wrong and the value', () => {
    const error = rejected(() =>
      resolveStartupOptions({
        name: ' ',
        phases: ['a', 'a', ''],
        drainDelayMs: -5,
        bogus: 1,
      } as StartupOptions),
    )
    expect(error.code).toBe('STARTUP_ERR_INVALID_OPTIONS')
    expect(error.message).toMatch(/^invalid startup options: /)
    expect(error.message).toContain('name must be a non-empty string')
    expect(error.message).toContain('phases[2]')
    expect(error.message).toContain('drainDelayMs must be a number ≥ 0 (got -5)')
    expect(error.message).toContain('options has an unknown key "bogus"')
  })

  it('rejects a phase listed twice and an empty phase list', () => {
    expect(rejected(() => resolveStartupOptions({ name: 's', phases: ['a', 'b', 'a'] })).message).toContain(
      'phases lists phase "a" twice',
    )
    expect(rejected(() => resolveStartupOptions({ name: 's', phases: [] })).message).toContain(
      'phases must list at least one phase',
    )
  })
})

describe('resolveComponent', () => {
  it('fills in the defaults: one attempt without retry', () => {
    const component = resolveComponent({ name: 'db', phase: 'database', start }, phases)
    expect(component).toMatchObject({
      name: 'db',
      critical: true,
      timeoutMs: STARTUP_DEFAULTS.componentTimeoutMs,
      stopTimeoutMs: STARTUP_DEFAULTS.stopTimeoutMs,
      retry: { maxAttempts: 1, deadlineMs: Infinity },
    })
    expect(Object.isFrozen(component.retry)).toBe(true)
  })

  it('accepts an unbounded maxAttempts', () => {
    const retry = { maxAttempts: Infinity, baseMs: 5 }
    expect(resolveComponent({ name: 'db', phase: 'init', start, retry }, phases).retry).toMatchObject(retry)
  })

  it('lists every problem of a component in one STARTUP_ERR_INVALID_COMPONENT', () => {
    const error = rejected(() =>
      resolveComponent(
        { name: 'db', phase: 'init', start: 1, timeoutMs: 0, retry: { capMs: -1, jitter: true } } as never,
        phases,
      ),
    )
    expect(error.code).toBe('STARTUP_ERR_INVALID_COMPONENT')
    expect(error.message).toMatch(/^invalid component "db": /)
    expect(error.message).toContain('start must be a function (got 1)')
    expect(error.message).toContain('timeoutMs must be a number > 0 (got 0)')
    expect(error.message).toContain('retry.capMs must be a number > 0 (got -1)')
    expect(error.message).toContain('retry has an unknown key "jitter"')
  })

  it('rejects a phase that is not declared with its own code', () => {
    const component: Component = { name: 'db', phase: 'cache', start }
    const error = rejected(() => resolveComponent(component, phases))
    expect(error.code).toBe('STARTUP_ERR_UNKNOWN_PHASE')
    expect(error.message).toContain('init, database')
  })
})
