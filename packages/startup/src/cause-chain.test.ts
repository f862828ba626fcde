import { describe, expect, it } from 'vitest'
import { causeChain } from './cause-chain.js'

describe('causeChain', () => {
  it('lists an error and its causes, outermost first', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const middle = new Error('socket', { cause: inner })
    const outer = new TypeError('fetch failed', { cause: middle })
    expect(causeChain(outer)).toEqual([outer, middle, inner])
  })

  it('stops at maxLength, at a cycle, and after a primitive cause', () => {
    const deep = Array.from({ length: 10 }).reduce<unknown>((cause) => new Error('wrap', { cause }), 'root')
    expect(causeChain(deep)).toHaveLength(8)
    expect(causeChain(deep, 3)).toHaveLength(3)
    expect(causeChain(deep, 20).at(-1)).toBe('root')
    const a: { cause?: unknown } = {}
    const b = { cause: a }
    a.cause = b
    expect(causeChain(a)).toEqual([a, b])
  })

  it('is empty for nothing', () => {
    expect(causeChain(undefined)).toEqual([])
    expect(causeChain(null)).toEqual([])
  })
})
