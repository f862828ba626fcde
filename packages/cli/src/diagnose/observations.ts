import type { ProbeResult } from '@tarmac/probe'
import type { ColdStartFailure } from '@tarmac/protocol'
import type { PlatformFinding } from '../deploy/platform/findings.js'
import type { SupervisedService } from '../up/supervisor-facts.js'

/**
 * What `tarmac diagnose` saw, before any judgement: raw enough to be shown as evidence, structured enough to
 * be judged by `analyse`. Every field is something observed, with where it came from.
 */
export interface DiagnosisInput {
  readonly at: string
  readonly services: readonly ServiceObservation[]
  /** Cold starts recorded by the collector (the frontend) over the window; null when there is none. */
  readonly coldStarts: ColdStartObservation | null
  readonly dependencies: readonly DependencyObservation[]
  /**
   * `max_connections` and who holds the slots, read on a direct connection (or why it could not be read);
   * null without a postgres dependency.
   */
  readonly capacity: CapacityObservation | UnreadableCapacity | null
  /**
   * The platform's own settings held to the plan (`--platform`: what `tarmac deploy verify` reads), or why they
   * could not be read; absent or null when not asked for.
   */
  readonly platform?: PlatformObservation | null
  /**
   * What `tarmac up` on this machine knows of the services it supervises (its facts file): exits with their code
   * or signal, restarts, pids; absent or null when there is no such file.
   */
  readonly supervisor?: SupervisorObservation | null
}

/** `tarmac up`'s facts file, read locally; or why it could not be. */
export type SupervisorObservation =
  | {
      readonly source: string
      /** Whether the `up` that wrote it still runs: if not, its facts are history. */
      readonly upRunning: boolean
      readonly writtenAt: string
      /** Keyed by the service's name in tarmac.yaml (matched by URL). */
      readonly services: Readonly<Record<string, SupervisedService>>
    }
  | { readonly source: string; readonly unavailable: string }

/** `tarmac deploy verify`'s findings, from `source`; or why the platform could not be read (`CODE: message`). */
export type PlatformObservation =
  | { readonly source: string; readonly findings: readonly PlatformFinding[] }
  | { readonly unavailable: string }

/** One HTTP exchange with a service: an answer (status, body), or the network class of no answer. */
export type Exchange =
  | {
      readonly answered: true
      readonly status: number
      readonly latencyMs: number
      readonly body: unknown
      /** Who answered: `content-type`, `server`, `via`, when present. */
      readonly headers?: Readonly<Record<string, string>>
    }
  | {
      readonly answered: false
      readonly errorClass: string
      readonly message: string
      readonly latencyMs: number
    }

export interface ServiceObservation {
  readonly name: string
  readonly url: string
  readonly ready: Exchange
  readonly startup: Exchange
  readonly infrastructure: Exchange
  /** `POST /health/probe/postgres`; null when not asked (the service did not answer at all). */
  readonly probe: Exchange | null
}

/** A failed cold start the collector kept: the evidence an instance left before it exited. */
export interface RecordedColdStart {
  readonly service: string
  readonly instance: string
  readonly outcome: 'ready' | 'failed'
  readonly at: string
  readonly phase: string | null
  readonly component: string | null
  readonly code: string | null
  readonly causeCode: string | null
  readonly domain: string | null
  readonly layer: string | null
  readonly message: string | null
  /** The failing component's attempts: code, domain, layer and evidence (SQLSTATE, phase timings). */
  readonly attempts: readonly {
    code: string
    domain?: string
    layer?: string
    evidence?: Record<string, unknown>
  }[]
}

export interface ColdStartObservation {
  readonly source: string
  readonly windowMs: number
  /** Newest first. */
  readonly records: readonly RecordedColdStart[]
  /** Why there are none, when the collector could not be read. */
  readonly unavailable?: string
  /**
   * The collector's public summary (`GET /status/cold-starts`, no token), read when the records are not: per
   * service, failed cold starts by phase and the newest failure's code — no messages, no per-record codes.
   */
  readonly summaries?: readonly ColdStartSummaryObservation[]
}

/** One service's line of `GET /status/cold-starts`, as far as diagnose reads it. */
export interface ColdStartSummaryObservation {
  readonly service: string
  readonly failed: number
  readonly failedByPhase: Readonly<Record<string, number>>
  readonly lastFailure: (Omit<ColdStartFailure, 'message'> & { readonly at: string }) | null
}

export interface DependencyObservation {
  readonly name: string
  readonly type: 'postgres' | 'tcp' | 'http'
  /** Where it is, without credentials. */
  readonly target: string
  /** A few probes from where diagnose runs (not the services' path). */
  readonly probes: readonly ProbeResult[]
}

export interface CapacityObservation {
  readonly dependency: string
  readonly maxConnections: number
  readonly reserved: number
  readonly inUse: number | null
  readonly available: number | null
  readonly byApplication: Readonly<Record<string, number>>
  readonly embedded: boolean
}

/** Diagnose could not read the capacity: the connection's error (53300 says the database is full). */
export interface UnreadableCapacity {
  readonly dependency: string
  readonly unreadable: { readonly code: string; readonly message: string }
}
