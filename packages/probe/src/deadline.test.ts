import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Deadline } from './deadline.js'
import { ProbeError } from './errors.js'

describe('Deadline', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs the cleanup and rejects with the phase timeout class when the timer fires', async () => {
    const deadline = new Deadline(1_000)
    const cleanup = vi.fn()
    const guarded = deadline.guard(new Promise(() => undefined), () => 'tcp', cleanup)
    const assertion = expect(guarded).rejects.toMatchObject({ code: 'TCP_TIMEOUT', phase: 'tcp' })
    await vi.advanceTimersByTimeAsync(1_000)
    await assertion
    expect(cleanup).toHaveBeenCalledOnce()
    deadline.dispose()
  })

  it('reports an abort by the caller with code ABORT_ERR on the cause', async () => {
    const controller = new AbortController()
    const deadline = new Deadline(60_000, controller.signal)
    const guarded = deadline.guard(
      new Promise(() => undefined),
      () => 'auth',
      () => undefined,
    )
    controller.abort()
    const error = await guarded.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProbeError)
    expect(error).toMatchObject({ code: 'TIMEOUT', phase: 'auth', cause: { code: 'ABORT_ERR' } })
    deadline.dispose()
  })

  it('rejects at once, after cleanup, when the signal is already aborted', async () => {
    const deadline = new Deadline(60_000, AbortSignal.abort())
    const cleanup = vi.fn()
    await expect(deadline.guard(Promise.resolve(1), () => 'dns', cleanup)).rejects.toMatchObject({
      code: 'DNS_TIMEOUT',
    })
    expect(cleanup).toHaveBeenCalledOnce()
    deadline.dispose()
  })

  it('passes the work through and leaves no timer or listener after dispose', async () => {
    const controller = new AbortController()
    const deadline = new Deadline(1_000, controller.signal)
    const cleanup = vi.fn()
    await expect(deadline.guard(Promise.resolve('ok'), () => 'tcp', cleanup)).resolves.toBe('ok')
    deadline.dispose()
    expect(vi.getTimerCount()).toBe(0)
    controller.abort()
    await vi.advanceTimersByTimeAsync(2_000)
    expect(cleanup).not.toHaveBeenCalled()
    expect(deadline.aborted).toBe(false)
  })
})
