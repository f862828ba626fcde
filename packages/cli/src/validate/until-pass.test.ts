import { describe, expect, it } from 'vitest'
import type { ValidationReport } from './run-criteria.js'
import { runUntilPass, type AttemptProgress } from './until-pass.js'

const report = (passed: boolean, interrupted = false): ValidationReport => ({
  passed,
  passRate: passed ? 1 : 0,
  threshold: 0.8,
  criticalFailed: [],
  checks: [],
  startedAt: '2026-11-29T00:00:00.000Z',
  durationMs: 5_000,
  interrupted,
  notRun: [],
  skipped: [],
})

/** A fake clock: each attempt takes 5 s, sleeping advances it. */
function clock() {
  let nowMs = 0
  return {
    nowMs: () => nowMs,
    sleep: (ms: number) => ((nowMs += ms), Promise.resolve()),
    advance: (ms: number) => (nowMs += ms),
  }
}

describe('runUntilPass', () => {
  it('runs an attempt every interval until one passes, and says when the next one is', async () => {
    const c = clock()
    const outcomes = [false, false, true]
    const progress: AttemptProgress[] = []
    const result = await runUntilPass({
      run: () => (c.advance(5_000), Promise.resolve(report(outcomes.shift()!))),
      timeoutMs: 4 * 3_600_000,
      intervalMs: 60_000,
      onAttempt: (p) => progress.push(p),
      nowMs: c.nowMs,
      sleep: c.sleep,
    })
    expect(result).toMatchObject({ outcome: 'passed', attempts: 3, durationMs: 125_000 })
    expect(progress.map((p) => [p.attempt, p.nextInMs])).toEqual([
      [1, 55_000],
      [2, 55_000],
      [3, null],
    ])
  })

  it('gives up when the next attempt would start after the deadline', async () => {
    const c = clock()
    const result = await runUntilPass({
      run: () => (c.advance(5_000), Promise.resolve(report(false))),
      timeoutMs: 150_000,
      intervalMs: 60_000,
      nowMs: c.nowMs,
      sleep: c.sleep,
    })
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 3 })
    expect(result.report?.passed).toBe(false)
  })

  it('an attempt cut short by the deadline is a timeout, never a pass', async () => {
    const result = await runUntilPass({
      run: (signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve(report(false, true)))),
      timeoutMs: 50,
      intervalMs: 10,
    })
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 1, report: undefined })
  })

  it('an interrupt ends it at once, between attempts or during one', async () => {
    const between = new AbortController()
    const waiting = await runUntilPass({
      run: () => Promise.resolve(report(false)),
      timeoutMs: 3_600_000,
      intervalMs: 60_000,
      signal: between.signal,
      sleep: (_ms, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve())
          between.abort()
        }),
    })
    expect(waiting).toMatchObject({ outcome: 'interrupted', attempts: 1 })

    const during = new AbortController()
    const running = await runUntilPass({
      run: (signal) => {
        setTimeout(() => during.abort(), 5)
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(report(false, true))))
      },
      timeoutMs: 3_600_000,
      intervalMs: 60_000,
      signal: during.signal,
    })
    expect(running).toMatchObject({ outcome: 'interrupted', attempts: 1, report: undefined })
  })
})
