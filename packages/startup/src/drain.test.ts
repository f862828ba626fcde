import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { drain } from './drain.js'

describe('drain', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('is true as soon as every promise has settled, rejections included, and leaves no timer', async () => {
    let finish!: () => void
    const slow = new Promise<void>((resolve) => (finish = resolve))
    const drained = drain([slow, Promise.reject(new Error('failed run'))], { timeoutMs: 1_000 })
    await vi.advanceTimersByTimeAsync(500)
    finish()
    await expect(drained).resolves.toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('is false after timeoutMs when a promise is still pending', async () => {
    const drained = drain([new Promise(() => undefined), Promise.resolve()], { timeoutMs: 1_000 })
    let settled: boolean | undefined
    void drained.then((value) => (settled = value))
    await vi.advanceTimersByTimeAsync(999)
    expect(settled).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(settled).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('is true at once for nothing to wait for', async () => {
    await expect(drain([], { timeoutMs: 1_000 })).resolves.toBe(true)
  })
})
