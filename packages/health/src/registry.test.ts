import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { CheckObservation } from './check.js'
import type { HealthError } from './errors.js'
import { createHealthRegistry } from './registry.js'
import type { HealthRegistry } from './registry.js'

const resultOf = (registry: HealthRegistry, name: string) =>
  registry.evaluate().checks.find(({ check }) => check.name === name)?.result

function recordingLogger() {
  const lines: { level: string; object: object; message?: string }[] = []
  const at = (level: string) => (object: object, message?: string) => lines.push({ level, object, message })
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

describe('health registry (fake timers)', () => {
  let registry: HealthRegistry
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    registry?.close()
    vi.useRealTimers()
  })

  it('runs a check at once, then on its interval with jitter, and caches the observation', async () => {
    const run = vi.fn(async (): Promise<CheckObservation> => ({ observedValue: 3, observedUnit: 'ms' }))
    registry = createHealthRegistry({ random: () => 1 }) // the longest jittered interval: 1.1 × intervalMs
    registry.add({ name: 'db:responseTime', intervalMs: 1_000, run })
    expect(resultOf(registry, 'db:responseTime')).toMatchObject({
      status: 'fail',
      code: 'HEALTH_ERR_CHECK_PENDING',
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(run).toHaveBeenCalledTimes(1)
    expect(resultOf(registry, 'db:responseTime')).toMatchObject({
      status: 'pass',
      observedValue: 3,
      observedUnit: 'ms',
    })
    await vi.advanceTimersByTimeAsync(1_099)
    expect(run).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(run).toHaveBeenCalledTimes(2)
  })

  it('aborts a run past timeoutMs, records HEALTH_ERR_CHECK_TIMEOUT, and never overlaps the abandoned run', async () => {
    let active = 0
    let maxActive = 0
    let release!: () => void
    const signals: AbortSignal[] = []
    registry = createHealthRegistry({ random: () => 0.5 })
    registry.add({
      name: 'slow:ping',
      intervalMs: 100,
      timeoutMs: 50,
      staleAfterMs: 60_000,
      run: async ({ signal }) => {
        signals.push(signal)
        active++
        maxActive = Math.max(maxActive, active)
        // Ignores its signal on purpose: the registry must still not start another run.
        await new Promise<void>((resolve) => (release = resolve))
        active--
        return { observedValue: 1 }
      },
    })
    await vi.advanceTimersByTimeAsync(50)
    expect(signals[0]!.aborted).toBe(true)
    expect((signals[0]!.reason as HealthError).code).toBe('HEALTH_ERR_CHECK_TIMEOUT')
    expect(resultOf(registry, 'slow:ping')).toMatchObject({
      status: 'fail',
      code: 'HEALTH_ERR_CHECK_TIMEOUT',
    })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(signals).toHaveLength(1)
    release()
    await vi.advanceTimersByTimeAsync(100)
    expect(signals).toHaveLength(2)
    expect(maxActive).toBe(1)
  })

  it('keeps the error’s own code and a one-line, password-free reason', async () => {
    registry = createHealthRegistry()
    registry.add({
      name: 'db:connect',
      run: () => {
        throw Object.assign(new Error('refused by postgres://app:s3cret@db:5432/chat\nsecond line'), {
          code: 'ECONNREFUSED',
        })
      },
    })
    registry.add({ name: 'x:plain', run: () => Promise.reject(new Error('boom')) })
    registry.add({ name: 'x:bad', run: () => 'nonsense' as unknown as CheckObservation })
    await vi.advanceTimersByTimeAsync(0)
    expect(resultOf(registry, 'db:connect')).toMatchObject({
      status: 'fail',
      code: 'ECONNREFUSED',
      output: 'refused by postgres://app:***@db:5432/chat second line',
    })
    expect(resultOf(registry, 'x:plain')).toMatchObject({ status: 'fail', code: 'HEALTH_ERR_CHECK_FAILED' })
    expect(resultOf(registry, 'x:bad')).toMatchObject({ status: 'fail', code: 'HEALTH_ERR_INVALID_RESULT' })
  })

  it('counts a result older than staleAfterMs as failed', async () => {
    registry = createHealthRegistry()
    let hang = false
    registry.add({
      name: 'db:ping',
      intervalMs: 1_000,
      timeoutMs: 60_000,
      staleAfterMs: 3_000,
      run: () => (hang ? new Promise<CheckObservation>(() => {}) : { observedValue: 1 }),
    })
    await vi.advanceTimersByTimeAsync(0)
    hang = true
    expect(resultOf(registry, 'db:ping')?.status).toBe('pass')
    const versionBefore = registry.version
    await vi.advanceTimersByTimeAsync(3_001)
    expect(resultOf(registry, 'db:ping')).toMatchObject({ status: 'fail', code: 'HEALTH_ERR_CHECK_STALE' })
    expect(registry.version).toBeGreaterThan(versionBefore)
  })

  it('logs a status change once, not on every run or read', async () => {
    const { lines, logger } = recordingLogger()
    registry = createHealthRegistry({ logger })
    let healthy = true
    registry.add({ name: 'db:ping', intervalMs: 100, run: () => ({ status: healthy ? 'pass' : 'fail' }) })
    await vi.advanceTimersByTimeAsync(500)
    healthy = false
    await vi.advanceTimersByTimeAsync(1_000)
    for (let i = 0; i < 50; i++) registry.evaluate()
    healthy = true
    await vi.advanceTimersByTimeAsync(1_000)
    const changes = lines.filter((line) => (line.object as { check?: string }).check === 'db:ping')
    expect(changes.map((line) => [line.level, (line.object as { to: string }).to])).toEqual([
      ['warn', 'fail'],
      ['info', 'pass'],
    ])
  })

  it('rejects a malformed or duplicate check by code, listing every problem', () => {
    registry = createHealthRegistry()
    const bad = () => registry.add({ name: 'nocolon', intervalMs: -1, run: 3 } as never)
    expect(bad).toThrow(expect.objectContaining({ code: 'HEALTH_ERR_INVALID_CHECK' }))
    expect(bad).toThrow(/name.*run.*intervalMs/)
    registry.add({ name: 'a:b', run: () => ({}) })
    expect(() => registry.add({ name: 'a:b', run: () => ({}) })).toThrow(
      expect.objectContaining({ code: 'HEALTH_ERR_DUPLICATE_CHECK' }),
    )
    expect(() => createHealthRegistry({ nope: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'HEALTH_ERR_INVALID_OPTIONS' }),
    )
  })

  it('aborts the run in flight when a check is removed', async () => {
    registry = createHealthRegistry()
    let seen: AbortSignal | undefined
    const remove = registry.add({
      name: 'a:b',
      run: ({ signal }) => {
        seen = signal
        return new Promise<CheckObservation>(() => {})
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    remove()
    expect(seen?.aborted).toBe(true)
    expect(registry.evaluate().checks).toHaveLength(0)
  })
})
