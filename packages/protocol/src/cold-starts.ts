/** The steps of a database connect, as the cold-start summary reports them. */
export const CONNECT_STEPS = ['dns', 'tcp', 'ssl', 'auth', 'firstQuery', 'total'] as const
export type ConnectStep = (typeof CONNECT_STEPS)[number]

/** Where and why a cold start failed, as a report records it. */
export interface ColdStartFailure {
  readonly phase: string
  readonly component: string
  readonly code: string
  /** The error underneath `code`, when the failure was recorded with one (a deadline's last real error). */
  readonly causeCode: string | null
  readonly domain: string | null
  readonly layer: string | null
  readonly message: string
}

/**
 * One service's cold starts over a window, as the collector (the frontend) serves them at
 * `GET /status/cold-starts` (`{ services: ColdStartSummary[] }`) for the status page and `tarmac monitor`.
 */
export interface ColdStartSummary {
  readonly service: string
  readonly windowMs: number
  readonly total: number
  readonly ready: number
  readonly failed: number
  /** Failed cold starts by the phase they failed in. */
  readonly failedByPhase: Readonly<Record<string, number>>
  /** The newest failure in the window, the evidence a dead instance left behind. */
  readonly lastFailure: (ColdStartFailure & { readonly at: string; readonly instance: string }) | null
  /** Connect timings (successful admissions and failed attempts' partial phases), p50/p95 per step. */
  readonly connectMs: Readonly<Partial<Record<ConnectStep, { p50: number; p95: number; samples: number }>>>
}

/** The body of `GET /status/cold-starts`. */
export interface ColdStartsBody {
  readonly windowMs: number
  readonly services: readonly ColdStartSummary[]
}
