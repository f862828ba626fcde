import { describe, expect, it } from 'vitest'
import { EventQueue } from './event-queue.js'

describe('EventQueue', () => {
  it('pops callbacks in time order, and those due together in push order', () => {
    const queue = new EventQueue()
    const order: string[] = []
    for (const [atMs, name] of [
      [30, 'c'],
      [10, 'a1'],
      [20, 'b'],
      [10, 'a2'],
      [5, 'first'],
      [10, 'a3'],
    ] as const)
      queue.push(atMs, () => order.push(name))
    expect(queue.peekMs()).toBe(5)
    while (queue.size > 0) queue.pop()!()
    expect(order).toEqual(['first', 'a1', 'a2', 'a3', 'b', 'c'])
    expect(queue.peekMs()).toBe(Number.POSITIVE_INFINITY)
    expect(queue.pop()).toBeUndefined()
  })
})
