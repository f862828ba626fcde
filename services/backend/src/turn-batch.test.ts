import { describe, expect, it } from 'vitest'
import { TurnBatch } from './turn-batch.js'

describe('TurnBatch', () => {
  it('runs the items added in one turn as one batch, at most maxItems each, every caller with its own result', async () => {
    const batches: number[][] = []
    const batch = new TurnBatch(
      async (items: readonly number[]) => {
        batches.push([...items])
        return items.map((item) => item * 10)
      },
      { maxItems: 3 },
    )
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => batch.add(item)))
    expect(results).toEqual([10, 20, 30, 40, 50])
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ])
    expect(await batch.add(6)).toBe(60) // a later turn: a batch of its own
    expect(batches.at(-1)).toEqual([6])
  })

  it('runs a failed batch again item by item: only the bad item fails', async () => {
    const batch = new TurnBatch(async (items: readonly number[]) => {
      if (items.includes(2)) throw new Error('item 2 is bad')
      return items.map((item) => item * 10)
    })
    const settled = await Promise.allSettled([1, 2, 3].map((item) => batch.add(item)))
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      10,
      'item 2 is bad',
      30,
    ])
  })
})
