import { describe, expect, it } from 'vitest'
import { until } from './until.js'

describe('until', () => {
  it('resolves once the predicate holds, sync or async', async () => {
    let calls = 0
    await until(() => ++calls === 3, 1_000, 1)
    expect(calls).toBe(3)
    await until(async () => true)
  })

  it('throws with the bound once it passes without the predicate holding', async () => {
    await expect(until(() => false, 30, 5)).rejects.toThrow('condition not met within 30 ms')
  })
})
