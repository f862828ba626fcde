import { describe, expect, it } from 'vitest'
import { DeltaBatcher } from '../src/delta-batcher.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('DeltaBatcher', () => {
  it('sends the first piece at once and merges a burst into one delta at the end', async () => {
    const emitted: string[] = []
    const batcher = new DeltaBatcher(60_000, async (delta) => void emitted.push(delta))
    for (const piece of ['The ', 'backend ', 'is ', 'up.']) await batcher.push(piece)
    expect(emitted).toEqual(['The '])
    await batcher.flush()
    expect(emitted).toEqual(['The ', 'backend is up.'])
  })

  it('emits pending text by timer when the stream pauses', async () => {
    const emitted: string[] = []
    const batcher = new DeltaBatcher(20, async (delta) => void emitted.push(delta))
    await batcher.push('a')
    await batcher.push('b')
    await batcher.push('c')
    // No further piece arrives: the timer sends what is pending without waiting for the stream.
    while (emitted.length < 2) await sleep(5)
    expect(emitted).toEqual(['a', 'bc'])
    await batcher.flush()
    expect(emitted).toEqual(['a', 'bc'])
  })

  it('with 0 ms sends every piece as it comes', async () => {
    const emitted: string[] = []
    const batcher = new DeltaBatcher(0, async (delta) => void emitted.push(delta))
    for (const piece of ['a', 'b', '', 'c']) await batcher.push(piece)
    await batcher.flush()
    expect(emitted).toEqual(['a', 'b', 'c'])
  })

  it('drops pending text on discard and arms no timer afterwards', async () => {
    const emitted: string[] = []
    const batcher = new DeltaBatcher(10, async (delta) => void emitted.push(delta))
    await batcher.push('a')
    await batcher.push('b')
    batcher.discard()
    await sleep(30)
    expect(emitted).toEqual(['a'])
  })
})
