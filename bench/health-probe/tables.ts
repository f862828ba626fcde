/** What a health-probe run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'
import type { Target } from './targets.js'

export interface Summary {
  medianRequestsPerSecond: number
  medianLatencyP99Ms: number
  medianServerCpuMicrosPerRequest: number
  requests: number
  non2xx: number
  dbTransactions: number
  dbTransactionsPer1000Probes: number
}

export interface HealthProbeResult {
  readonly settings: {
    readonly rounds: number
    readonly secondsPerWindow: number
    readonly connections: number
  }
  readonly summary: Readonly<Record<Target, Summary>>
  readonly ratios: {
    readonly tarmacToBareByServerCpu: number
    readonly terminusToBareByServerCpu: number
    readonly tarmacToBareMedianOfRounds: number
    readonly terminusToBareMedianOfRounds: number
  }
  /** Every measured window. */
  readonly windows: readonly unknown[]
}

const NAMES: Readonly<Record<Target, string>> = {
  bare: 'bare Fastify route',
  tarmac: 'Tarmac `/health/ready`',
  terminus: 'terminus + pg `select 1`',
}
const n = (value: number) => value.toLocaleString('en-US')
const perThousand = (value: number) => (value < 10 ? value.toFixed(2) : n(Math.round(value)))

export const tables = {
  /** Per target: requests/s, server CPU per request, ratio to the bare route by CPU, database work per probe. */
  summary: (runs: readonly Run<HealthProbeResult>[]) => {
    const { result } = only(runs, 'summary')
    const { rounds, secondsPerWindow, connections } = result.settings
    const byCpu: Readonly<Record<Target, number>> = {
      bare: 1,
      tarmac: result.ratios.tarmacToBareByServerCpu,
      terminus: result.ratios.terminusToBareByServerCpu,
    }
    const rows = (Object.keys(NAMES) as Target[]).map((target) => {
      const s = result.summary[target]
      return [
        NAMES[target],
        n(s.medianRequestsPerSecond),
        `${s.medianServerCpuMicrosPerRequest} µs`,
        byCpu[target].toFixed(2),
        `${perThousand(s.dbTransactionsPer1000Probes)} (${n(s.dbTransactions)} in ${n(s.requests)} probes)`,
        s.medianLatencyP99Ms,
        s.non2xx,
      ]
    })
    return [
      `${rounds} rounds of ${secondsPerWindow} s windows per target, ${connections} connections; medians of the windows.`,
      '',
      markdownTable(
        [
          '',
          'requests/s',
          'server CPU per request',
          '× bare by CPU',
          'DB transactions per 1,000 probes',
          'p99 (ms)',
          'non-2xx',
        ],
        rows,
        [1, 2, 3, 5, 6],
      ),
    ].join('\n')
  },
} satisfies BenchTables
