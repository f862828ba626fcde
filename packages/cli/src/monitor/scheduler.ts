import { LagRecorder } from './lag-recorder.js'

/** What the scheduler needs of a target. */
export interface ScheduledTarget {
  readonly id: string
  readonly intervalMs: number
  /** Per-check deadline; the run gets it and must finish within it (probes take `timeoutMs`). */
  readonly timeoutMs: number
}

/** What a run learns about its own scheduling. */
export interface DispatchInfo {
  /** How late the check started after its due time (timer lateness + wait for a concurrency slot). */
  readonly lagMs: number
  readonly dueAtMs: number
  readonly startedAtMs: number
  /** The per-check deadline: the smaller of the target's timeout and its interval. */
  readonly deadlineMs: number
}

export interface SchedulerOptions<T extends ScheduledTarget, R> {
  readonly targets: readonly T[]
  readonly run: (target: T, info: DispatchInfo) => Promise<R>
  /** Called with each result and whether it can be trusted (the scheduler was on time while it was measured). */
  readonly onResult: (target: T, result: R, info: DispatchInfo & { trusted: boolean }) => void
  readonly concurrency: number
  readonly lagBoundMs: number
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number
  /** How often the scheduler checks its own timer lateness while idle. */
  readonly heartbeatMs?: number
  /**
   * The timer fires at most once per `batchMs` and starts every check due by then (default 0: one wake-up per
   * due time). 2,000 targets at 1 s are a due time every 0.5 ms; a few ms of batching turns 2,000 wake-ups a
   * second into a few hundred, for at most that much lateness (measured and counted like any other).
   */
  readonly batchMs?: number
}

/** Counters of the scheduler itself. */
export interface SchedulerStats {
  readonly dispatched: number
  readonly completed: number
  /** Checks that started later than the lag bound, or were skipped because the previous one still ran. */
  readonly missedDeadlines: number
  readonly skippedOverlaps: number
  readonly untrusted: number
  readonly inFlight: number
  readonly lagP50Ms: number
  readonly lagP99Ms: number
  readonly lagMaxMs: number
}

interface Slot<T> {
  readonly target: T
  dueAtMs: number
  running: boolean
}

/**
 * Runs every target on its interval, on time: fixed-rate due times (no drift), spread evenly over the first
 * interval, one timer for the earliest due check, at most `concurrency` checks in flight, a per-check deadline,
 * and a measure of its own lateness. A check still running when its next one is due is not doubled: the next
 * one is skipped and counted as missed.
 */
export class Scheduler<T extends ScheduledTarget, R> {
  readonly #options: SchedulerOptions<T, R>
  readonly #now: () => number
  readonly #heap: Slot<T>[] = []
  readonly #ready: Slot<T>[] = []
  readonly lag: LagRecorder
  #timer: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined
  #timerDueMs = 0
  #lastTickMs = Number.NEGATIVE_INFINITY
  #inFlight = 0
  #running = false
  #stats = { dispatched: 0, completed: 0, missedDeadlines: 0, skippedOverlaps: 0, untrusted: 0 }
  #idle: (() => void) | undefined

