import type { PhaseTimings, ProbePhase } from './phases.js'

/**
 * The closed list of classes a probe failure falls into. Each is documented in the README
 * (phase, meaning, fault domain, what to do). `classifyError` maps any error onto one of them.
 */
export const PROBE_ERROR_CLASSES = [
  'DNS_NOT_FOUND',
  'DNS_TIMEOUT',
  'TCP_REFUSED',
  'TCP_UNREACHABLE',
  'TCP_TIMEOUT',
  'TCP_RESET',
  'TLS_FAILED',
  'PG_AUTH_FAILED',
  'PG_TOO_MANY_CONNECTIONS',
  'PG_STARTING_UP',
  'PG_DB_NOT_FOUND',
  'PG_ERROR',
  'HTTP_STATUS',
  'PROTOCOL_ERROR',
  'TIMEOUT',
  'UNKNOWN',
] as const
export type ProbeErrorClass = (typeof PROBE_ERROR_CLASSES)[number]

/** Codes for misuse (thrown, never returned in a result): the caller passed something invalid. */
export const PROBE_USAGE_ERROR_CODES = ['PROBE_ERR_INVALID_TARGET', 'PROBE_ERR_INVALID_OPTIONS'] as const
export type ProbeUsageErrorCode = (typeof PROBE_USAGE_ERROR_CODES)[number]

export type ProbeErrorCode = ProbeErrorClass | ProbeUsageErrorCode

export interface ProbeErrorOptions {
  cause?: unknown
  /** The phase in progress when it failed (absent for usage errors). */
  phase?: ProbePhase
  /** The server's SQLSTATE, for Postgres errors. */
  sqlState?: string
  /** Phases timed before the failure, the failed one included (its partial duration). */
  phases?: PhaseTimings
}

/** The one error class of this package: a classified failure or a usage error. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError'
  readonly phase: ProbePhase | undefined
  readonly sqlState: string | undefined
  readonly phases: PhaseTimings | undefined

  constructor(
    readonly code: ProbeErrorCode,
    message: string,
    options: ProbeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.phase = options.phase
    this.sqlState = options.sqlState
    this.phases = options.phases
  }
}

/** True for the classes that mean "a deadline or the caller's signal ended the phase". */
export function isTimeoutClass(errorClass: ProbeErrorClass): boolean {
  return errorClass === 'DNS_TIMEOUT' || errorClass === 'TCP_TIMEOUT' || errorClass === 'TIMEOUT'
}

/** The timeout class for a phase: DNS and TCP have their own, every later phase is plain `TIMEOUT`. */
export function timeoutClassFor(phase: ProbePhase): ProbeErrorClass {
  if (phase === 'dns') return 'DNS_TIMEOUT'
  if (phase === 'tcp') return 'TCP_TIMEOUT'
  return 'TIMEOUT'
}

export function isProbeErrorClass(value: unknown): value is ProbeErrorClass {
  return typeof value === 'string' && (PROBE_ERROR_CLASSES as readonly string[]).includes(value)
}
