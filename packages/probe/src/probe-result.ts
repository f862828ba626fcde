import { classifyError, type ProbeFailure } from './classify-error.js'
import type { Deadline } from './deadline.js'
import { ProbeError, isProbeErrorClass } from './errors.js'
import type { PhaseClock } from './phase-clock.js'
import type { PhaseTimings, ProbeKind } from './phases.js'

/** What a probe learned besides timings; which fields are set depends on the kind. JSON-serialisable. */
export interface ProbeDetails {
  /** Every address the name resolved to. */
  addresses?: string[]
  /** The address the connection was made to. */
  address?: string
  /** TLS protocol (`TLSv1.3`), for tls, https and Postgres over SSL. */
  protocol?: string
  cipher?: string
  /** Whether the certificate chain verified against the trusted CAs. */
  authorized?: boolean
  authorizationError?: string
  subject?: string
  issuer?: string
  /** Certificate validity, ISO 8601. */
  validFrom?: string
  validTo?: string
  /** Whole days until the certificate expires (negative once expired). */
  daysUntilExpiry?: number
  status?: number
  httpVersion?: string
  bodyBytes?: number
  serverVersion?: string
  /** Whether the Postgres connection negotiated SSL. */
  ssl?: boolean
}

/** The outcome of one probe. JSON-serialisable; `target` never carries a password. */
export interface ProbeResult {
  kind: ProbeKind
  target: string
  ok: boolean
  totalMs: number
  phases: PhaseTimings
  /** When the probe started, ISO 8601. */
  startedAt: string
  details?: ProbeDetails
  error?: ProbeFailure
}

/**
 * Runs a probe body and turns its outcome into a `ProbeResult`. The body laps the clock phase by
 * phase and fills `details`; it throws on failure (classified here with the phase in progress) or
 * returns a failure it found itself (an unexpected HTTP status). Usage errors are rethrown.
 */
export async function runProbe(
  kind: ProbeKind,
  target: string,
  clock: PhaseClock,
  deadline: Deadline,
  body: (details: ProbeDetails) => Promise<ProbeFailure | undefined>,
): Promise<ProbeResult> {
  const details: ProbeDetails = {}
  let failure: ProbeFailure | undefined
  try {
    failure = await body(details)
  } catch (error) {
    if (error instanceof ProbeError && !isProbeErrorClass(error.code)) throw error
    failure = classifyError(error, clock.current)
  } finally {
    deadline.dispose()
  }
  clock.stop()
  const result: ProbeResult = {
    kind,
    target,
    ok: failure === undefined,
    totalMs: clock.totalMs,
    phases: clock.phases,
    startedAt: clock.startedAt.toISOString(),
  }
  if (Object.keys(details).length > 0) result.details = details
  if (failure !== undefined) result.error = failure
  return result
}
