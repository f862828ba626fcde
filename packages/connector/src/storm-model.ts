import { EventQueue } from './event-queue.js'

/**
 * A discrete-event model of a cold-start storm: N instances start at once, each asks a serverless VPC connector
 * for its database connections, the connector establishes them a few at a time (FIFO, a scale-up that starts
 * with the first queued connection, as `CapacityGate` does), and Postgres refuses a connection beyond its slots
 * (53300). The instances share `cores` CPU (processor sharing): on one machine a fleet's starts slow each other
 * down, on a platform each instance has its own. It answers what a machine cannot run: a fleet of 1,000.
 */
export interface StormModelOptions {
  readonly instances: number
  readonly connector: StormConnectorModel
  /** Server connections the fleet may hold: `max_connections` − reserved − everyone else's. */
  readonly slotsForFleet: number
  readonly instance: InstanceModel
  /** CPU the fleet's processes share: 2 on a 2-core bench machine, `Infinity` when each instance has its own. */
  readonly cores: number
  /** Stop watching at this time (the bench gives up at 150 s). Default 150 000. */
  readonly horizonMs?: number
  /** Default `Math.random`; pass a seeded one for repeatable runs. */
  readonly random?: () => number
}

export interface StormConnectorModel {
  /** Per establishment, drawn uniformly. */
  readonly establishDelayMs: { readonly minMs: number; readonly maxMs: number }
  /** Establishments in flight at once before scale-up. */
  readonly capacity: number
  /** Capacity after scale-up, `afterMs` after the first connection had to queue. */
  readonly scaleUp: { readonly toCapacity: number; readonly afterMs: number } | null
}

/** How one instance starts. The CPU parts are its own work at full speed; sharing stretches them. */
export interface InstanceModel {
  /** CPU before it asks for its connections (process start; Tarmac's connect-ahead asks early). */
  readonly cpuBeforeConnectMs: number
  /** CPU that overlaps the establishment (loading the bundle, building the app). */
  readonly cpuWhileConnectingMs: number
  /** CPU once its connections are open, until ready (migrations check, capacity facts, self-test). */
  readonly cpuAfterConnectMs: number
  /** Connections opened at start, at once (Tarmac: 1, its admission connection; a warmed pool of 5: 5). */
  readonly connections: number
  /** One attempt's bound, queue and establishment included (`DB_CONNECT_TIMEOUT_MS`, a pool's timeout). */
  readonly attemptTimeoutMs: number
  /** Full-jitter retries until `deadlineMs` after spawn; null: the first failure ends the instance. */
  readonly retry: { readonly baseMs: number; readonly capMs: number; readonly deadlineMs: number } | null
}

export interface StormPrediction {
  readonly instances: number
  readonly ready: number
  readonly readyShare: number
  /** Over the instances that became ready; null when none did. */
  readonly p50ReadyMs: number | null
  readonly p95ReadyMs: number | null
  readonly maxReadyMs: number | null
  /** Connections Postgres refused for want of a slot (53300). */
  readonly refused: number
  /** Attempts cut short by their timeout (still queued or establishing). */
  readonly timedOut: number
  /** Instances that gave up (no retry, or past their deadline). */
  readonly exited: number
  /** Connections the connector established, ÷ instances. */
  readonly establishmentsPerInstance: number
  readonly peakServerConnections: number
}

type InstanceState = 'starting' | 'connecting' | 'finishing' | 'ready' | 'exited'

interface Instance {
  readonly id: number
  state: InstanceState
  attempt: number
  /** Bumped per attempt: events of an earlier attempt are ignored. */
  generation: number
  open: number
  pending: Set<Attempt>
  cpuWhileConnectingDone: boolean
  readyAtMs: number | null
}

interface Attempt {
  readonly instance: Instance
  readonly generation: number
  phase: 'queued' | 'establishing' | 'done'
}

interface CpuJob {
  readonly instance: Instance
  remainingMs: number
  readonly then: () => void
}

/**
 * Runs the model once. Deterministic for a given `random`.
 * @example
 * const p = simulateStorm({ instances: 500, connector, slotsForFleet: 400, instance: TARMAC_INSTANCE, cores: Infinity })
 * p.p95ReadyMs // the fleet's cold-start p95
 */
