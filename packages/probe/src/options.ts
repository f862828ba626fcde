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

const BASE_KEYS = ['signal', 'timeoutMs'] as const

/**
 * Validates a probe's options once: unknown keys and bad values are all listed in one
 * `PROBE_ERR_INVALID_OPTIONS` error. `check` adds the probe's own rules.
 */
export function resolveProbeOptions(
  options: object | undefined,
  extraKeys: readonly string[],
  defaultTimeoutMs: number,
  check?: (options: Record<string, unknown>, problems: string[]) => void,
): ResolvedProbeOptions {
  const record = (options ?? {}) as Record<string, unknown>
  const problems: string[] = []
  if (typeof record !== 'object' || record === null) {
    throw new ProbeError('PROBE_ERR_INVALID_OPTIONS', 'invalid probe options: expected an object')
  }
  for (const key of Object.keys(record)) {
    if (!(BASE_KEYS as readonly string[]).includes(key) && !extraKeys.includes(key))
      problems.push(`unknown option "${key}"`)
  }
  const { signal, timeoutMs } = record
  if (signal !== undefined && !(signal instanceof AbortSignal)) problems.push('signal must be an AbortSignal')
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)
  ) {
    problems.push('timeoutMs must be a positive finite number')
  }
  check?.(record, problems)
  if (problems.length > 0) {
    throw new ProbeError('PROBE_ERR_INVALID_OPTIONS', `invalid probe options: ${problems.join('; ')}`)
  }
  return {
    signal: signal as AbortSignal | undefined,
    timeoutMs: (timeoutMs as number | undefined) ?? defaultTimeoutMs,
  }
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