  constructor(options: SchedulerOptions<T, R>) {
    this.#options = options
    this.#now = options.now ?? (() => performance.now())
    this.lag = new LagRecorder(options.lagBoundMs)
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    const startMs = this.#now()
    const count = this.#options.targets.length
    this.#options.targets.forEach((target, index) => {
      // Spreading the first due times keeps 1,000 checks at 1 s from all firing in the same millisecond.
      const offsetMs = count > 1 ? (target.intervalMs * index) / count : 0
      heapPush(this.#heap, { target, dueAtMs: startMs + offsetMs, running: false })
    })
    const heartbeatMs = this.#options.heartbeatMs ?? 100
    let expectedMs = startMs + heartbeatMs
    this.#heartbeat = setInterval(() => {
      const nowMs = this.#now()
      if (nowMs - expectedMs > this.#options.lagBoundMs) this.lag.lastLateAtMs = nowMs
      expectedMs = nowMs + heartbeatMs
    }, heartbeatMs)
    this.#heartbeat.unref()
    this.#arm()
  }

  /** Stops scheduling; resolves when the checks in flight have finished. */
  stop(): Promise<void> {
    this.#running = false
    clearTimeout(this.#timer)
    clearInterval(this.#heartbeat)
    this.#ready.length = 0
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => (this.#idle = resolve))
  }

  stats(): SchedulerStats {
    return {
      ...this.#stats,
      inFlight: this.#inFlight,
      lagP50Ms: this.lag.percentileMs(50),
      lagP99Ms: this.lag.percentileMs(99),
      lagMaxMs: this.lag.maxMs,
    }
  }

  #arm(): void {
    const next = this.#heap[0]
    if (!this.#running || next === undefined) return
    const fireAtMs = Math.max(next.dueAtMs, this.#lastTickMs + (this.#options.batchMs ?? 0))
    if (this.#timer !== undefined && this.#timerDueMs <= fireAtMs) return
    clearTimeout(this.#timer)
    this.#timerDueMs = fireAtMs
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, fireAtMs - this.#now()))
  }

  #tick(): void {
    this.#timer = undefined
    const nowMs = this.#now()
    this.#lastTickMs = nowMs
    while (this.#heap.length > 0 && this.#heap[0]!.dueAtMs <= nowMs + 1) {
      const slot = heapPop(this.#heap)!
      if (slot.running) {
        this.#stats.skippedOverlaps++
        this.#stats.missedDeadlines++
        this.#reschedule(slot, nowMs)
      } else {
        slot.running = true
        this.#ready.push(slot)
      }
    }
    this.#drain()
    this.#arm()
  }

  #drain(): void {
    while (this.#running && this.#inFlight < this.#options.concurrency && this.#ready.length > 0) {
      this.#dispatch(this.#ready.shift()!)
    }
  }

  #dispatch(slot: Slot<T>): void {
    const startedAtMs = this.#now()
    const { target } = slot
    const info: DispatchInfo = {
      lagMs: Math.max(0, startedAtMs - slot.dueAtMs),
      dueAtMs: slot.dueAtMs,
      startedAtMs,
      deadlineMs: Math.min(target.timeoutMs, target.intervalMs),
    }
    if (this.lag.record(info.lagMs, startedAtMs)) this.#stats.missedDeadlines++
    this.#stats.dispatched++
    this.#inFlight++
    this.#reschedule(slot, startedAtMs)
    const settle = (result: R): void => {
      this.#inFlight--
      this.#stats.completed++
      slot.running = false
      const trusted = info.lagMs <= this.#options.lagBoundMs && !this.lag.lateSince(startedAtMs)
      if (!trusted) this.#stats.untrusted++
      this.#options.onResult(target, result, { ...info, trusted })
      if (this.#inFlight === 0 && this.#idle) this.#idle()
      this.#drain()
    }
    this.#options.run(target, info).then(settle, (error: unknown) => {
      // A run must not reject; if one does, the scheduler stays alive and the error surfaces in the results.
      settle(error as R)
    })
  }

  #reschedule(slot: Slot<T>, nowMs: number): void {
    let due = slot.dueAtMs + slot.target.intervalMs
    // Far behind (a stall of several intervals): jump ahead instead of firing a burst of stale checks.
    while (due + slot.target.intervalMs <= nowMs) {
      due += slot.target.intervalMs
      this.#stats.missedDeadlines++
    }
    slot.dueAtMs = due
    heapPush(this.#heap, slot)
    this.#arm()
  }
}

function heapPush<T>(heap: Slot<T>[], slot: Slot<T>): void {
  heap.push(slot)
  let i = heap.length - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (heap[parent]!.dueAtMs <= heap[i]!.dueAtMs) break
    ;[heap[parent], heap[i]] = [heap[i]!, heap[parent]!]
    i = parent
  }
}

function heapPop<T>(heap: Slot<T>[]): Slot<T> | undefined {
  const top = heap[0]
  const last = heap.pop()
  if (heap.length > 0 && last !== undefined) {
    heap[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && heap[left]!.dueAtMs < heap[smallest]!.dueAtMs) smallest = left
      if (right < heap.length && heap[right]!.dueAtMs < heap[smallest]!.dueAtMs) smallest = right
      if (smallest === i) break
      ;[heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!]
      i = smallest
    }
  }
  return top
}
