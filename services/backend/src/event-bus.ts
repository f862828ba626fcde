import type { RunEvent } from '@tarmac/protocol'

/** The `websocket` phase's probe (`busLoopbackSelfTest`): its topic is one no socket follows. */
export interface BusProbe {
  readonly type: 'self-test'
  readonly nonce: string
}
/** Something published on a topic, as plain JSON: a run event (sent as is to the thread's sockets), or a probe. */
export type BusEvent = RunEvent | BusProbe
export type BusListener = (event: BusEvent) => void

/**
 * Run events travel between the runner and every socket following a thread through this bus: in-process
 * by default, Redis pub/sub when `REDIS_URL` is set so every instance's subscribers see them.
 * Events of one topic arrive in publish order.
 */
export interface EventBus {
  readonly kind: 'in-process' | 'redis'
  publish(topic: string, event: BusEvent): Promise<void>
  /** Resolves once events published from now on will be delivered; returns the unsubscribe function. */
  subscribe(topic: string, listener: BusListener): Promise<() => void>
  /** Round trip to the bus's server in ms (0 in process); the health check's measurement. */
  ping(): Promise<number>
  close(): Promise<void>
}

/** The topic of a thread's run events. */
export const threadTopic = (threadId: string): string => `thread:${threadId}`

/** Listeners by topic with a reference count, shared by both buses. */
export class TopicListeners {
  readonly #byTopic = new Map<string, Set<BusListener>>()

  /** Returns true when this is the topic's first listener (the Redis bus then subscribes the channel). */
  add(topic: string, listener: BusListener): boolean {
    let set = this.#byTopic.get(topic)
    const first = set === undefined
    if (!set) this.#byTopic.set(topic, (set = new Set()))
    set.add(listener)
    return first
  }

  /** Returns true when the topic has no listener left. */
  remove(topic: string, listener: BusListener): boolean {
    const set = this.#byTopic.get(topic)
    if (!set?.delete(listener)) return false
    if (set.size > 0) return false
    this.#byTopic.delete(topic)
    return true
  }

  deliver(topic: string, event: BusEvent): void {
    for (const listener of this.#byTopic.get(topic) ?? []) {
      // One failing subscriber must not starve the others.
      try {
        listener(event)
      } catch {
        // the listener's own problem; sockets handle their errors themselves
      }
    }
  }

  get topicCount(): number {
    return this.#byTopic.size
  }
}

/** The in-process bus: delivery on a microtask, in publish order. */
export function createInProcessBus(): EventBus {
  const listeners = new TopicListeners()
  return {
    kind: 'in-process',
    async publish(topic, event) {
      queueMicrotask(() => listeners.deliver(topic, event))
    },
    async subscribe(topic, listener) {
      listeners.add(topic, listener)
      return () => void listeners.remove(topic, listener)
    },
    async ping() {
      return 0
    },
    async close() {},
  }
}
