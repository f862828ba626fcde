import { parseOptions, type OptionsSchema } from '@tarmac/options'
import { z } from 'zod'
import { ProbeError } from './errors.js'

/** Defaults, units in the names. */
export const PROBE_DEFAULTS = Object.freeze({
  /** Whole-probe deadline for dns/tcp/tls/http probes. */
  timeoutMs: 5_000,
  /** Whole-connect deadline for `connectPostgres` and `probePostgres` (DESIGN: DB connect attempt 30 s). */
  postgresTimeoutMs: 30_000,
})

/** Options every probe takes. */
export interface ProbeOptions {
  /** Aborting it ends the probe at once: sockets destroyed, the phase in progress reported as timed out. */
  signal?: AbortSignal
  /** Deadline for the whole probe, in ms. */
  timeoutMs?: number
}

export interface ResolvedProbeOptions {
  signal: AbortSignal | undefined
  timeoutMs: number
}

/** The options every probe takes; a probe with more `extend`s it. Built once, at module load. */
export const PROBE_OPTIONS_SCHEMA = z.strictObject({
  signal: z.instanceof(AbortSignal, { error: 'must be an AbortSignal' }).optional(),
  timeoutMs: z
    .number('must be a positive finite number')
    .gt(0, 'must be a positive finite number')
    .optional(),
} satisfies Record<keyof ProbeOptions, z.ZodType>)

/**
 * Validates a probe's options once against `schema` (`PROBE_OPTIONS_SCHEMA`, or a probe's extension of it):
 * unknown keys and bad values are all listed in one `PROBE_ERR_INVALID_OPTIONS` error.
 */
export function resolveProbeOptions(
  options: object | undefined,
  defaultTimeoutMs: number,
  schema: OptionsSchema<ProbeOptions> = PROBE_OPTIONS_SCHEMA,
): ResolvedProbeOptions {
  const { signal, timeoutMs } = parseOptions(
    schema,
    options ?? {},
    (problems) =>
      new ProbeError('PROBE_ERR_INVALID_OPTIONS', `invalid probe options: ${problems.join('; ')}`),
  )
  return { signal, timeoutMs: timeoutMs ?? defaultTimeoutMs }
}

/** Throws `PROBE_ERR_INVALID_TARGET` unless `port` is an integer in 1..65535. */
export function assertPort(port: unknown, target: string): asserts port is number {
  if (!(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new ProbeError(
      'PROBE_ERR_INVALID_TARGET',
      `invalid port for ${target}: expected an integer 1..65535`,
    )
  }
}

/** Throws `PROBE_ERR_INVALID_TARGET` unless `host` is a non-empty string. */
export function assertHost(host: unknown): asserts host is string {
  if (typeof host !== 'string' || host.trim() === '' || host.length > 253) {
    throw new ProbeError(
      'PROBE_ERR_INVALID_TARGET',
      'invalid host: expected a non-empty host name or IP address',
    )
  }
}
