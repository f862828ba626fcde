import { describe, expect, it } from 'vitest'
import type { RunEvent } from '@tarmac/protocol'
import { createInProcessBus, threadTopic, TopicListeners, type BusEvent } from './event-bus.js'

const delta = (index: number): RunEvent => ({
  type: 'run.delta',
  runId: 'r',
  threadId: 't',
  index,
  delta: `${index}`,
})
const flush = () => new Promise((resolve) => setImmediate(resolve))

describe('the in-process bus', () => {
  it('delivers a topic’s events in publish order, after publish returns, to that topic only', async () => {
    const bus = createInProcessBus()
    const seen: BusEvent[] = []
    const other: BusEvent[] = []
    await bus.subscribe(threadTopic('t'), (event) => seen.push(event))
    await bus.subscribe(threadTopic('u'), (event) => other.push(event))
    const published = [0, 1, 2].map((i) => bus.publish(threadTopic('t'), delta(i)))
    expect(seen).toEqual([]) // on a microtask: a publisher never runs its subscribers' code inline
    await Promise.all(published)
    await flush()
    expect(seen).toEqual([delta(0), delta(1), delta(2)])
    expect(other).toEqual([])
  })

  it('stops delivering to an unsubscribed listener and keeps the others', async () => {
    const bus = createInProcessBus()
    const first: BusEvent[] = []
    const second: BusEvent[] = []
    const off = await bus.subscribe('topic', (event) => first.push(event))
    await bus.subscribe('topic', (event) => second.push(event))
    off()
    await bus.publish('topic', delta(0))
    await flush()
    expect(first).toEqual([])
    expect(second).toEqual([delta(0)])
  })

  it('still delivers to the other listeners when one throws', async () => {
    const bus = createInProcessBus()
    const seen: BusEvent[] = []
    await bus.subscribe('topic', () => {
      throw new Error('a broken socket')
    })
    await bus.subscribe('topic', (event) => seen.push(event))
    await bus.publish('topic', delta(0))
    await flush()
    expect(seen).toEqual([delta(0)])
    expect(bus.kind).toBe('in-process')
    expect(await bus.ping()).toBe(0)
  })
})

describe('TopicListeners', () => {
  it('says when a topic gets its first listener and loses its last (the Redis bus subscribes then)', () => {
    const listeners = new TopicListeners()
    const a = () => {}
    const b = () => {}
    expect(listeners.add('t', a)).toBe(true)
    expect(listeners.add('t', b)).toBe(false)
    expect(listeners.topicCount).toBe(1)
    expect(listeners.remove('t', a)).toBe(false)
    expect(listeners.remove('t', a)).toBe(false) // already gone: not the last one either
    expect(listeners.remove('t', b)).toBe(true)
    expect(listeners.topicCount).toBe(0)
  })
})
