import { describe, expect, it } from 'vitest'
import { checkCount, checkNonNegative, checkPositive, unknownKeys } from './checks.js'

describe('option checks', () => {
  it('collect one readable problem per bad value and none for good ones', () => {
    const problems: string[] = []
    checkCount(problems, 'capacity', Infinity, 1)
    checkCount(problems, 'capacity', 2, 1)
    checkCount(problems, 'capacity', 1.5, 1)
    checkPositive(problems, 'rate', 0)
    checkPositive(problems, 'rate', Infinity)
    checkNonNegative(problems, 'delay', Infinity)
    checkNonNegative(problems, 'delay', 0)
    problems.push(...unknownKeys({ a: 1, b: 2 }, new Set(['a']), 'options'))
    expect(problems).toEqual([
      'capacity must be an integer ≥ 1, or Infinity',
      'rate must be a number > 0',
      'delay must be a finite number ≥ 0',
      'options: unknown key "b"',
    ])
  })
})
