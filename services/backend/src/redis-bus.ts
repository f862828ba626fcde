import type { Redis } from 'ioredis'
import type { Component } from '@tarmac/startup'
import { BackendError, networkReasonOf } from './errors.js'
import { TopicListeners, type BusEvent, type EventBus } from './event-bus.js'

/**
 * Connects one ioredis client and waits until it is ready, or fails with the real reason (ECONNREFUSED,
 * NOAUTH…). The signal disconnects it. After startup ioredis reconnects by itself.
 */
async function connectRedis(url: string, name: string, signal: AbortSignal): Promise<Redis> {
  // Loaded only when Redis is configured: an instance without it never pays for the client at cold start.
  const { Redis } = await import('ioredis')
  const client = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  })
  let lastError: unknown
  client.on('error', (error) => (lastError = error))
  const abort = (): void => client.disconnect()
  signal.addEventListener('abort', abort, { once: true })
  try {
    await client.connect()
    await client.ping()
    return client
  } catch (error) {
    client.disconnect()
    const reason = networkReasonOf(lastError ?? error)
    throw new BackendError('BACKEND_ERR_REDIS_UNAVAILABLE', `redis at ${safeAddress(url)}: ${reason}`, {
      cause: lastError ?? error,
    })
  } finally {
    signal.removeEventListener('abort', abort)
  }
}

/** A bus operation that failed while Redis is away (ioredis gives up after `maxRetriesPerRequest`): a 503. */
function unavailable(operation: string, cause: unknown): BackendError {
  return new BackendError(
    'BACKEND_ERR_REDIS_UNAVAILABLE',
    `redis ${operation} failed: ${networkReasonOf(cause)}`,
    { cause },
  )
}

function safeAddress(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}:${parsed.port || '6379'}`
}

/**
 * The Redis bus: one connection publishes, one subscribes per channel with a reference count. A socket's
 * subscription resolves only after Redis confirmed it, so an event published after `thread.subscribed` is
 * never missed. Instances see each other's events; an instance also receives its own through Redis, which
 * keeps one order per topic for everybody.
 */
export async function createRedisBus(
  url: string,
  options: { channelPrefix: string; signal: AbortSignal },
): Promise<EventBus> {
  const publisher = await connectRedis(url, 'tarmac-backend-pub', options.signal)
  let subscriber: Redis
  try {
    subscriber = await connectRedis(url, 'tarmac-backend-sub', options.signal)
  } catch (error) {
    publisher.disconnect()
    throw error
  }
  const prefix = options.channelPrefix
  const listeners = new TopicListeners()
  // A second listener of a topic waits for the first one's SUBSCRIBE to be confirmed, too.
  const confirmed = new Map<string, Promise<unknown>>()
  subscriber.on('message', (channel: string, payload: string) => {
    if (!channel.startsWith(prefix)) return
    let event: BusEvent
    try {
      // Only this service publishes under the prefix: what arrives is what `publish` was given.
      event = JSON.parse(payload) as BusEvent
    } catch {
      return
    }
    listeners.deliver(channel.slice(prefix.length), event)
  })
  return {
    kind: 'redis',
    async publish(topic, event) {
      await publisher.publish(prefix + topic, JSON.stringify(event)).catch((error: unknown) => {
        throw unavailable('publish', error)
      })
    },
    async subscribe(topic, listener) {
      if (listeners.add(topic, listener)) confirmed.set(topic, subscriber.subscribe(prefix + topic))
      try {
        await confirmed.get(topic)
      } catch (error) {
        if (listeners.remove(topic, listener)) confirmed.delete(topic)
        throw unavailable('subscribe', error)
      }
      return () => {
        if (!listeners.remove(topic, listener)) return
        confirmed.delete(topic)
        void subscriber.unsubscribe(prefix + topic).catch(() => {})
      }
    },
    async ping() {
      const startedMs = performance.now()
      await publisher.ping()
      return Math.round((performance.now() - startedMs) * 100) / 100
    },
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()])
      publisher.disconnect()
      subscriber.disconnect()
    },
  }
}

/** The `cache` component when `REDIS_URL` is set: critical, since it carries run events between instances. */
export function createRedisBusComponent(url: string, channelPrefix: string): Component<EventBus> {
  return {
    name: 'redis',
    phase: 'cache',
    timeoutMs: 5_000,
    retry: { baseMs: 250, capMs: 2_000 },
    start: ({ signal }) => createRedisBus(url, { channelPrefix, signal }),
    stop: (bus) => bus.close(),
  }
}
