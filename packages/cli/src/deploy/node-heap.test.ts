import { describe, expect, it } from 'vitest'
import { maxOldSpaceMib, nodeOptionsFor } from './node-heap.js'

describe('the V8 heap limit a container leaves room for', () => {
  it.each([
    ['256Mi', 128],
    ['512Mi', 256],
    ['1Gi', 512],
    ['2Gi', 1024],
    ['300Mi', 150],
    ['129Mi', 64],
  ])('%s → %s MiB of old space', (memory, mib) => {
    expect(maxOldSpaceMib(memory)).toBe(mib)
    expect(nodeOptionsFor(memory)).toBe(`--max-old-space-size=${mib}`)
  })

  it('refuses what is not a quantity the plan accepts', () => {
    for (const memory of ['256M', '0.5Gi', '', '256Mi '])
      expect(() => maxOldSpaceMib(memory)).toThrow(/not a memory quantity/)
  })
})
