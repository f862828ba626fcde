/** What a postgres-connect run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export const PHASES = ['dnsMs', 'tcpMs', 'sslMs', 'authMs', 'firstQueryMs', 'totalMs'] as const
export type Row = Record<(typeof PHASES)[number], number>

export interface PostgresConnectResult {
  readonly samples: number
  /** p50 and p95 of each phase over `samples` sequential connects to the local PostgreSQL. */
  readonly local: { readonly p50: Row; readonly p95: Row }
  /** Embedded server starts: a cold data dir, then warm ones, each with its first connect. */
  readonly embeddedRuns: readonly {
    readonly kind: string
    readonly startMs: number
    readonly first: Row
    readonly toFirstQueryMs: number
  }[]
  readonly embeddedWarmConnects: { readonly p50: Row; readonly p95: Row }
  /** Concurrent timed-out connects per strategy (runs of unknown provenance lack it: 20). */
  readonly leakAttempts?: number
  readonly leaks: readonly {
    readonly strategy: string
    readonly before: number
    readonly failed: number
    readonly afterMs: number
    readonly after: number
  }[]
}

const phases = (title: string, s: { p50: Row; p95: Row }) =>
  markdownTable(
    [title, ...PHASES],
    (['p50', 'p95'] as const).map((p) => [p, ...PHASES.map((k) => s[p][k])]),
    PHASES.map((_, i) => i + 1),
  )

export const tables = {
  /** Sequential connects to the local PostgreSQL, phase by phase (ms). */
  local: (runs: readonly Run<PostgresConnectResult>[]) => {
    const { result } = only(runs, 'local')
    return [
      `${result.samples} sequential connects to the local PostgreSQL; ms.`,
      '',
      phases('local', result.local),
    ].join('\n')
  },
  /** Embedded starts (cold, then warm) with their first connect, and warm connects phase by phase (ms). */
  embedded: (runs: readonly Run<PostgresConnectResult>[]) => {
    const { result } = only(runs, 'embedded')
    return [
      'Start = `startEmbeddedPostgres` (open or initialise the data dir, listen); then the first `connect`; ms.',
      '',
      markdownTable(
        ['run', 'start', 'first connect total', 'auth', 'first query', 'start → first query'],
        result.embeddedRuns.map((r) => [
          r.kind,
          r.startMs,
          r.first.totalMs,
          r.first.authMs,
          r.first.firstQueryMs,
          r.toFirstQueryMs,
        ]),
        [1, 2, 3, 4, 5],
      ),
      '',
      phases('embedded, warm, connects', result.embeddedWarmConnects),
    ].join('\n')
  },
  /** Backends left on the server by connects that timed out behind a 1 s establishment delay. */
  leaks: (runs: readonly Run<PostgresConnectResult>[]) => {
    const { result } = only(runs, 'leaks')
    return [
      `${result.leakAttempts ?? 20} concurrent connects through \`@tarmac/connector\` with a 1,000 ms establishment delay, each giving up after 500 ms; backends with the attempt's \`application_name\` counted ${result.leaks[0]?.afterMs ?? 0} ms later.`,
      '',
      markdownTable(
        ['strategy', 'before', 'failed', 'after'],
        result.leaks.map((l) => [l.strategy, l.before, l.failed, l.after]),
        [1, 2, 3],
      ),
    ].join('\n')
  },
} satisfies BenchTables
