/** What a connector-overhead run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface WorkloadResult {
  readonly workload: string
  /** The pgbench arguments (without the target). */
  readonly pgbench: string
  /** Transactions per second of each round, straight to Postgres and through the connector. */
  readonly direct: readonly number[]
  readonly proxied: readonly number[]
  /** Median proxied ÷ median direct. */
  readonly ratio: number
}

export interface ConnectorOverheadResult {
  readonly rounds: number
  readonly results: readonly WorkloadResult[]
  readonly connectorStats: unknown
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const tables = {
  /** Each workload's rounds, direct and through the connector, and the ratio of the medians. */
  rounds: (runs: readonly Run<ConnectorOverheadResult>[]) => {
    const { result } = only(runs, 'rounds')
    return result.results
      .map((w) =>
        [
          `**${w.workload}** (\`${w.pgbench}\`): connector ÷ direct, medians: **${w.ratio}**`,
          '',
          markdownTable(
            ['round', 'direct tps', 'connector tps'],
            [
              ...w.direct.map((tps, i) => [i + 1, tps.toFixed(0), w.proxied[i]!.toFixed(0)]),
              ['median', median(w.direct).toFixed(0), median(w.proxied).toFixed(0)],
            ],
            [1, 2],
          ),
        ].join('\n'),
      )
      .join('\n\n')
  },
} satisfies BenchTables
