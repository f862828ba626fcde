import { afterEach, describe, expect, it, vi } from 'vitest'
import { CancelScope } from './cancel-scope.js'
import { StartupError } from './errors.js'

afterEach(() => vi.useRealTimers())

describe('CancelScope', () => {
  it('aborts every scope below it, and their signals, with the same reason', () => {
    const root = new CancelScope()
    const phase = new CancelScope(root)
    const attempt = new CancelScope(phase)
    const signal = attempt.signal
    const reason = new StartupError('STARTUP_ERR_ABORTED', 'shutdown: SIGTERM')
    root.abort(reason)
    expect([phase.aborted, attempt.aborted, signal.aborted]).toEqual([true, true, true])
    expect(signal.reason).toBe(reason)
    expect(attempt.reason).toBe(reason)
  })

  it('is born aborted under an aborted parent, and its signal is too', () => {
    const root = new CancelScope()
    root.abort(new Error('gone'))
    const late = new CancelScope(root, 1_000)
    expect(late.aborted).toBe(true)
    expect(late.signal.aborted).toBe(true)
    expect(late.signal.reason).toEqual(new Error('gone'))
  })

  it('aborts itself when its timer fires, with the reason it was given, and not its parent', () => {
    vi.useFakeTimers()
    const root = new CancelScope()
    const attempt = new CancelScope(root, 50, () => new StartupError('STARTUP_ERR_ATTEMPT_TIMEOUT', 'slow'))
    vi.advanceTimersByTime(49)
    expect(attempt.aborted).toBe(false)
    vi.advanceTimersByTime(1)
    expect(attempt.reason).toMatchObject({ code: 'STARTUP_ERR_ATTEMPT_TIMEOUT' })
    expect(root.aborted).toBe(false)
  })

  it('leaves nothing behind when disposed: no timer fires, a parent abort no longer reaches it', () => {
    vi.useFakeTimers()
    const root = new CancelScope()
    const attempt = new CancelScope(root, 50)
    attempt.dispose()
    vi.advanceTimersByTime(100)
    root.abort(new Error('later'))
    expect(attempt.aborted).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('races work against the abort: the value when it wins, the reason when the scope aborts first', async () => {
    const scope = new CancelScope()
    expect(scope.race('now')).toBe('now') // not a promise: returned as is
    await expect(scope.race(Promise.resolve(42))).resolves.toBe(42)
    await expect(scope.race(Promise.reject(new Error('own')))).rejects.toThrow('own')
    const hanging = scope.race(new Promise(() => {}))
    scope.abort(new StartupError('STARTUP_ERR_ABORTED', 'stop'))
    await expect(hanging).rejects.toMatchObject({ code: 'STARTUP_ERR_ABORTED' })
    await expect(scope.race(Promise.resolve(1))).rejects.toMatchObject({ code: 'STARTUP_ERR_ABORTED' })
  })

  it('sleeps, and wakes with the reason when aborted; the sleep timer does not outlive it', async () => {
    vi.useFakeTimers()
    const scope = new CancelScope()
    const nap = scope.sleep(10)
    vi.advanceTimersByTime(10)
    await expect(nap).resolves.toBeUndefined()
    const long = scope.sleep(60_000)
    scope.abort(new Error('deadline'))
    await expect(long).rejects.toThrow('deadline')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('wraps a reason that is not an Error in STARTUP_ERR_ABORTED', () => {
    const scope = new CancelScope()
    scope.abort('because')
    expect(scope.reason).toMatchObject({ code: 'STARTUP_ERR_ABORTED', message: 'aborted: because' })
  })
})
