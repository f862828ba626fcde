import { classOfCode, type FaultDomain, type FaultLayer } from '@tarmac/faults'
import { CONNECT_BUDGET_DEFAULTS } from './connect-budget.js'

/**
 * One piece of evidence: where it came from, what it says (one line), and what it means for the verdict —
 * the fault it points at and how strongly, or the layers it shows to be working.
 */
export interface Fact {
  /** `backend /health/startup`, `backend in-service probe`, `frontend GET /startup-reports`, `postgres (from here)`… */
  readonly source: string
  readonly fact: string
  readonly value?: unknown
  readonly points?: {
    readonly domain: FaultDomain
    readonly layer: FaultLayer
    readonly weight: number
    /** The code it rests on, whose catalog entry says what to do. */
    readonly code?: string
  }
  readonly clears?: readonly FaultLayer[]
  /**
   * The service whose path the fact is about; none for the database itself. A fact rules a layer out only for
   * its own scope (auth's credentials working says nothing of the backend's), or for everyone when it has none.
   */
  readonly scope?: string
  /**
   * What on the service's path the fact is about: `postgres` for the database (the in-service probe, the
   * `postgres:*` checks), a check's component otherwise (`redis`, `search`). A fact that rules a layer out does so
   * only for facts about the same thing: fast connects to the database say nothing of the network path to Redis.
   */
  readonly about?: string
  /**
   * The database server's own word: a SQLSTATE it sent (53100 disk full, XX001 data corrupted). Nothing rules it
   * out — connects that work say the server is up, not that its disk has room.
   */
  readonly firm?: boolean
  /** About the database itself, even when seen from inside one service (its slots are everyone's). */
  readonly global?: boolean
  /** When what it reports happened, when known (for "since when"). */
  readonly at?: string
  /**
   * Measured by diagnose just now (an in-service probe, a probe from here, the capacity read), not a cached
   * check result or a record. A cached "passes" does not rule out what a fresh measurement shows failing.
   */
  readonly fresh?: boolean
}

/** A SQLSTATE the server sent (five characters of a known class), as opposed to a catalog code. */
export const isServerSqlState = (code: string | null | undefined): boolean =>
  typeof code === 'string' && classOfCode(code)?.name.startsWith('SQLSTATE') === true

/** Marks a fact as measured just now. */
export const measuredNow = (fact: Fact): Fact => ({ ...fact, fresh: true })

/** How much a kind of evidence counts. The service's own path outweighs a view from the laptop. */
export const WEIGHTS = Object.freeze({
  /** Fresh connects from inside a service: the connector is only on that path. */
  inService: 3,
  /** The database's own slot count. */
  capacity: 3,
  /** A service's own judgement: a failing check, a failed startup attempt, a recorded cold start. */
  report: 2,
  /** Diagnose's own probe of a dependency, from where it runs. */
  direct: 2,
  /**
   * A pattern on top of the evidence it is made of: the same exit code at the same phase, again and again (a
   * crash loop); a process the supervisor saw killed.
   */
  pattern: 3,
  /** A hint: a budget that does not fit, a non-critical warning. */
  hint: 1,
  /** What a fact that rules a layer out takes off that layer's score. */
  clear: 2,
})

/** Thresholds of the analysis, with units. */
export interface AnalysisOptions {
  /** A fresh connect slower than this (p95, DNS to first query) is slow. */
  readonly slowConnectMs: number
  /**
   * The budget a connect must fit when no service says its own deadline: the default criteria's `db-connect`
   * (p95 under 30 s). A connect using half of it or more weighs more.
   */
  readonly connectBudgetMs: number
  /** How far back the supervisor's exits count (diagnose's --window-min). */
  readonly windowMs: number
}

export const ANALYSIS_DEFAULTS: AnalysisOptions = Object.freeze({
  slowConnectMs: CONNECT_BUDGET_DEFAULTS.slowMs,
  connectBudgetMs: CONNECT_BUDGET_DEFAULTS.budgetMs,
  windowMs: 15 * 60_000,
})
