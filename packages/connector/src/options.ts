import { parseOptions } from '@tarmac/options'
import { z } from 'zod'
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
  scaleUp: null as Required<ScaleUpOptions> | null,
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

const COUNT = (min: number) => `must be an integer ≥ ${min}, or Infinity`
const count = (min: number) =>
  z.union([z.literal(Infinity), z.number().int(COUNT(min)).min(min, COUNT(min))], { error: COUNT(min) })
/** > 0; Infinity means "no limit". */
const positive = z.union([z.literal(Infinity), z.number().gt(0, 'must be a number > 0')], {
  error: 'must be a number > 0',
})
const nonNegativeMs = z.number('must be a finite number ≥ 0').min(0, 'must be a finite number ≥ 0')
const ratio = z.number().min(0, 'must be a number from 0 to 1').max(1, 'must be a number from 0 to 1')
const fn = z.custom<() => number>((value) => typeof value === 'function', 'must be a function')

const delayMs = z.union(
  [
    nonNegativeMs,
    z
      .strictObject({ minMs: nonNegativeMs, maxMs: nonNegativeMs })
      .refine((delay) => delay.minMs <= delay.maxMs, { message: 'must not exceed maxMs', path: ['minMs'] }),
  ],
  { error: 'must be a number ≥ 0 or { minMs, maxMs }' },
)

/**
 * Validates the options, unknown keys included; built once, at module load. It satisfies the keys of
 * `ConnectorOptions`, so a new option fails to compile until the schema knows it.
 */
const CONNECTOR_OPTIONS_SCHEMA = z
  .strictObject(
    {
      upstream: z.strictObject(
        {
          host: z.string().min(1),
          port: z
            .number()
            .int('must be an integer from 1 to 65535')
            .min(1, 'must be an integer from 1 to 65535')
            .max(65535, 'must be an integer from 1 to 65535'),
        },
        'must be an object { host, port }',
      ),
      establishDelayMs: delayMs.optional(),
      capacity: count(1).optional(),
      maxQueue: count(0).optional(),
      scaleUp: z
        .strictObject(
          {
            toCapacity: count(1),
            afterMs: nonNegativeMs,
            stepCapacity: count(1).optional(),
            stepEveryMs: nonNegativeMs.optional(),
          },
          'must be { toCapacity, afterMs, stepCapacity?, stepEveryMs? } or null',
        )
        .nullable()
        .optional(),
      bandwidthBytesPerSecond: positive.optional(),
      bandwidthBurstBytes: positive.optional(),
      refuseRatio: ratio.optional(),
      resetRatio: ratio.optional(),
      resetAfterMs: delayMs.optional(),
      upstreamTimeoutMs: positive.optional(),
      clientBufferBytes: positive.optional(),
      random: fn.optional(),
    } satisfies Record<keyof ConnectorOptions, z.ZodType>,
    'must be an object',
  )
  .refine(
    // Checked even beside other problems (`when`), so one error still lists them all.
    (options) =>
      typeof options?.scaleUp?.toCapacity !== 'number' ||
      options.scaleUp.toCapacity >=
        (typeof options.capacity === 'number' ? options.capacity : CONNECTOR_DEFAULTS.capacity),
    {
      message: 'must be at least capacity (capacity never shrinks)',
      path: ['scaleUp', 'toCapacity'],
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  )

/** Validates once, lists every problem in one error, and freezes the result. */
export function resolveConnectorOptions(options: ConnectorOptions): ResolvedConnectorOptions {
  const valid = parseOptions(
    CONNECTOR_OPTIONS_SCHEMA,
    options,
    (problems) =>
      new ConnectorError(
        'CONNECTOR_ERR_INVALID_OPTIONS',
        `invalid connector options:\n- ${problems.join('\n- ')}`,
      ),
  )
  const bandwidthBytesPerSecond = valid.bandwidthBytesPerSecond ?? CONNECTOR_DEFAULTS.bandwidthBytesPerSecond
  const bandwidthBurstBytes =
    valid.bandwidthBurstBytes ??
    (Number.isFinite(bandwidthBytesPerSecond) ? bandwidthBytesPerSecond / 10 : Infinity)
  const capacity = valid.capacity ?? CONNECTOR_DEFAULTS.capacity
  return Object.freeze({
    upstream: Object.freeze({ host: valid.upstream.host, port: valid.upstream.port }),
    establishDelayMs: resolveDelay(valid.establishDelayMs ?? CONNECTOR_DEFAULTS.establishDelayMs),
    capacity,
    maxQueue: valid.maxQueue ?? CONNECTOR_DEFAULTS.maxQueue,
    scaleUp: valid.scaleUp
      ? Object.freeze({
          toCapacity: valid.scaleUp.toCapacity,
          afterMs: valid.scaleUp.afterMs,
          stepCapacity: valid.scaleUp.stepCapacity ?? valid.scaleUp.toCapacity,
          stepEveryMs: valid.scaleUp.stepEveryMs ?? 0,
        })
      : CONNECTOR_DEFAULTS.scaleUp,
    bandwidthBytesPerSecond,
    bandwidthBurstBytes: Math.max(1, Math.floor(bandwidthBurstBytes)),
    refuseRatio: valid.refuseRatio ?? CONNECTOR_DEFAULTS.refuseRatio,
    resetRatio: valid.resetRatio ?? CONNECTOR_DEFAULTS.resetRatio,
    resetAfterMs: resolveDelay(valid.resetAfterMs ?? CONNECTOR_DEFAULTS.resetAfterMs),
    upstreamTimeoutMs: valid.upstreamTimeoutMs ?? CONNECTOR_DEFAULTS.upstreamTimeoutMs,
    clientBufferBytes: valid.clientBufferBytes ?? CONNECTOR_DEFAULTS.clientBufferBytes,
    random: valid.random ?? Math.random,
  })
}

/** Draws one delay; `random` is in [0, 1). */
export function sampleDelayMs(delay: ResolvedDelay, random: () => number): number {
  // A fixed delay draws nothing, so a seeded source stays in step with the ratios that do draw.
  if (delay.minMs === delay.maxMs) return delay.minMs
  return delay.minMs + (delay.maxMs - delay.minMs) * random()
}

function resolveDelay(delay: DelayMs): ResolvedDelay {
  return Object.freeze(typeof delay === 'number' ? { minMs: delay, maxMs: delay } : { ...delay })
}
