import { checkCount, checkNonNegative, checkPositive, isInteger, isRecord, unknownKeys } from './checks.js'
import { ConnectorError } from './errors.js'

/** A fixed delay, or one drawn uniformly from `[minMs, maxMs]` for each connection. */
export type DelayMs = number | { readonly minMs: number; readonly maxMs: number }

/** Capacity grows after a delay counted from the first connection that had to queue; it never shrinks. */
export interface ScaleUpOptions {
  /** The capacity reached in the end. */
  readonly toCapacity: number
  /** Counted from the first queued connection (the demand the autoscaler reacts to), not from `listen()`. */
  readonly afterMs: number
  /** Added at each step. Default: the whole way to `toCapacity` in one step. */
  readonly stepCapacity?: number
  /** Time between later steps. Default 0 (all steps at once). */
  readonly stepEveryMs?: number
}

export interface ConnectorOptions {
  /** Where established connections go, e.g. a Postgres server. */
  readonly upstream: { readonly host: string; readonly port: number }
  /** Time a connection spends establishing once it has a capacity slot. Default 0. */
  readonly establishDelayMs?: DelayMs
  /** How many connections may be establishing at once; the rest queue, FIFO. Default Infinity. */
  readonly capacity?: number
  /** Queued connections beyond this are refused. Default Infinity. */
  readonly maxQueue?: number
  /** Default none: capacity stays where it is. */
  readonly scaleUp?: ScaleUpOptions | null
  /** Per connection and per direction (token bucket). Default Infinity (no limit). */
  readonly bandwidthBytesPerSecond?: number
  /** Bucket size: the largest burst. Default a tenth of a second's worth of bandwidth. */
  readonly bandwidthBurstBytes?: number
  /** Share of new connections reset at once, before they queue. Default 0. */
  readonly refuseRatio?: number
  /** Share of established connections reset `resetAfterMs` after establishment. Default 0. */
  readonly resetRatio?: number
  /** When a connection picked by `resetRatio` is reset. Default 0 (as soon as it is established). */
  readonly resetAfterMs?: DelayMs
  /** The upstream dial fails after this. Default 10 000. */
  readonly upstreamTimeoutMs?: number
  /** Bytes held per waiting client before its socket is paused (a paused client's hang-up goes unseen). Default 1 MiB. */
  readonly clientBufferBytes?: number
  /** Random source in [0, 1); inject a seeded one in tests. Default `Math.random`. */
  readonly random?: () => number
}

/** The defaults of every optional setting, units in the names. */
export const CONNECTOR_DEFAULTS = Object.freeze({
  establishDelayMs: 0,
  capacity: Infinity,
  maxQueue: Infinity,
  scaleUp: null,
  bandwidthBytesPerSecond: Infinity,
  refuseRatio: 0,
  resetRatio: 0,
  resetAfterMs: 0,
  upstreamTimeoutMs: 10_000,
  clientBufferBytes: 1024 * 1024,
})

export interface ResolvedDelay {
  readonly minMs: number
  readonly maxMs: number
}

export interface ResolvedConnectorOptions {
  readonly upstream: { readonly host: string; readonly port: number }
  readonly establishDelayMs: ResolvedDelay
  readonly capacity: number
  readonly maxQueue: number
  readonly scaleUp: Required<ScaleUpOptions> | null
  readonly bandwidthBytesPerSecond: number
  readonly bandwidthBurstBytes: number
  readonly refuseRatio: number
  readonly resetRatio: number
  readonly resetAfterMs: ResolvedDelay
  readonly upstreamTimeoutMs: number
  readonly clientBufferBytes: number
  readonly random: () => number
}

const OPTION_KEYS = new Set([
  'upstream',
  'establishDelayMs',
  'capacity',
  'maxQueue',
  'scaleUp',
  'bandwidthBytesPerSecond',
  'bandwidthBurstBytes',
  'refuseRatio',
  'resetRatio',
  'resetAfterMs',
  'upstreamTimeoutMs',
  'clientBufferBytes',
  'random',
])
const UPSTREAM_KEYS = new Set(['host', 'port'])
const DELAY_KEYS = new Set(['minMs', 'maxMs'])
const SCALE_UP_KEYS = new Set(['toCapacity', 'afterMs', 'stepCapacity', 'stepEveryMs'])

