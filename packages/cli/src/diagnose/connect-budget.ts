import type { FaultLayer } from '@tarmac/faults'

/**
 * A connect that succeeds can still be the fault: 5 s to connect is the incident, even when every connect
 * gets there. Successful connects are judged against three yardsticks — the budget they must fit (the service's
 * connect deadline, else the default criteria's `db-connect` 30 s), an absolute slow bound, and the database's
 * own response time from the same vantage point (a query round trip on an already-open connection: a fast one
 * says the server is fine and the time went into establishing the connection).
 */

/** The steps of a Postgres connect, in wire order, as an operator reads them. */
export const CONNECT_STEPS: Readonly<Record<string, string>> = Object.freeze({
  dns: 'DNS',
  tcp: 'the TCP connect',
  socket: 'the socket connect',
  ssl: 'the TLS handshake',
  auth: "the startup handshake (until the server's first answer)",
  firstQuery: 'the first query',
})

export const CONNECT_BUDGET_DEFAULTS = Object.freeze({
  /** `db-connect` of the default criteria (packages/cli/criteria/default.yaml): p95 under 30 s. */
  budgetMs: 30_000,
  /** Slower than this (p95, DNS to first query) is slow whatever the budget. */
  slowMs: 1_000,
  /** Slow also needs this many times the database's own round trip, when known (a far database is not slow). */
  baselineFactor: 10,
  /** At or past this share of the budget, the connect weighs more: the next cold start may not fit. */
  atRiskShare: 0.5,
})

export interface ConnectJudgement {
  readonly slow: boolean
  /** p95 ÷ budget. */
  readonly share: number
  readonly atRisk: boolean
  /** The step that took the most time (p95), and its time. */
  readonly slowestStep: string | undefined
  readonly slowestMs: number
  /** p95 ÷ baseline, when a baseline is known. */
  readonly timesBaseline: number | null
  /** dns when DNS ate the time; postgres-availability when the database is slow even on an open connection; else connector. */
  readonly layer: FaultLayer
  /** One line: the p95, where the time went, against what. */
  readonly line: string
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`

/**
 * Judges a set of successful connects. `stepsP95` per step (dns, tcp, ssl, auth, firstQuery); `baselineMs` the
 * database's own round trip on an open connection (null: unknown); `budget` the deadline they must fit and where
 * it comes from.
 * @example
 * judgeConnects(5_012, { tcp: 1, auth: 5_004, firstQuery: 0.5 }, 0.5, { budgetMs: 30_000, source: 'db-connect' })
 * // { slow: true, layer: 'connector', line: 'p95 5,012 ms, 5,004 ms of it in the startup handshake …' }
 */
export function judgeConnects(
  p95Ms: number,
  stepsP95: Readonly<Record<string, number>>,
  baselineMs: number | null,
  budget: { readonly budgetMs: number; readonly source: string; readonly slowMs?: number },
): ConnectJudgement {
  const slowMs = budget.slowMs ?? CONNECT_BUDGET_DEFAULTS.slowMs
  const [slowestStep, slowestMs] = Object.entries(stepsP95)
    .filter(([step]) => step !== 'total')
    .sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0]
  const timesBaseline = baselineMs !== null && baselineMs > 0 ? p95Ms / baselineMs : null
  const slow =
    p95Ms >= slowMs && (timesBaseline === null || timesBaseline >= CONNECT_BUDGET_DEFAULTS.baselineFactor)
  const share = p95Ms / budget.budgetMs
  const atRisk = share >= CONNECT_BUDGET_DEFAULTS.atRiskShare
  // The database slow even on an open connection (within the factor of the connect): the server, not the path.
  const serverSlow = baselineMs !== null && baselineMs >= slowMs / CONNECT_BUDGET_DEFAULTS.baselineFactor
  const layer: FaultLayer = slowestStep === 'dns' ? 'dns' : serverSlow ? 'postgres-availability' : 'connector'
  const where =
    slowestStep === undefined
      ? ''
      : `, ${ms(slowestMs)} of it in ${CONNECT_STEPS[slowestStep] ?? slowestStep}`
  const against = [
    `${Math.round(share * 100)} % of the ${ms(budget.budgetMs)} connect budget (${budget.source})`,
    `${slow || p95Ms >= slowMs ? 'over' : 'under'} the ${ms(slowMs)} slow bound`,
    ...(baselineMs === null
      ? []
      : [
          `${Math.round(timesBaseline ?? 0).toLocaleString('en-US')}× the database's own round trip on an open connection (${baselineMs < 10 ? baselineMs.toFixed(1) : Math.round(baselineMs)} ms)`,
        ]),
  ]
  return {
    slow,
    share,
    atRisk,
    slowestStep,
    slowestMs,
    timesBaseline,
    layer,
    line: `p95 ${ms(p95Ms)}${where}: ${against.join('; ')}`,
  }
}
