/** What a cold-start run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, pair, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface Stat {
  readonly median: number
  readonly p90: number
  readonly min: number
}

export interface ColdStartRow {
  readonly name: string
  readonly listeningMs: Stat
  readonly readyMs: Stat
  readonly cpuMs: Stat
  /** Ready median ÷ the floor's listening median (the first row is the floor). */
  readonly readyOverFloorListening: number
  readonly cpuOverFloor: number | null
}

export interface ColdStartResult {
  /** The Node that ran the contestants (`--node`), which may not be the bench's own. */
  readonly node: string
  readonly runs: number
  readonly rows: readonly ColdStartRow[]
}

const ms = (value: number) => String(Math.round(value))

export const tables = {
  /** One run: every contestant against the floor. */
  ready: (runs: readonly Run<ColdStartResult>[]) => {
    const { result } = only(runs, 'ready')
    return [
      `Contestants on Node ${result.node}, ${result.runs} runs each, interleaved; medians.`,
      '',
      markdownTable(
        [
          'process',
          'listening median (ms)',
          'ready median / p90 (ms)',
          'CPU to ready median (ms)',
          'ready ÷ floor',
          'CPU ÷ floor',
        ],
        result.rows.map((row) => [
          row.name,
          ms(row.listeningMs.median),
          `${ms(row.readyMs.median)} / ${ms(row.readyMs.p90)}`,
          ms(row.cpuMs.median),
          row.readyOverFloorListening,
          row.cpuOverFloor ?? '—',
        ]),
      ),
    ].join('\n')
  },
  /** Two or more runs side by side (e.g. before / after, Node 20 / Node 24): ready and CPU, and ÷ floor. */
  compare: (runs: readonly Run<ColdStartResult>[]) => {
    pair(runs, 'compare')
    const names = runs[0]!.result.rows.map((row) => row.name)
    return markdownTable(
      [
        'process',
        ...runs.map((run) => `\`${run.label}\` (Node ${run.result.node}): ready / CPU (ms), ÷ floor`),
      ],
      names.map((name) => [
        name,
        ...runs.map((run) => {
          const row = run.result.rows.find((r) => r.name === name)
          return row
            ? `${ms(row.readyMs.median)} / ${ms(row.cpuMs.median)}, ${row.readyOverFloorListening}× / ${row.cpuOverFloor ?? '—'}×`
            : '—'
        }),
      ]),
    )
  },
} satisfies BenchTables
