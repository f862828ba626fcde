/** What a startup-storm run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, pair, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'
import { modelTables } from './model-tables.js'
import { table, type StartupStormResult } from './report.js'

export type { StartupStormResult }

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1))

export const tables = {
  /** Every contestant of every scenario of one run, every column (the columns are explained above). */
  storm: (runs: readonly Run<StartupStormResult>[]) =>
    table(only(runs, 'storm').result.results, { header: true }),
  /** Runs side by side (e.g. before / after a change): per scenario and contestant, ready, p95 and the target ratio. */
  compare: (runs: readonly Run<StartupStormResult>[]) => {
    pair(runs, 'compare')
    const keys = [
      ...new Set(runs.flatMap((run) => run.result.results.map((r) => `${r.scenario}\t${r.contestant}`))),
    ]
    return markdownTable(
      ['scenario', 'contestant', ...runs.map((run) => `\`${run.label}\`: ready, p95 (s), p95 ÷ max`)],
      keys.map((key) => {
        const [scenario, contestant] = key.split('\t') as [string, string]
        return [
          scenario,
          contestant,
          ...runs.map((run) => {
            const r = run.result.results.find((x) => x.scenario === scenario && x.contestant === contestant)
            return r ? `${r.readyPct} %, ${s(r.p95ReadyMs)}, ${r.ratio ?? '—'}` : '—'
          }),
        ]
      }),
    )
  },
  ...modelTables,
} satisfies BenchTables