/** Validates once, lists every problem in one error, and freezes the result. */
export function resolveConnectorOptions(options: ConnectorOptions): ResolvedConnectorOptions {
  if (!isRecord(options)) {
    throw new ConnectorError('CONNECTOR_ERR_INVALID_OPTIONS', 'invalid connector options: expected an object')
  }
  const problems = unknownKeys(options, OPTION_KEYS, 'options')
  const upstream = options.upstream as unknown
  if (!isRecord(upstream)) problems.push('upstream must be an object { host, port }')
  else {
    problems.push(...unknownKeys(upstream, UPSTREAM_KEYS, 'upstream'))
    if (typeof upstream.host !== 'string' || upstream.host === '')
      problems.push('upstream.host must be a non-empty string')
    if (!isInteger(upstream.port) || upstream.port < 1 || upstream.port > 65535) {
      problems.push('upstream.port must be an integer from 1 to 65535')
    }
  }
  const establishDelayMs = resolveDelay(problems, 'establishDelayMs', options.establishDelayMs)
  const resetAfterMs = resolveDelay(problems, 'resetAfterMs', options.resetAfterMs)
  const capacity = options.capacity ?? CONNECTOR_DEFAULTS.capacity
  checkCount(problems, 'capacity', capacity, 1)
  const maxQueue = options.maxQueue ?? CONNECTOR_DEFAULTS.maxQueue
  checkCount(problems, 'maxQueue', maxQueue, 0)
  const scaleUp = resolveScaleUp(problems, options.scaleUp, capacity)
  const bandwidthBytesPerSecond =
    options.bandwidthBytesPerSecond ?? CONNECTOR_DEFAULTS.bandwidthBytesPerSecond
  checkPositive(problems, 'bandwidthBytesPerSecond', bandwidthBytesPerSecond)
  const bandwidthBurstBytes =
    options.bandwidthBurstBytes ??
    (Number.isFinite(bandwidthBytesPerSecond) ? bandwidthBytesPerSecond / 10 : Infinity)
  checkPositive(problems, 'bandwidthBurstBytes', bandwidthBurstBytes)
  const refuseRatio = options.refuseRatio ?? CONNECTOR_DEFAULTS.refuseRatio
  const resetRatio = options.resetRatio ?? CONNECTOR_DEFAULTS.resetRatio
  for (const [name, value] of [
    ['refuseRatio', refuseRatio],
    ['resetRatio', resetRatio],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      problems.push(`${name} must be a number from 0 to 1`)
  }
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? CONNECTOR_DEFAULTS.upstreamTimeoutMs
  checkPositive(problems, 'upstreamTimeoutMs', upstreamTimeoutMs)
  const clientBufferBytes = options.clientBufferBytes ?? CONNECTOR_DEFAULTS.clientBufferBytes
  checkPositive(problems, 'clientBufferBytes', clientBufferBytes)
  const random = options.random ?? Math.random
  if (typeof random !== 'function') problems.push('random must be a function returning a number in [0, 1)')
  if (problems.length > 0) {
    throw new ConnectorError(
      'CONNECTOR_ERR_INVALID_OPTIONS',
      `invalid connector options:\n- ${problems.join('\n- ')}`,
    )
  }
  return Object.freeze({
    upstream: Object.freeze({ host: options.upstream.host, port: options.upstream.port }),
    establishDelayMs,
    capacity,
    maxQueue,
    scaleUp,
    bandwidthBytesPerSecond,
    bandwidthBurstBytes: Math.max(1, Math.floor(bandwidthBurstBytes)),
    refuseRatio,
    resetRatio,
    resetAfterMs,
    upstreamTimeoutMs,
    clientBufferBytes,
    random,
  })
}

/** Draws one delay; `random` is in [0, 1). */
export function sampleDelayMs(delay: ResolvedDelay, random: () => number): number {
  // A fixed delay draws nothing, so a seeded source stays in step with the ratios that do draw.
  if (delay.minMs === delay.maxMs) return delay.minMs
  return delay.minMs + (delay.maxMs - delay.minMs) * random()
}

function resolveDelay(problems: string[], name: string, value: unknown): ResolvedDelay {
  if (value === undefined) return Object.freeze({ minMs: 0, maxMs: 0 })
  if (typeof value === 'number') {
    checkNonNegative(problems, name, value)
    return Object.freeze({ minMs: value, maxMs: value })
  }
  if (!isRecord(value)) {
    problems.push(`${name} must be a number or { minMs, maxMs }`)
    return Object.freeze({ minMs: 0, maxMs: 0 })
  }
  problems.push(...unknownKeys(value, DELAY_KEYS, name))
  checkNonNegative(problems, `${name}.minMs`, value.minMs)
  checkNonNegative(problems, `${name}.maxMs`, value.maxMs)
  const minMs = Number(value.minMs)
  const maxMs = Number(value.maxMs)
  if (minMs > maxMs) problems.push(`${name}.minMs must not exceed ${name}.maxMs`)
  return Object.freeze({ minMs, maxMs })
}

function resolveScaleUp(
  problems: string[],
  value: unknown,
  capacity: number,
): Required<ScaleUpOptions> | null {
  if (value === undefined || value === null) return null
  if (!isRecord(value)) {
    problems.push('scaleUp must be { toCapacity, afterMs, stepCapacity?, stepEveryMs? } or null')
    return null
  }
  problems.push(...unknownKeys(value, SCALE_UP_KEYS, 'scaleUp'))
  checkCount(problems, 'scaleUp.toCapacity', value.toCapacity, 1)
  if (typeof value.toCapacity === 'number' && value.toCapacity < capacity) {
    problems.push('scaleUp.toCapacity must be at least capacity (capacity never shrinks)')
  }
  checkNonNegative(problems, 'scaleUp.afterMs', value.afterMs)
  const stepCapacity = value.stepCapacity ?? value.toCapacity
  checkCount(problems, 'scaleUp.stepCapacity', stepCapacity, 1)
  const stepEveryMs = value.stepEveryMs ?? 0
  checkNonNegative(problems, 'scaleUp.stepEveryMs', stepEveryMs)
  return Object.freeze({
    toCapacity: value.toCapacity as number,
    afterMs: value.afterMs as number,
    stepCapacity: stepCapacity as number,
    stepEveryMs: stepEveryMs as number,
  })
}
