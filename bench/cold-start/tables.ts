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
  /** CPU when it first accepted a connection (runs before 2026-12-07 did not record it). */
  readonly cpuAtListeningMs?: Stat
  /** Where spawn → ready went, from the startup report (services only; runs before 2026-12-07 had none). */
  readonly steps?: readonly StepRow[]
}

/** One step's median over the runs; `depth` 1 is a component inside the phase above it. */
export interface StepRow {
  readonly step: string
  readonly depth: 0 | 1
  readonly ms: Stat
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
  /**
   * One run: where each service's spawn → ready went, step by step (medians of each step, so they need not add
   * up to the ready median exactly), beside the floor's whole spawn → listening.
   */
  steps: (runs: readonly Run<ColdStartResult>[]) => {
    const { result } = only(runs, 'steps')
    const floor = result.rows[0]!
    const services = result.rows.filter((row) => row.steps)
    if (services.length === 0) throw new Error('table steps: the run recorded no steps (before 2026-12-07)')
    return services
      .map((row) =>
        [
          `**${row.name}**: ready ${ms(row.readyMs.median)} ms (floor ${ms(floor.listeningMs.median)} ms), CPU ${ms(row.cpuMs.median)} ms, of which ${row.cpuAtListeningMs ? ms(row.cpuAtListeningMs.median) : '—'} ms by listening (floor ${ms(floor.cpuMs.median)} ms).`,
          '',
          markdownTable(
            ['step', 'median (ms)', 'p90 (ms)', 'share of ready'],
            row.steps!.map((step) => [
              step.depth === 1 ? `↳ ${step.step}` : step.step,
              ms(step.ms.median),
              ms(step.ms.p90),
              step.depth === 1 ? '' : `${Math.round((100 * step.ms.median) / row.readyMs.median)} %`,
            ]),
          ),
        ].join('\n'),
      )
      .join('\n\n')
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
