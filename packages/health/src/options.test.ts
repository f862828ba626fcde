import { describe, expect, it } from 'vitest'
import { HealthError } from './errors.js'
import { renderKubernetesProbes } from './kubernetes.js'
import { HEALTH_DEFAULTS, parseHealthOptions, resolveCheck } from './options.js'
import { POSTGRES_CHECKS_OPTIONS_SCHEMA } from './postgres-checks.js'
import type { HealthCheck } from './check.js'

function rejected(run: () => unknown): HealthError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(HealthError)
    return error as HealthError
  }
  throw new Error('expected a HealthError')
}

describe('resolveCheck', () => {
  it('fills in the defaults and freezes the result', () => {
    const check = resolveCheck({ name: 'db:ping', intervalMs: 1_000, run: () => ({}) })
    expect(check).toMatchObject({
      component: 'db',
      componentType: 'component',
      critical: true,
      timeoutMs: HEALTH_DEFAULTS.timeoutMs,
      staleAfterMs: HEALTH_DEFAULTS.staleIntervals * 1_000,
    })
    expect(Object.isFrozen(check)).toBe(true)
  })

  it('names every problem, its rule and its value in one HEALTH_ERR_INVALID_CHECK', () => {
    const error = rejected(() =>
      resolveCheck({
        name: 'nocolon',
        run: 3,
        timeoutMs: Infinity,
        critical: 'yes',
        every: 1,
      } as unknown as HealthCheck),
    )
    expect(error.code).toBe('HEALTH_ERR_INVALID_CHECK')
    expect(error.message).toContain('options has an unknown key "every"')
    expect(error.message).toContain('name must look like "component:measurement" (got "nocolon")')
    expect(error.message).toContain('run must be a function (got 3)')
    expect(error.message).toContain('timeoutMs must be a positive finite number (got Infinity)')
    expect(error.message).toContain('critical must be a boolean (got "yes")')
  })
})

describe('parseHealthOptions', () => {
  it('throws HEALTH_ERR_INVALID_OPTIONS naming what was parsed', () => {
    const error = rejected(() =>
      parseHealthOptions(
        POSTGRES_CHECKS_OPTIONS_SCHEMA,
        { url: '', applicationName: 'x', intervals: { poolMs: 0, pingMs: 1 }, capacityWarnRatio: 1.5 },
        'postgres check options',
      ),
    )
    expect(error.code).toBe('HEALTH_ERR_INVALID_OPTIONS')
    expect(error.message).toMatch(/^invalid postgres check options: /)
    expect(error.message).toContain('intervals has an unknown key "pingMs"')
    expect(error.message).toContain('url must be a non-empty string')
    expect(error.message).toContain('intervals.poolMs must be a positive finite number (got 0)')
    expect(error.message).toContain('capacityWarnRatio must be in (0, 1] (got 1.5)')
  })

  it('keeps the Kubernetes defaults for options given as undefined', () => {
    expect(renderKubernetesProbes({ drainDelayMs: undefined })).toEqual(renderKubernetesProbes())
    expect(rejected(() => renderKubernetesProbes({ marginMs: -1 })).message).toContain(
      'marginMs must be a number ≥ 0 (got -1)',
    )
  })
})
