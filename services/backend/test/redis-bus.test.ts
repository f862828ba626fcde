import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunEvent } from '@tarmac/protocol'
import { TEST_REDIS_URL, until } from '@tarmac/testing'
import type { BusEvent, EventBus } from '../src/event-bus.js'
import { createRedisBus } from '../src/redis-bus.js'

/** The Redis bus against the run's Redis, each test under a channel prefix of its own. */
const buses: EventBus[] = []
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

async function open(channelPrefix = `test:${randomUUID()}:`): Promise<EventBus> {
  const bus = await createRedisBus(TEST_REDIS_URL, { channelPrefix, signal: new AbortController().signal })
  buses.push(bus)
  return bus
}

const delta = (index: number): RunEvent => ({
  type: 'run.delta',
  runId: 'r',
  threadId: 't',
  index,
  delta: `${index}`,
})

describe('the Redis bus', () => {
  it('delivers to a subscriber on another connection, in publish order, once subscribe has resolved', async () => {
    const prefix = `test:${randomUUID()}:`
    const publisher = await open(prefix)
    const subscriber = await open(prefix)
    const seen: BusEvent[] = []
    await subscriber.subscribe('thread:t', (event) => seen.push(event))
    for (let i = 0; i < 20; i++) await publisher.publish('thread:t', delta(i))
    await until(() => seen.length === 20)
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => delta(i)))
    expect(publisher.kind).toBe('redis')
    expect(await publisher.ping()).toBeGreaterThanOrEqual(0)
  })

  it('keeps a channel while one of its listeners remains, and never hears another prefix', async () => {
    const bus = await open()
    const stranger = await open()
    const first: BusEvent[] = []
    const second: BusEvent[] = []
    const off = await bus.subscribe('topic', (event) => first.push(event))
    await bus.subscribe('topic', (event) => second.push(event))
    off()
    await stranger.publish('topic', delta(99))
    await bus.publish('topic', delta(0))
    await until(() => second.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(second).toEqual([delta(0)])
    expect(first).toEqual([])
  })

  it('fails to connect with BACKEND_ERR_REDIS_UNAVAILABLE and the reason', async () => {
    await expect(
      createRedisBus('redis://127.0.0.1:1', { channelPrefix: 'x:', signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'BACKEND_ERR_REDIS_UNAVAILABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    })
  })
})
