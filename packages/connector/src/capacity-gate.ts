import type { ScaleUpOptions } from './options.js'

/** What happened to a connection that asked for an establishment slot. */
export const ADMISSIONS = ['granted', 'queued', 'queue-full'] as const
export type Admission = (typeof ADMISSIONS)[number]

export interface GateSettings {
  readonly capacity: number
  readonly maxQueue: number
  readonly scaleUp: Required<ScaleUpOptions> | null
}

/** Someone waiting for a slot; `grant` is called once, when the slot is theirs. */
export interface GateWaiter {
  grant(): void
}

/**
 * How many connections may be establishing at once, with a FIFO queue for the rest and a
 * scale-up that starts with the first queued connection and never shrinks capacity.
 */
export class CapacityGate {
  #settings: GateSettings
  #capacity: number
  #inUse = 0
  #peakInUse = 0
  readonly #queue: GateWaiter[] = []
  #scaleTimer: NodeJS.Timeout | undefined
  #scaleStarted = false

  constructor(settings: GateSettings) {
    this.#settings = settings
    this.#capacity = settings.capacity
  }

  get capacity(): number {
    return this.#capacity
  }
  get inUse(): number {
    return this.#inUse
  }
  get peakInUse(): number {
    return this.#peakInUse
  }
  get queued(): number {
    return this.#queue.length
  }

  /** Takes a slot at once, joins the queue, or is turned away because the queue is full. */
  enter(waiter: GateWaiter): Admission {
    if (this.#inUse < this.#capacity && this.#queue.length === 0) {
      this.#take()
      waiter.grant()
      return 'granted'
    }
    if (this.#queue.length >= this.#settings.maxQueue) return 'queue-full'
    this.#queue.push(waiter)
    this.#startScaleUp()
    return 'queued'
  }

  /** Removes a waiter that gave up while queued. True if it was queued. */
  leave(waiter: GateWaiter): boolean {
    const index = this.#queue.indexOf(waiter)
    if (index < 0) return false
    this.#queue.splice(index, 1)
    return true
  }

  /** Frees a granted slot and hands it to the head of the queue. */
  release(): void {
    this.#inUse = Math.max(0, this.#inUse - 1)
    this.#drain()
  }

  /** Applies changed settings at runtime; a new `capacity` takes effect at once. */
  reconfigure(settings: GateSettings): void {
    if (settings.capacity !== this.#settings.capacity) this.#capacity = settings.capacity
    this.#settings = settings
    this.#drain()
  }

  /** Stops the scale-up timer; waiters still queued are left to the caller. */
  close(): void {
    clearTimeout(this.#scaleTimer)
    this.#scaleTimer = undefined
  }

  #take(): void {
    this.#inUse += 1
    this.#peakInUse = Math.max(this.#peakInUse, this.#inUse)
  }

  #drain(): void {
    while (this.#inUse < this.#capacity && this.#queue.length > 0) {
      const next = this.#queue.shift()!
      this.#take()
      next.grant()
    }
  }

  #startScaleUp(): void {
    const scaleUp = this.#settings.scaleUp
    if (this.#scaleStarted || scaleUp === null) return
    this.#scaleStarted = true
    this.#scaleTimer = setTimeout(() => this.#step(), scaleUp.afterMs)
  }

  #step(): void {
    this.#scaleTimer = undefined
    const scaleUp = this.#settings.scaleUp
    if (scaleUp === null) return
    do {
      this.#capacity = Math.max(
        this.#capacity,
        Math.min(scaleUp.toCapacity, this.#capacity + scaleUp.stepCapacity),
      )
    } while (scaleUp.stepEveryMs === 0 && this.#capacity < scaleUp.toCapacity)
    this.#drain()
    if (this.#capacity < scaleUp.toCapacity)
      this.#scaleTimer = setTimeout(() => this.#step(), scaleUp.stepEveryMs)
  }
}