export function simulateStorm(options: StormModelOptions): StormPrediction {
  const random = options.random ?? Math.random
  const horizonMs = options.horizonMs ?? 150_000
  const { connector, instance: model } = options
  const events = new EventQueue()
  const queue: Attempt[] = []
  const jobs = new Set<CpuJob>()
  let nowMs = 0
  let capacity = connector.capacity
  let establishing = 0
  let scaleUpScheduled = false
  let serverConnections = 0
  let peakServerConnections = 0
  let refused = 0
  let timedOut = 0
  let establishments = 0

  const runCpu = (instance: Instance, ms: number, then: () => void) => {
    if (ms <= 0) then()
    else jobs.add({ instance, remainingMs: ms, then })
  }
  const drawEstablishMs = () =>
    connector.establishDelayMs.minMs +
    random() * (connector.establishDelayMs.maxMs - connector.establishDelayMs.minMs)

  const grant = (attempt: Attempt) => {
    attempt.phase = 'establishing'
    establishing++
    events.push(nowMs + drawEstablishMs(), () => established(attempt))
  }
  const drainQueue = () => {
    while (establishing < capacity && queue.length > 0) grant(queue.shift()!)
  }
  const request = (attempt: Attempt) => {
    if (establishing < capacity && queue.length === 0) return grant(attempt)
    queue.push(attempt)
    if (!scaleUpScheduled && connector.scaleUp) {
      scaleUpScheduled = true
      const { toCapacity, afterMs } = connector.scaleUp
      events.push(nowMs + afterMs, () => {
        capacity = Math.max(capacity, toCapacity)
        drainQueue()
      })
    }
  }

  const closeConnections = (instance: Instance) => {
    serverConnections -= instance.open
    instance.open = 0
  }
  const exit = (instance: Instance) => {
    instance.state = 'exited'
    closeConnections(instance)
    for (const job of jobs) if (job.instance === instance) jobs.delete(job)
  }
  const failed = (instance: Instance) => {
    // One failed connection fails the whole attempt: the others are given back.
    for (const attempt of instance.pending) abandon(attempt)
    closeConnections(instance)
    instance.generation++
    const retry = model.retry
    if (!retry) return exit(instance)
    const windowMs = Math.min(retry.capMs, retry.baseMs * 2 ** Math.min(instance.attempt - 1, 30))
    const atMs = nowMs + random() * windowMs
    if (atMs >= retry.deadlineMs) return exit(instance)
    events.push(atMs, () => connect(instance))
  }
  const abandon = (attempt: Attempt) => {
    if (attempt.phase === 'queued') queue.splice(queue.indexOf(attempt), 1)
    if (attempt.phase === 'establishing') {
      establishing--
      drainQueue()
    }
    attempt.phase = 'done'
    attempt.instance.pending.delete(attempt)
  }
  const established = (attempt: Attempt) => {
    if (attempt.phase !== 'establishing') return
    establishing--
    drainQueue()
    attempt.phase = 'done'
    const { instance } = attempt
    instance.pending.delete(attempt)
    establishments++
    if (serverConnections >= options.slotsForFleet) {
      refused++
      return failed(instance)
    }
    serverConnections++
    peakServerConnections = Math.max(peakServerConnections, serverConnections)
    instance.open++
    if (instance.pending.size === 0) connectedIfDone(instance)
  }
  const connectedIfDone = (instance: Instance) => {
    if (instance.state !== 'connecting' || instance.pending.size > 0 || !instance.cpuWhileConnectingDone)
      return
    if (instance.open < model.connections) return
    instance.state = 'finishing'
    runCpu(instance, model.cpuAfterConnectMs, () => {
      instance.state = 'ready'
      instance.readyAtMs = nowMs
    })
  }
  const connect = (instance: Instance) => {
    if (instance.state === 'exited') return
    instance.attempt++
    const generation = instance.generation
    for (let i = 0; i < model.connections; i++) {
      const attempt: Attempt = { instance, generation, phase: 'queued' }
      instance.pending.add(attempt)
      request(attempt)
    }
    events.push(nowMs + model.attemptTimeoutMs, () => {
      if (instance.generation !== generation || instance.pending.size === 0) return
      timedOut++
      failed(instance)
    })
  }

  const fleet: Instance[] = Array.from({ length: options.instances }, (_, id) => ({
    id,
    state: 'starting',
    attempt: 0,
    generation: 0,
    open: 0,
    pending: new Set(),
    cpuWhileConnectingDone: false,
    readyAtMs: null,
  }))
  for (const instance of fleet) {
    runCpu(instance, model.cpuBeforeConnectMs, () => {
      instance.state = 'connecting'
      connect(instance)
      runCpu(instance, model.cpuWhileConnectingMs, () => {
        instance.cpuWhileConnectingDone = true
        connectedIfDone(instance)
      })
    })
  }

  // Processor sharing: each running job gets min(1, cores / jobs) of a core.
  while (nowMs < horizonMs) {
    const rate = jobs.size === 0 ? 0 : Math.min(1, options.cores / jobs.size)
    let nextCpuMs = Number.POSITIVE_INFINITY
    for (const job of jobs) nextCpuMs = Math.min(nextCpuMs, nowMs + job.remainingMs / rate)
    const nextEventMs = events.peekMs()
    const untilMs = Math.min(nextCpuMs, nextEventMs, horizonMs)
    if (!Number.isFinite(untilMs)) break
    for (const job of jobs) job.remainingMs -= (untilMs - nowMs) * rate
    nowMs = untilMs
    if (nextCpuMs <= nextEventMs) {
      for (const job of [...jobs]) {
        if (job.remainingMs > 1e-6) continue
        jobs.delete(job)
        job.then()
      }
    } else if (nextEventMs <= untilMs) {
      events.pop()?.()
    }
  }

  const readyTimes = fleet
    .map((i) => i.readyAtMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b)
  const at = (q: number) =>
    readyTimes.length === 0 ? null : readyTimes[Math.ceil(q * readyTimes.length) - 1]!
  return {
    instances: options.instances,
    ready: readyTimes.length,
    readyShare: readyTimes.length / options.instances,
    p50ReadyMs: at(0.5),
    p95ReadyMs: at(0.95),
    maxReadyMs: at(1),
    refused,
    timedOut,
    exited: fleet.filter((i) => i.state === 'exited').length,
    establishmentsPerInstance: establishments / options.instances,
    peakServerConnections,
  }
}
