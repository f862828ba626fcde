import { describe, expect, it } from 'vitest'
import { checkPlatformStartupWindow, renderKubernetesProbes } from './kubernetes.js'

describe('renderKubernetesProbes', () => {
  it('gives the startup probe room for the whole deadline plus a margin', () => {
    const probes = renderKubernetesProbes({
      startupDeadlineMs: 120_000,
      drainDelayMs: 5_000,
      marginMs: 10_000,
    })
    const { startupProbe } = probes
    expect(startupProbe.httpGet.path).toBe('/health/startup')
    expect(startupProbe.failureThreshold * startupProbe.periodSeconds * 1000).toBeGreaterThanOrEqual(130_000)
    expect(probes.readinessProbe.httpGet.path).toBe('/health/ready')
    expect(probes.livenessProbe.httpGet.path).toBe('/health/live')
    expect(probes.warnings).toEqual([])
  })

  it('notices readiness within the drain delay and covers drain + stop budget in the grace period', () => {
    const probes = renderKubernetesProbes({ drainDelayMs: 3_000, stopBudgetMs: 20_000, marginMs: 2_000 })
    const { readinessProbe } = probes
    expect(readinessProbe.periodSeconds * readinessProbe.failureThreshold * 1000).toBeLessThanOrEqual(3_000)
    expect(probes.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(3_000 + 20_000)
    expect(readinessProbe.timeoutSeconds).toBeLessThanOrEqual(readinessProbe.periodSeconds)
  })

  it('warns when the drain delay is too short for readiness to be noticed', () => {
    expect(renderKubernetesProbes({ drainDelayMs: 0 }).warnings).toHaveLength(1)
  })

  it('rejects bad options by code', () => {
    expect(() => renderKubernetesProbes({ startupDeadlineMs: -1, port: 8000, extra: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'HEALTH_ERR_INVALID_OPTIONS' }),
    )
  })
})

describe('checkPlatformStartupWindow', () => {
  it('warns when the platform window is shorter than the startup deadline', () => {
    const warning = checkPlatformStartupWindow({
      platformStartupWindowMs: '60000',
      startupDeadlineMs: 120_000,
    })
    expect(warning).toContain('60000')
    expect(warning).toContain('120000')
  })

  it('is silent when the window is long enough or not configured', () => {
    expect(
      checkPlatformStartupWindow({ platformStartupWindowMs: 240_000, startupDeadlineMs: 120_000 }),
    ).toBeUndefined()
    expect(
      checkPlatformStartupWindow({ platformStartupWindowMs: undefined, startupDeadlineMs: 120_000 }),
    ).toBeUndefined()
    expect(
      checkPlatformStartupWindow({ platformStartupWindowMs: '', startupDeadlineMs: 120_000 }),
    ).toBeUndefined()
  })

  it('rejects a window that is not a number', () => {
    expect(() =>
      checkPlatformStartupWindow({ platformStartupWindowMs: 'soon', startupDeadlineMs: 1 }),
    ).toThrow(expect.objectContaining({ code: 'HEALTH_ERR_INVALID_OPTIONS' }))
  })
})
